"""Which upload limit applies: Telegram's 50 MB, or 2,000 MB through a local Bot API server."""

from __future__ import annotations

from bot.delivery.sender import SenderConfig
from bot.delivery.video import LOCAL_UPLOAD_LIMIT, UPLOAD_LIMIT, upload_limit_for
from config.settings import Settings


def test_the_upload_limit_follows_the_api_url() -> None:
    assert upload_limit_for("https://api.telegram.org") == UPLOAD_LIMIT == 50 * 1024 * 1024
    assert upload_limit_for("http://127.0.0.1:8081") == LOCAL_UPLOAD_LIMIT
    assert upload_limit_for("http://telegram-bot-api:8081") == LOCAL_UPLOAD_LIMIT


def test_the_sender_takes_it_from_the_settings() -> None:
    default = SenderConfig.from_settings(Settings())
    local = SenderConfig.from_settings(Settings(telegram_api_url="http://127.0.0.1:8081/"))
    assert (default.video_upload_limit, local.video_upload_limit) == (
        UPLOAD_LIMIT,
        LOCAL_UPLOAD_LIMIT,
    )
