"""The outbox: who gets a row, leases, and what a crash or a second sender can and cannot do."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select

from storage.db import Database
from storage.models import (
    Article,
    ArticleTopic,
    Channel,
    Delivery,
    Feed,
    Subscriber,
    SubscriberTopic,
    Topic,
)
from storage.repositories import deliveries

NOW = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)  # 10:00 in Asia/Ho_Chi_Minh
LEASE = timedelta(seconds=60)


async def seed(database: Database, subscribers: int = 5) -> int:
    """One article on topic 'thoi-su' and a mixed audience; returns the article id."""
    async with database.session() as session:
        session.add(Feed(id=1, url="https://kontumtv.vn/feed"))
        session.add_all([Topic(id=1, slug="thoi-su", name="Thời sự"),
                         Topic(id=2, slug="the-thao", name="Thể thao")])  # fmt: skip
        await session.flush()
        session.add(Article(id=1, feed_id=1, guid="g", url="https://kontumtv.vn/a", title="A",
                            published_at=NOW, content_hash="h"))  # fmt: skip
        await session.flush()
        await session.execute(insert(ArticleTopic).values(article_id=1, topic_id=1))
        await session.execute(
            insert(Subscriber),
            [{"chat_id": 1000 + i, "active": True, "instant": True} for i in range(subscribers)],
        )
        session.add_all([
            Subscriber(chat_id=1, active=False),  # unsubscribed
            Subscriber(chat_id=2, instant=False),  # digest only
            Subscriber(chat_id=3, all_topics=False),  # sport only
            Subscriber(chat_id=4, all_topics=False),  # news only
            Subscriber(chat_id=5, quiet_start=22 * 60, quiet_end=11 * 60),  # asleep at 10:00
            Channel(chat_id=-1001, title="KRT"),
            Channel(chat_id=-1002, title="Sport", all_topics=False),
        ])  # fmt: skip
        await session.flush()
        await session.execute(
            insert(SubscriberTopic), [{"chat_id": 3, "topic_id": 2}, {"chat_id": 4, "topic_id": 1}]
        )
    return 1


async def rows(database: Database) -> list[Delivery]:
    async with database.session() as session:
        return list((await session.scalars(select(Delivery).order_by(Delivery.id))).all())


async def test_enqueue_picks_exactly_the_matching_audience(database: Database) -> None:
    article = await seed(database)
    async with database.session() as session:
        written = await deliveries.enqueue_article(session, article, now=NOW, local_minute=600)
    got = {(r.chat_id, r.kind) for r in await rows(database)}
    expected = {(1000 + i, "instant") for i in range(5)} | {
        (4, "instant"),
        (5, "instant"),
        (-1001, "channel"),
    }
    assert got == expected and written == len(expected)
    silent = {r.chat_id for r in await rows(database) if r.silent}
    assert silent == {5}


async def test_enqueue_twice_writes_nothing_more(database: Database) -> None:
    article = await seed(database)
    async with database.session() as session:
        first = await deliveries.enqueue_article(session, article, now=NOW, local_minute=600)
        second = await deliveries.enqueue_article(session, article, now=NOW, local_minute=600)
    assert first > 0 and second == 0


async def test_channels_go_before_subscribers(database: Database) -> None:
    article = await seed(database)
    async with database.session() as session:
        await deliveries.enqueue_article(session, article, now=NOW, local_minute=600)
        claimed = await deliveries.claim(session, owner="a", now=NOW, lease=LEASE, limit=1)
    assert [c.chat_id for c in claimed] == [-1001]


async def test_a_lease_hides_rows_until_it_expires_and_sent_rows_stay_sent(
    database: Database,
) -> None:
    article = await seed(database)
    async with database.session() as session:
        total = await deliveries.enqueue_article(session, article, now=NOW, local_minute=600)
        first = await deliveries.claim(session, owner="a", now=NOW, lease=LEASE, limit=100)
    assert len(first) == total
    async with database.session() as session:
        await deliveries.mark_sent(session, [(first[0].id, 77, False, 1)], now=NOW)
        # Another sender (or a restart) sees nothing while the lease holds...
        assert await deliveries.claim(session, owner="b", now=NOW, lease=LEASE, limit=100) == []
    later = NOW + LEASE + timedelta(seconds=1)
    async with database.session() as session:
        # ...and, after it expired, everything except the row already sent.
        again = await deliveries.claim(session, owner="b", now=later, lease=LEASE, limit=100)
    assert {c.id for c in again} == {c.id for c in first[1:]}


async def test_two_senders_never_claim_the_same_row(database: Database) -> None:
    if database.is_sqlite:
        pytest.skip("SQLite has one writer; a second process is refused by the instance lock")
    await seed(database, subscribers=400)
    async with database.session() as session:
        await deliveries.enqueue_article(session, 1, now=NOW, local_minute=600)

    async def claimer(owner: str) -> list[int]:
        got: list[int] = []
        while True:
            async with database.session() as session:
                batch = await deliveries.claim(session, owner=owner, now=NOW, lease=LEASE, limit=7)
                await asyncio.sleep(0)  # hold the row locks across a task switch
            if not batch:
                return got
            got.extend(c.id for c in batch)

    first, second = await asyncio.gather(claimer("a"), claimer("b"))
    assert first and second, "both senders should have found work"
    assert not set(first) & set(second)
    assert len(first) + len(second) == len(await rows(database))


async def test_a_revision_marks_recent_sent_messages_for_editing(database: Database) -> None:
    article = await seed(database)
    async with database.session() as session:
        await deliveries.enqueue_article(session, article, now=NOW, local_minute=600)
        claimed = await deliveries.claim(session, owner="a", now=NOW, lease=LEASE, limit=3)
        await deliveries.mark_sent(
            session, [(c.id, 10 + i, False, 1) for i, c in enumerate(claimed)], now=NOW
        )
        too_late = await deliveries.request_edits(
            session, article, 2, now=NOW + timedelta(hours=49), published_at=NOW
        )
        marked = await deliveries.request_edits(
            session, article, 2, now=NOW + timedelta(hours=1), published_at=NOW
        )
    assert (too_late, marked) == (0, 3)
    async with database.session() as session:
        edits = await deliveries.claim(
            session, owner="a", now=NOW + timedelta(hours=1), lease=LEASE, limit=100
        )
    assert {e.id for e in edits if e.edit_revision == 2} == {c.id for c in claimed}
    assert all(e.message_id is not None for e in edits if e.edit_revision == 2)
