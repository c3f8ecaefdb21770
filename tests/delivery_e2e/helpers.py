"""Shared pieces for the delivery end-to-end tests: fake time, seeding, a sender on a sandbox."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select

from bot.delivery.limiter import RateLimiter
from bot.delivery.render import render_cache_clear
from bot.delivery.sender import Sender, SenderConfig
from bot.delivery.transport import AiohttpRequest
from storage.db import Database
from storage.models import Article, Channel, Delivery, Feed, Subscriber
from storage.repositories import deliveries
from tests.sandbox import Sandbox

# 10:00 in Asia/Ho_Chi_Minh: nobody's quiet hours unless a test sets them.
T0 = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
IMAGE = "https://kontumtv.vn/wp-content/uploads/2014/07/hoi-nghi-so-ket-5-nam.jpg"


class FakeTime:
    """One fake clock for the sender (UTC datetimes) and the limiter (monotonic seconds).

    ``sleep`` moves time forward instead of waiting, so pacing and back-offs cost nothing.
    """

    def __init__(self, start: datetime = T0) -> None:
        self.start = start
        self.t = 0.0
        self.slept: list[float] = []

    def mono(self) -> float:
        return self.t

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.t)

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.t += max(seconds, 0.0)
        await asyncio.sleep(0)

    def advance(self, seconds: float) -> None:
        self.t += seconds

    def until(self, moment: datetime) -> None:
        """Move the clock forward to ``moment`` (never backwards)."""
        self.t = max(self.t, (moment - self.start).total_seconds())


async def seed_article(
    database: Database,
    article_id: int = 1,
    *,
    title: str = "Giá cà phê tăng, nông dân Đăk Hà phấn khởi",
    summary: str = "Nông dân huyện Đăk Hà phấn khởi chăm sóc vườn cà phê khi giá tăng.",
    image_url: str | None = None,
    published_at: datetime = T0,
) -> int:
    async with database.session() as session:
        if await session.get(Feed, 1) is None:
            session.add(Feed(id=1, url="https://kontumtv.vn/feed", primed=True))
            await session.flush()
        session.add(
            Article(
                id=article_id,
                feed_id=1,
                guid=f"https://kontumtv.vn/?p={article_id}",
                url=f"https://kontumtv.vn/tin-tuc/kinh-te/bai-{article_id}",
                title=title,
                summary=summary,
                image_url=image_url,
                published_at=published_at,
                content_hash=f"h{article_id}",
            )
        )
    return article_id


async def add_subscribers(database: Database, chat_ids: Iterable[int], **values: Any) -> None:
    rows = [{"chat_id": chat_id, "active": True, "instant": True, **values} for chat_id in chat_ids]
    if rows:
        async with database.session() as session:
            await session.execute(insert(Subscriber), rows)


async def add_channel(database: Database, chat_id: int, **values: Any) -> None:
    async with database.session() as session:
        session.add(Channel(chat_id=chat_id, title="KRT", **values))


async def enqueue(database: Database, article_id: int, *, now: datetime = T0) -> int:
    async with database.session() as session:
        return await deliveries.enqueue_article(session, article_id, now=now)


async def all_rows(database: Database) -> list[Delivery]:
    async with database.session() as session:
        return list((await session.scalars(select(Delivery).order_by(Delivery.id))).all())


async def row_for(database: Database, chat_id: int, article_id: int = 1) -> Delivery:
    async with database.session() as session:
        row = await session.scalar(
            select(Delivery).where(Delivery.chat_id == chat_id, Delivery.article_id == article_id)
        )
    assert row is not None, f"no delivery row for chat {chat_id}, article {article_id}"
    return row


async def subscriber(database: Database, chat_id: int) -> Subscriber | None:
    async with database.session() as session:
        return await session.get(Subscriber, chat_id)


def sends_to(sb: Sandbox, chat_id: int) -> list[str]:
    """Every send/edit call the bot made to this chat (accepted or refused), by method."""
    return [
        c.method
        for c in sb.calls
        if c.method.lower() != "getme" and str(c.params.get("chat_id")) == str(chat_id)
    ]


@asynccontextmanager
async def sender_on(
    sb: Sandbox,
    database: Database,
    *,
    fake: FakeTime | None = None,
    config: SenderConfig | None = None,
    owner: str = "test-sender",
    rate: int = 30,
    read_timeout: float = 5.0,
) -> AsyncIterator[Sender]:
    """A Sender wired like bot.app: its own Bot on the aiohttp transport.

    With ``fake`` both the sender's clock and the limiter's run on fake time.
    """
    from telegram import Bot

    render_cache_clear()
    bot = Bot(
        sb.token,
        base_url=f"{sb.api_url}/bot",
        base_file_url=f"{sb.api_url}/file/bot",
        request=AiohttpRequest(connection_pool_size=64, read_timeout=read_timeout),
    )
    await bot.initialize()
    if fake is not None:
        limiter = RateLimiter(rate=rate, clock=fake.mono, sleep=fake.sleep)
        sender = Sender(
            database,
            bot,
            limiter,
            config=config,
            owner=owner,
            clock=fake.now,
            sleep=fake.sleep,
        )
    else:
        sender = Sender(database, bot, RateLimiter(rate=rate), config=config, owner=owner)
    try:
        yield sender
    finally:
        await sender.videos.close()
        await bot.shutdown()
        render_cache_clear()


async def settle(sender: Sender, fake: FakeTime, database: Database, rounds: int = 60) -> int:
    """Run the sender, jumping fake time to the next due row, until nothing is left to do.

    Returns the number of ``run_once`` rounds that handled rows.
    """
    from sqlalchemy import and_, func, or_

    busy = 0
    for _ in range(rounds):
        if await sender.run_once():
            busy += 1
            continue
        async with database.session() as session:
            due = await session.scalar(
                select(func.min(Delivery.due_at)).where(
                    or_(
                        Delivery.status == "pending",
                        and_(Delivery.status == "sent", Delivery.edit_revision.is_not(None)),
                    )
                )
            )
        if due is None:
            return busy
        fake.until(due)
    raise AssertionError(f"the outbox did not settle in {rounds} rounds (a row loops forever)")


async def assert_no_limbo(database: Database) -> None:
    """Every delivery ended sent, failed with a reason, or cancelled; no lease is left."""
    for row in await all_rows(database):
        assert row.status in ("sent", "failed", "cancelled"), (row.id, row.chat_id, row.status)
        assert row.lease_owner is None or row.status == "cancelled", (row.id, row.lease_owner)
        assert row.edit_revision is None, (row.id, "edit still requested")
        if row.status == "failed":
            assert row.last_error, (row.id, "failed without a reason")
        if row.status == "sent":
            assert row.message_id is not None and row.sent_at is not None, row.id
