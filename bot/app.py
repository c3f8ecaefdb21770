"""build_application(settings, database) -> telegram.ext.Application: wiring only."""

from __future__ import annotations

import logging

from telegram.ext import Application, ApplicationBuilder

from bot.context import CONTEXT_TYPES
from bot.delivery.limiter import RateLimiter
from bot.delivery.pacing import PacedReplies
from bot.delivery.transport import AiohttpRequest
from bot.handlers import register_all
from bot.services import SERVICES_KEY, build_services
from config import Settings
from storage.db import Database

log = logging.getLogger(__name__)


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
        .context_types(CONTEXT_TYPES)
        .build()
    )
    application.bot_data[SERVICES_KEY] = build_services(settings, database, limiter)
    register_all(application)
    return application
