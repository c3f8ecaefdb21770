"""The outbox: who gets a row, leases, and what a crash or a second sender can and cannot do."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import insert, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import load_only

from storage.db import Database, alembic_config
from storage.enums import Audience, DeliveryStatus, MessageKind
from storage.models import (
    Article,
    ArticleTopic,
    Channel,
    ChannelTopic,
    Delivery,
    Feed,
    Subscriber,
    SubscriberTopic,
    Topic,
)
from storage.repositories import deliveries
from tests.conftest import _create_database, _drop_database, postgres_admin_url

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


async def rows_0002(database: Database) -> list[Delivery]:
    """Rows of a database at revision 0002: only the columns that revision has."""
    columns = (Delivery.kind, Delivery.priority, Delivery.status, Delivery.message_kind,
               Delivery.payload, Delivery.ref, Delivery.expires_at)  # fmt: skip
    query = select(Delivery).options(load_only(*columns)).order_by(Delivery.id)
    async with database.session() as session:
        return list((await session.scalars(query)).all())


async def test_enqueue_picks_exactly_the_matching_audience(database: Database) -> None:
    article = await seed(database)
    async with database.session() as session:
        written = await deliveries.enqueue_article(session, article, now=NOW)
    got = {(r.chat_id, r.kind) for r in await rows(database)}
    expected = {(1000 + i, "instant") for i in range(5)} | {
        (4, "instant"),
        (5, "instant"),
        (-1001, "channel"),
    }
    assert got == expected and written == len(expected)
    # Chat 5 is in its quiet hours, but silence is decided when sending, not here.
    assert [r.chat_id for r in await rows(database) if r.silent] == []


async def test_enqueue_twice_writes_nothing_more(database: Database) -> None:
    article = await seed(database)
    async with database.session() as session:
        first = await deliveries.enqueue_article(session, article, now=NOW)
        second = await deliveries.enqueue_article(session, article, now=NOW)
    assert first > 0 and second == 0


async def test_channels_go_before_subscribers(database: Database) -> None:
    article = await seed(database)
    async with database.session() as session:
        await deliveries.enqueue_article(session, article, now=NOW)
        claimed = await deliveries.claim(session, owner="a", now=NOW, lease=LEASE, limit=1)
    assert [c.chat_id for c in claimed] == [-1001]


async def test_a_lease_hides_rows_until_it_expires_and_sent_rows_stay_sent(
    database: Database,
) -> None:
    article = await seed(database)
    async with database.session() as session:
        total = await deliveries.enqueue_article(session, article, now=NOW)
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
        await deliveries.enqueue_article(session, 1, now=NOW)

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
        await deliveries.enqueue_article(session, article, now=NOW)
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


async def add_article(database: Database, article_id: int, topic_id: int) -> None:
    async with database.session() as session:
        session.add(
            Article(
                id=article_id,
                feed_id=1,
                guid=f"g{article_id}",
                content_hash="h",
                url=f"https://kontumtv.vn/{article_id}",
                title="B",
                published_at=NOW,
            )
        )
        await session.flush()
        await session.execute(insert(ArticleTopic).values(article_id=article_id, topic_id=topic_id))


BURST = {"key": "push.burst", "params": {"count": 4995, "feed": "KRT"}}


async def test_a_notice_reaches_whoever_matches_any_of_the_articles_once(
    database: Database,
) -> None:
    await seed(database)  # article 1: thoi-su
    await add_article(database, 2, topic_id=2)  # the-thao
    async with database.session() as session:
        session.add(ChannelTopic(chat_id=-1002, topic_id=2))
    async with database.session() as session:
        written = await deliveries.enqueue_notice_for_articles(
            session,
            [1, 2],
            ref="burst:1:2026-11-27T03:00",
            payload=BURST,
            now=NOW,
            expires_at=NOW + timedelta(hours=24),
        )
        again = await deliveries.enqueue_notice_for_articles(
            session,
            [2, 1],
            ref="burst:1:2026-11-27T03:00",
            payload=BURST,
            now=NOW,
        )
    got = await rows(database)
    # Sport-only subscriber 3 and the sport channel match article 2; everyone else article 1.
    expected = {(1000 + i, Audience.INSTANT) for i in range(5)} | {
        (3, Audience.INSTANT),
        (4, Audience.INSTANT),
        (5, Audience.INSTANT),
        (-1001, Audience.CHANNEL),
        (-1002, Audience.CHANNEL),
    }
    assert {(r.chat_id, r.kind) for r in got} == expected
    assert (written, again) == (len(expected), 0)
    assert all(r.message_kind is MessageKind.NOTICE and r.article_id is None for r in got)
    assert all(json.loads(r.payload or "") == BURST for r in got)
    assert all(r.expires_at == NOW + timedelta(hours=24) for r in got)
    assert {r.chat_id for r in got if r.silent} == set()  # quiet hours: decided when sent


async def test_a_notice_for_no_articles_or_no_match_writes_nothing(database: Database) -> None:
    await seed(database)
    await add_article(database, 2, topic_id=2)
    async with database.session() as session:
        await session.execute(update(Channel).values(active=False))
        await session.execute(update(Subscriber).values(all_topics=False))
        none = await deliveries.enqueue_notice_for_articles(
            session, [], ref="burst:x", payload=BURST, now=NOW
        )
        sport = await deliveries.enqueue_notice_for_articles(
            session, [2], ref="burst:y", payload=BURST, now=NOW
        )
    assert none == 0
    assert sport == 1 and [r.chat_id for r in await rows(database)] == [3]


async def test_articles_carry_their_expiry_and_read_back_as_article_rows(
    database: Database,
) -> None:
    article = await seed(database)
    expiry = NOW + timedelta(hours=24)
    async with database.session() as session:
        await deliveries.enqueue_article(session, article, now=NOW, expires_at=expiry)
        claimed = await deliveries.claim(session, owner="a", now=NOW, lease=LEASE, limit=100)
    assert claimed and all(c.expires_at == expiry for c in claimed)
    assert all(c.message_kind is MessageKind.ARTICLE and c.payload is None for c in claimed)
    assert all(c.created_at == NOW and c.ref is None for c in claimed)


async def test_a_message_to_listed_chats_is_queued_once_in_each_chats_language(
    database: Database,
) -> None:
    await seed(database)
    async with database.session() as session:
        await session.execute(
            update(Subscriber).where(Subscriber.chat_id == 1001).values(language="en")
        )
        args = dict(
            payload={"key": "alert.stall", "params": {}},
            ref="stall:1",
            now=NOW,
            audience=Audience.REPLY,
            locale="vi",
        )
        first = await deliveries.enqueue_message(
            session, MessageKind.NOTICE, [1001, 777, 1001], **args
        )
        second = await deliveries.enqueue_message(session, MessageKind.NOTICE, [777, 1001], **args)
        with pytest.raises(ValueError):
            await deliveries.enqueue_message(session, MessageKind.ARTICLE, [1], **args)
    got = {r.chat_id: r for r in await rows(database)}
    assert (first, second) == (2, 0)
    assert {c: r.locale for c, r in got.items()} == {1001: "en", 777: "vi"}
    assert all(r.ref == "stall:1" and r.priority == 0 for r in got.values())


async def test_a_broadcast_reaches_every_active_reader_or_one_topics_in_one_statement(
    database: Database,
) -> None:
    await seed(database)
    announcement = {"text": "Lịch phát sóng Tết"}
    async with database.session() as session:
        everyone = await deliveries.enqueue_to_subscribers(
            session, MessageKind.BROADCAST, payload=announcement, ref="broadcast:1", now=NOW,
        )  # fmt: skip
        twice = await deliveries.enqueue_to_subscribers(
            session, MessageKind.BROADCAST, payload=announcement, ref="broadcast:1", now=NOW
        )
        sport = await deliveries.enqueue_to_subscribers(
            session, MessageKind.BROADCAST, payload=announcement, ref="broadcast:2", now=NOW,
            topic_id=2,
        )  # fmt: skip
    got = await rows(database)
    first = {r.chat_id for r in got if r.ref == "broadcast:1"}
    second = {r.chat_id for r in got if r.ref == "broadcast:2"}
    # Digest-only reader 2 hears it too; the unsubscribed reader 1 and the channels do not.
    assert first == {1000, 1001, 1002, 1003, 1004, 2, 3, 4, 5}
    assert second == first - {4}  # reader 4 follows news only
    assert (everyone, twice, sport) == (9, 0, 8)
    assert all(r.kind is Audience.BULK and r.priority == 3 for r in got)
    assert {r.chat_id for r in got if r.silent} == set()  # asleep: the sender silences it
    with pytest.raises(ValueError):
        async with database.session() as session:
            await deliveries.enqueue_to_subscribers(
                session, MessageKind.ARTICLE, payload={}, ref="x", now=NOW
            )


async def test_priorities_follow_the_audience_replies_first_bulk_last(database: Database) -> None:
    article = await seed(database)
    async with database.session() as session:
        await deliveries.enqueue_article(session, article, now=NOW)
        for audience, ref in ((Audience.BULK, "broadcast:1"), (Audience.REPLY, "reply:1")):
            await deliveries.enqueue_message(
                session,
                MessageKind.BROADCAST,
                [1000],
                payload={"text": ref},
                ref=ref,
                now=NOW,
                audience=audience,
            )
        claimed = await deliveries.claim(session, owner="a", now=NOW, lease=LEASE, limit=100)
    order = [c.kind for c in claimed]
    assert order[0] is Audience.REPLY and order[-1] is Audience.BULK
    assert order[1] is Audience.CHANNEL and set(order[2:-1]) == {Audience.INSTANT}
    assert [deliveries.priority(a) for a in Audience] == [0, 1, 2, 3]


async def test_editing_a_message_updates_queued_rows_and_marks_sent_ones(
    database: Database,
) -> None:
    await seed(database)
    async with database.session() as session:
        await deliveries.enqueue_message(
            session,
            MessageKind.BROADCAST,
            [1000, 1001],
            payload={"text": "1/10"},
            ref="progress:9",
            now=NOW,
            audience=Audience.REPLY,
        )
        claimed = await deliveries.claim(session, owner="a", now=NOW, lease=LEASE, limit=1)
        await deliveries.mark_sent(session, [(claimed[0].id, 55, False, 1)], now=NOW)
        marked = await deliveries.request_edit(
            session, MessageKind.BROADCAST, "progress:9", {"text": "5/10"}
        )
        again = await deliveries.request_edit(
            session, MessageKind.BROADCAST, "progress:9", {"text": "9/10"}
        )
        later = await deliveries.claim(session, owner="a", now=NOW, lease=LEASE, limit=10)
    assert (marked, again) == (1, 1)
    by_chat = {c.chat_id: c for c in later}
    sent = by_chat[claimed[0].chat_id]
    assert sent.edit_revision == 3 and sent.message_id == 55
    assert all(json.loads(c.payload or "") == {"text": "9/10"} for c in later)
    other = next(c for c in later if c.chat_id != claimed[0].chat_id)
    assert other.edit_revision is None  # never sent: goes out with the new text
    async with database.session() as session:
        await deliveries.mark_edited(session, sent.id, 2)  # an older edit finishing late
    [row] = [r for r in await rows(database) if r.id == sent.id]
    assert row.edit_revision == 3 and row.status is DeliveryStatus.SENT


T = "'2026-11-27 03:00:00'"
# Rows as revision 0001 wrote them: an article in flight to every audience of that time.
OLD_ROWS = [
    "INSERT INTO feeds (id, url, active, primed, next_poll_at, failures, alerted_down, "
    f"created_at) VALUES (1, 'u', true, true, {T}, 0, false, {T})",
    "INSERT INTO articles (id, feed_id, guid, url, title, summary, text, published_at, "
    "fetched_at, updated_at, revision, content_hash, search_text, backlog) VALUES "
    f"(1, 1, 'g', 'a', 't', '', '', {T}, {T}, {T}, 1, 'h', '', false)",
    *(
        "INSERT INTO deliveries (article_id, chat_id, kind, priority, status, locale, "
        "with_image, silent, due_at, attempts, sent_as_photo, created_at) VALUES "
        f"(1, {100 + n}, '{kind}', {prio}, '{status}', 'vi', true, false, {T}, 0, false, {T})"
        for n, kind, prio, status in [
            (1, "channel", 1, "sent"),
            (2, "instant", 2, "pending"),
            (3, "reply", 0, "sending"),
            (4, "broadcast", 3, "failed"),
        ]
    ),
]


async def test_upgrading_keeps_queued_articles_with_their_audience_and_priority(
    database_url: str, tmp_path: Path
) -> None:
    """A database written by revision 0001 (rows in flight) upgrades with every row intact."""
    if database_url.startswith("sqlite"):
        url, name = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}", None
    else:
        admin = postgres_admin_url()
        assert admin is not None
        name = f"newsbot_mig_{uuid.uuid4().hex[:8]}"
        await _create_database(admin, name)
        url = make_url(admin).set(database=name).render_as_string(hide_password=False)
    old = Database(url)
    try:
        await old.upgrade("0001")
        async with old.engine.begin() as conn:
            for statement in OLD_ROWS:
                await conn.execute(text(statement))
        await old.upgrade("0002")  # later revisions have their own upgrade tests
        assert await old.current_revision() == "0002"
        got = await rows_0002(old)
        assert [(r.kind, r.priority, r.status, r.message_kind) for r in got] == [
            (Audience.CHANNEL, 1, DeliveryStatus.SENT, MessageKind.ARTICLE),
            (Audience.INSTANT, 2, DeliveryStatus.PENDING, MessageKind.ARTICLE),
            (Audience.REPLY, 0, DeliveryStatus.SENDING, MessageKind.ARTICLE),
            (Audience.BULK, 3, DeliveryStatus.FAILED, MessageKind.ARTICLE),
        ]
        assert all(r.payload is None and r.ref is None and r.expires_at is None for r in got)
        # Back to 0001 (whose sender knows only articles): articles stay, other kinds go.
        async with old.session() as session:
            await deliveries.enqueue_message(
                session, MessageKind.NOTICE, [100], payload={"key": "stop.done"}, ref="n:1",
                now=NOW, audience=Audience.REPLY,
            )  # fmt: skip
        async with old.engine.begin() as conn:
            await conn.run_sync(lambda c: command.downgrade(alembic_config(c), "0001"))
            kept = (await conn.execute(text("SELECT id FROM deliveries ORDER BY id"))).all()
        assert [row.id for row in kept] == [1, 2, 3, 4]
        await old.upgrade()
        assert len(await rows(old)) == 4
    finally:
        await old.dispose()
        if name is not None:
            admin = postgres_admin_url()
            assert admin is not None
            await _drop_database(admin, name)
