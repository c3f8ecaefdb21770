"""Shared pieces for the channel and feed admin tests: the station's people, the pipeline
(ingest then sender) run on demand, and the feed edited the way the station's site changes."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.feeds.fetch import FeedFetcher
from bot.services.ingest import Ingest
from bot.services.poll_requests import request_polls
from storage.db import Database
from storage.models import Delivery, Feed
from storage.repositories import feeds
from tests.delivery_e2e.helpers import sender_on
from tests.harness import BotHarness
from tests.ingest.conftest import new_item, split_feed, with_items
from tests.sandbox import Sandbox, SandboxUser, SentMessage

OWNER, STRANGER, CHANNEL_OWNER = 42, 7, 77
ADMIN_CHAT = -100500
STATION_CHANNEL = -1001234567890


def rfc822(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")


def publish(sb: Sandbox, path: str, *items: str) -> None:
    """The station's site lists ``items`` on top of the fixture feed at ``path``."""
    feed = sb.station.feed_bytes().decode()
    _, old, _ = split_feed(feed)
    sb.station.set(path, with_items(feed, [*items, *old]), "application/rss+xml")


def fresh_item(post_id: int, title: str, *, image: str | None = None) -> str:
    """A new story published now (the sender would not send a day-old one)."""
    body = "Sáng nay, tỉnh Kon Tum khánh thành cầu treo qua sông Đăk Bla, dài 292 m."
    if image is not None:
        body = f'<img src="{image}"> {body}'
    return new_item(post_id, title, published=rfc822(datetime.now(UTC)), body=body)


async def run_pipeline(sb: Sandbox, database: Database, *, configured: list[str]) -> None:
    """One round of what the bot's background work does: the configured feeds are ensured
    (as at start), every active feed is polled now, and the outbox is sent."""
    async with database.session() as session:
        await feeds.ensure_feeds(session, configured)
    await request_polls(database, datetime.now(UTC), None, min_gap_s=0)
    async with FeedFetcher(connect_timeout=2, read_timeout=3, total_timeout=5) as fetcher:
        await Ingest(database, fetcher, interval_s=300).poll_due()
    async with sender_on(sb, database) as sender:
        await sender.drain(limit_s=20)


async def active_feed_urls(database: Database) -> list[str]:
    async with database.session() as session:
        return [f.url for f in (await session.scalars(select(Feed).where(Feed.active))).all()]


async def deliveries_to(database: Database, chat_id: int) -> list[Delivery]:
    async with database.session() as session:
        query = select(Delivery).where(Delivery.chat_id == chat_id).order_by(Delivery.id)
        return list((await session.scalars(query)).all())


async def command(bot: BotHarness, user: SandboxUser, text: str) -> SentMessage:
    """``user`` sends ``text`` to the bot; the bot's first answer."""
    await user.send(text)
    return await bot.sb.wait_for_message(user.chat_id, timeout=10)
