"""The background loops of a running bot: the feed poller and the outbox sender."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from telegram import Bot
from telegram.ext import Application

from bot.delivery.sender import Sender, SenderConfig
from bot.delivery.transport import AiohttpRequest
from bot.feeds.fetch import FeedFetcher
from bot.feeds.poller import Poller
from bot.logsetup import redact
from bot.services import services_of
from storage.repositories import feeds

log = logging.getLogger(__name__)


@dataclass
class Background:
    poller: Poller
    sender: Sender
    fetcher: FeedFetcher
    sender_bot: Bot

    async def close(self) -> None:
        await self.fetcher.close()
        await self.sender_bot.shutdown()


def make_sender_bot(token: str, api_url: str, send_timeout: float = 30.0) -> Bot:
    """The outbox's own Bot: its own connection pool, so a broadcast never queues replies.

    Its read timeout is ``send_timeout``: a shorter one than Telegram's real latency turns a
    slow but successful send into a retry, a duplicate for the reader.
    """
    return Bot(
        token,
        base_url=f"{api_url}/bot",
        base_file_url=f"{api_url}/file/bot",
        request=AiohttpRequest(connection_pool_size=64, read_timeout=send_timeout),
    )


async def start_background(application: Application) -> Background:  # type: ignore[type-arg]
    """Build the poller and sender for a running application (feeds from settings)."""
    services = services_of(application.bot_data)
    settings, database = services.settings, services.database
    async with database.session() as session:
        await feeds.ensure_feeds(session, settings.feeds)

    async def alert_admins(text: str) -> None:
        if settings.admin_chat_id is None:
            log.warning("admin alert (no NEWSBOT_ADMIN_CHAT_ID set): %s", redact(text))
            return
        await application.bot.send_message(settings.admin_chat_id, text)

    sender_bot = make_sender_bot(settings.token, settings.telegram_api_url, settings.send_timeout)
    await sender_bot.initialize()
    sender = Sender(
        database,
        sender_bot,
        services.limiter,
        config=SenderConfig.from_settings(settings),
        alert=alert_admins,
    )

    poller = Poller(
        database,
        FeedFetcher(),
        interval_s=settings.poll_interval,
        summary_limit=settings.summary_limit,
        zone=settings.zone,
        alert=alert_admins,
        on_enqueued=sender.wake,
    )
    return Background(poller, sender, poller.fetcher, sender_bot)
