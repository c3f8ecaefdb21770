"""The operator's fault settings reach the sender: send timeout, stall threshold, language."""

from __future__ import annotations

from datetime import timedelta

from bot.app import make_sender_bot
from bot.delivery.sender import SenderConfig
from bot.delivery.transport import AiohttpRequest
from config.settings import load_settings

TOKEN = "123456789:AAEexampleexampleexampleexample"


def test_the_stall_threshold_and_the_alert_language_come_from_settings() -> None:
    settings = load_settings(
        telegram_token=TOKEN, send_stall_alert_after=120, locale="en", paid_broadcast=True
    )
    config = SenderConfig.from_settings(settings)
    assert config.stall_alert_after == timedelta(seconds=120)
    assert config.alert_locale == "en" and config.paid_broadcast is True
    defaults = SenderConfig.from_settings(load_settings(telegram_token=TOKEN))
    assert defaults.stall_alert_after == timedelta(minutes=5) and defaults.alert_locale == "vi"


def test_the_outbox_bot_waits_send_timeout_for_an_answer() -> None:
    settings = load_settings(telegram_token=TOKEN, send_timeout=45)
    bot = make_sender_bot(settings.token, settings.telegram_api_url, settings.send_timeout)
    assert isinstance(bot.request, AiohttpRequest)
    assert bot.request.read_timeout == 45.0
    default = make_sender_bot(TOKEN, "https://api.telegram.org")
    assert default.request.read_timeout == 30.0  # NEWSBOT_SEND_TIMEOUT's default
