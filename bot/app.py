"""build_application(settings, database) -> telegram.ext.Application: wiring only."""

from __future__ import annotations

import logging

from telegram import BotCommand, Update
from telegram.error import Forbidden, NetworkError
from telegram.ext import Application, ApplicationBuilder, ContextTypes

from bot.delivery.limiter import RateLimiter
from bot.delivery.pacing import PacedReplies
from bot.delivery.transport import AiohttpRequest
from bot.handlers import membership, subscriber
from bot.i18n import LOCALES, t
from bot.services import SERVICES_KEY, Services
from config import Settings
from storage.db import Database

log = logging.getLogger(__name__)


def bot_commands(locale: str) -> list[BotCommand]:
    """The command menu in one language."""
    return [BotCommand(name, t(f"command.{name}", locale)) for name in subscriber.COMMANDS]


async def set_command_menu(application: Application) -> None:  # type: ignore[type-arg]
    """Publish the command menu: Vietnamese as the default, English for English clients."""
    await application.bot.set_my_commands(bot_commands("vi"))
    for locale in LOCALES:
        await application.bot.set_my_commands(bot_commands(locale), language_code=locale)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log every handler error once, with the update it came from; tell the user when we can."""
    error = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    if isinstance(error, Forbidden):
        log.info("update %s: chat unreachable: %s", update_id, error)
        return
    if isinstance(error, NetworkError):
        log.warning("update %s: network error: %s", update_id, error)
        return
    log.error("update %s: handler failed", update_id, exc_info=error)
    if isinstance(update, Update) and update.effective_message is not None:
        locale = subscriber.locale_of(update.effective_user)
        try:
            await update.effective_message.reply_text(t("error.generic", locale))
        except Exception:  # the apology is best-effort; the error is already logged
            log.debug("could not send the error apology", exc_info=True)


def make_limiter(settings: Settings) -> RateLimiter:
    """One limiter per bot token, shared by replies and the outbox.

    The timing margin is 30 ms plus one send interval: at 30/s a request that reaches
    Telegram one slot late (a busy event loop, a slow network hop) still keeps every
    one-second window within the limit, at ~6 % of throughput; at 300/s the margin is ~3 %.
    """
    rate = max(1, round(settings.send_rate))
    return RateLimiter(rate=rate, jitter=0.03 + 1.0 / rate)


def build_application(
    settings: Settings, database: Database, limiter: RateLimiter | None = None
) -> Application:  # type: ignore[type-arg]
    """Wire handlers and services into a python-telegram-bot Application."""
    limiter = limiter or make_limiter(settings)
    root = settings.telegram_api_url
    application = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(f"{root}/bot")
        .base_file_url(f"{root}/file/bot")
        .request(AiohttpRequest(connection_pool_size=32))
        .get_updates_request(AiohttpRequest(connection_pool_size=2, read_timeout=40.0))
        .rate_limiter(PacedReplies(limiter))
        .concurrent_updates(32)
        .build()
    )
    application.bot_data[SERVICES_KEY] = Services(
        settings=settings, database=database, limiter=limiter
    )
    subscriber.register(application)
    membership.register(application)
    subscriber.register_fallbacks(application)
    application.add_error_handler(on_error)
    return application
