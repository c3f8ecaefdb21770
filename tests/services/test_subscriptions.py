"""/start and /stop decisions, without Telegram, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.services.subscriptions import Joined, Left, Reader, Subscriptions
from storage.db import Database
from storage.models import Article, Delivery, Feed, Subscriber

LAN = 1001


async def seed_article(database: Database, article_id: int = 1) -> None:
    async with database.session() as session:
        if await session.get(Feed, 1) is None:
            session.add(Feed(id=1, url="https://kontumtv.vn/feed", primed=True))
            await session.flush()
        session.add(
            Article(
                id=article_id,
                feed_id=1,
                guid=f"https://kontumtv.vn/?p={article_id}",
                url=f"https://kontumtv.vn/bai-{article_id}",
                title="Tin",
                published_at=datetime(2026, 11, 27, tzinfo=UTC),
                content_hash=f"h{article_id}",
            )
        )


async def test_a_reader_joins_is_recognised_and_comes_back(database: Database) -> None:
    subscriptions = Subscriptions(database)
    assert await subscriptions.subscribe(Reader(LAN, first_name="Lan")) is Joined.NEW
    assert await subscriptions.subscribe(Reader(LAN, first_name="Lan")) is Joined.ALREADY
    assert await subscriptions.unsubscribe(LAN) is Left.UNSUBSCRIBED
    assert await subscriptions.subscribe(Reader(LAN, first_name="Lan")) is Joined.RESUMED


async def test_a_returning_reader_keeps_their_preferences(database: Database) -> None:
    subscriptions = Subscriptions(database)
    await subscriptions.subscribe(Reader(LAN, language="en"))
    async with database.session() as session:
        stored = await session.get(Subscriber, LAN)
        assert stored is not None
        stored.wants_images, stored.quiet_start, stored.quiet_end = False, 22 * 60, 6 * 60
    await subscriptions.unsubscribe(LAN)
    await subscriptions.subscribe(Reader(LAN, language="en"))
    async with database.session() as session:
        stored = await session.get(Subscriber, LAN)
    assert stored is not None and stored.active and stored.inactive_reason is None
    assert (stored.wants_images, stored.quiet_start, stored.quiet_end) == (False, 1320, 360)


async def test_stop_when_not_subscribed_changes_nothing(database: Database) -> None:
    subscriptions = Subscriptions(database)
    assert await subscriptions.unsubscribe(LAN) is Left.NOT_SUBSCRIBED
    await subscriptions.subscribe(Reader(LAN))
    await subscriptions.unsubscribe(LAN)
    assert await subscriptions.unsubscribe(LAN) is Left.NOT_SUBSCRIBED
    async with database.session() as session:
        stored = await session.get(Subscriber, LAN)
    assert stored is not None and stored.inactive_reason == "unsubscribed"


async def test_stop_cancels_that_readers_queued_pushes_only(database: Database) -> None:
    subscriptions = Subscriptions(database)
    await subscriptions.subscribe(Reader(LAN))
    await seed_article(database, 1)
    await seed_article(database, 2)
    async with database.session() as session:
        session.add_all(
            [
                Delivery(article_id=1, chat_id=LAN, kind="instant", status="sent"),
                Delivery(article_id=2, chat_id=LAN, kind="instant", status="pending"),
                Delivery(article_id=2, chat_id=2002, kind="instant", status="pending"),
            ]
        )
    assert await subscriptions.unsubscribe(LAN) is Left.UNSUBSCRIBED
    async with database.session() as session:
        rows = (await session.scalars(select(Delivery).order_by(Delivery.id))).all()
    assert [(r.chat_id, r.article_id, r.status) for r in rows] == [
        (LAN, 1, "sent"),
        (LAN, 2, "cancelled"),
        (2002, 2, "pending"),
    ]
