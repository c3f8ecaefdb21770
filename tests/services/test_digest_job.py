"""The digest job's exactly-once rules as a reader notices them: one edition per day however
many runs, and a reader who changes their settings while an edition is being made gets what
the new settings say (on SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from bot.services.digest import DigestJob
from bot.services.preferences import Preferences
from bot.services.subscriptions import Left, Subscriptions
from storage.db import Database
from storage.enums import MessageKind
from storage.models import (
    Article,
    ArticleTopic,
    Delivery,
    Feed,
    Subscriber,
    SubscriberTopic,
    Topic,
)
from storage.repositories import digests
from tests.delivery_e2e.helpers import add_subscribers

CHOSEN = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)  # 10:00 in Asia/Ho_Chi_Minh
SLOT = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)  # 07:00 the next day
SPORT, ECONOMY = 1, 2


class Clock:
    def __init__(self, now: datetime) -> None:
        self.at = now

    def now(self) -> datetime:
        return self.at


async def newsroom(database: Database) -> None:
    """Two topics and a day of news in each, stored before 07:00."""
    async with database.session() as session:
        session.add(Feed(id=1, url="https://kontumtv.vn/feed", primed=True))
        session.add_all([Topic(id=SPORT, slug="the-thao", name="Thể thao"),
                         Topic(id=ECONOMY, slug="kinh-te", name="Kinh tế")])  # fmt: skip
        await session.flush()
        for n, topic in ((1, SPORT), (2, ECONOMY), (3, SPORT)):
            at = CHOSEN + timedelta(hours=n)
            session.add(
                Article(
                    id=n, feed_id=1, guid=f"g{n}", url=f"https://kontumtv.vn/bai-{n}",
                    title=f"Tin {n}", published_at=at, fetched_at=at, content_hash=f"h{n}",
                )
            )  # fmt: skip
            await session.flush()
            session.add(ArticleTopic(article_id=n, topic_id=topic))


async def readers(database: Database, clock: Clock, chat_ids: range, **values: Any) -> None:
    """Readers who chose the 07:00 digest the day before; every third follows sport only."""
    await add_subscribers(database, chat_ids, **values)
    sport_only = [chat_id for chat_id in chat_ids if chat_id % 3 == 0]
    async with database.session() as session:
        session.add_all([SubscriberTopic(chat_id=c, topic_id=SPORT) for c in sport_only])
        await session.execute(
            update(Subscriber).where(Subscriber.chat_id.in_(sport_only)).values(all_topics=False)
        )
    preferences = Preferences(database, clock=clock.now)
    for chat_id in chat_ids:
        assert await preferences.set_digest(chat_id, 7 * 60) is not None


async def digest_rows(database: Database) -> list[tuple[int, str]]:
    async with database.session() as session:
        rows = await session.execute(
            select(Delivery.chat_id, Delivery.ref).where(
                Delivery.message_kind == MessageKind.DIGEST
            )
        )
        return [(int(chat_id), str(ref)) for chat_id, ref in rows.all()]


async def test_two_runs_at_once_queue_each_readers_edition_once(database: Database) -> None:
    clock = Clock(CHOSEN)
    await newsroom(database)
    await readers(database, clock, range(1, 31))
    await readers(database, clock, range(31, 41), language="en")
    clock.at = SLOT + timedelta(seconds=5)
    first, second = DigestJob(database, clock=clock.now), DigestJob(database, clock=clock.now)

    queued = await asyncio.gather(first.run_once(), second.run_once())

    rows = await digest_rows(database)
    assert sum(queued) == len(rows) == 40
    assert Counter(chat_id for chat_id, _ in rows) == Counter(range(1, 41))
    assert {ref for _, ref in rows} == {"digest:2026-12-01:1"}
    # Run again (a restart, the next tick): nothing more.
    assert await DigestJob(database, clock=clock.now).run_once() == 0
    assert len(await digest_rows(database)) == 40


async def test_a_reader_who_changes_settings_while_the_edition_is_made_gets_the_new_ones(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock(CHOSEN)
    await newsroom(database)
    await readers(database, clock, range(1, 6))
    mover, leaver = 1, 2
    clock.at = SLOT + timedelta(seconds=5)
    preferences = Preferences(database, clock=clock.now)
    read_headlines = digests.headlines

    async def meanwhile(*args: Any, **kwargs: Any) -> Any:
        # The due readers are read; before any row is written, one reader moves their digest
        # to 08:00 and another says /stop (each in its own transaction, as the bot would).
        if not changed:
            changed.append(True)
            assert await preferences.set_digest(mover, 8 * 60) is not None
            assert await Subscriptions(database).unsubscribe(leaver) is Left.UNSUBSCRIBED
        return await read_headlines(*args, **kwargs)

    changed: list[bool] = []
    monkeypatch.setattr(digests, "headlines", meanwhile)
    assert await DigestJob(database, clock=clock.now).run_once() == 3
    assert changed
    assert sorted(chat_id for chat_id, _ in await digest_rows(database)) == [3, 4, 5]

    # At 08:00 the reader who moved gets the day's edition, once; the one who left never.
    clock.at = SLOT + timedelta(hours=1, seconds=5)
    assert await DigestJob(database, clock=clock.now).run_once() == 1
    assert await DigestJob(database, clock=clock.now).run_once() == 0
    assert sorted(chat_id for chat_id, _ in await digest_rows(database)) == [1, 3, 4, 5]
