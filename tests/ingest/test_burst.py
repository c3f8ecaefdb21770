"""A feed that publishes thousands of items at once: news for readers once, storage in short
transactions, nothing lost or doubled by a poll that dies half-way (issue 13, point 3)."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from datetime import timedelta
from email.utils import format_datetime
from typing import Any

import pytest
from sqlalchemy import event, insert

import bot.services.ingest_store as ingest_store
from bot.i18n import Deferred, render
from bot.services.ingest import Ingest
from bot.services.ingest_store import CHUNK_ITEMS
from storage.db import Database
from storage.models import Delivery, Subscriber
from storage.repositories import deliveries, subscribers
from tests.ingest.conftest import (
    CHANNEL,
    FEED_PATH,
    INSTANT_SUBSCRIBERS,
    NOW,
    Clock,
    all_articles,
    all_deliveries,
    article_count,
    feed_row,
    split_feed,
    with_items,
)
from tests.sandbox import Sandbox

BURST = 5000


def lean_item(n: int) -> str:
    """A short item (the 5 MB body cap holds 5,000 of them), published one minute apart."""
    when = format_datetime(NOW.replace(hour=0) - timedelta(minutes=BURST - n))
    return (
        f"<item><title>Tin số {n}</title>"
        f"<link>https://kontumtv.vn/tin-tuc/thoi-su/tin-so-{n}</link>"
        f"<pubDate>{when}</pubDate><category><![CDATA[Thời sự]]></category>"
        f'<guid isPermaLink="false">https://kontumtv.vn/?p={200000 + n}</guid>'
        f"<description><![CDATA[Sáng 5/7, UBND tỉnh Kon Tum họp phiên thứ {n}.]]>"
        "</description></item>\n"
    )


def serve_burst(sb: Sandbox) -> None:
    """Newest first, as WordPress writes it: the last item generated is the newest."""
    feed = sb.station.feed_bytes().decode("utf-8")
    _, items, _ = split_feed(feed)
    burst = [lean_item(n) for n in range(BURST, 0, -1)]
    sb.station.set(FEED_PATH, with_items(feed, [*burst, *items]))


def per_reader(rows: list[Delivery]) -> Counter[int]:
    return Counter(r.chat_id for r in rows)


def burst_notices(rows: list[Delivery]) -> list[Delivery]:
    return [r for r in rows if r.message_kind == "notice"]


async def primed(poller: Ingest, feed_id: int) -> None:
    assert (await poller.poll(feed_id)).new == 10


async def test_a_5000_item_burst_queues_at_most_six_messages_per_reader(
    database: Database, sb: Sandbox, poller: Ingest, feed_id: int, audience: int, clock: Clock
) -> None:
    await primed(poller, feed_id)
    serve_burst(sb)
    clock.advance(300)

    outcome = await poller.poll(feed_id)

    assert (outcome.status, outcome.new, outcome.pushed, outcome.summarised) == (
        "stored",
        BURST,
        5,
        BURST - 5,
    )
    rows = await all_deliveries(database)
    readers = per_reader(rows)
    assert set(readers) == {*INSTANT_SUBSCRIBERS, CHANNEL}
    assert all(count == 6 for count in readers.values()), readers  # 5 pushes + 1 summary
    stored = await all_articles(database)
    assert len(stored) == 10 + BURST
    pushed = {r.article_id for r in rows if r.message_kind == "article"}
    newest = sorted(stored, key=lambda a: a.published_at)[-5:]
    assert pushed == {a.id for a in newest}
    # Pushes are sent oldest of the five first, so the newest ends up last in the chat.
    first_reader = [r.article_id for r in rows if r.chat_id == INSTANT_SUBSCRIBERS[0]][:5]
    assert first_reader == [a.id for a in newest]
    assert all(r.expires_at == clock() + timedelta(hours=24) for r in rows)

    notices = burst_notices(rows)
    assert len(notices) == len(readers)
    assert notices[0].payload is not None
    payload: dict[str, Any] = json.loads(notices[0].payload)
    assert (payload["key"], payload["n"]) == ("news.burst_more", 4995)
    assert payload["params"] == {"source": "Đài Phát thanh – Truyền hình Kon Tum"}
    assert payload["url"] == "https://kontumtv.vn/"
    message = Deferred.from_json(payload)
    assert render(message, "vi") == (
        "📰 … và 4.995 tin khác vừa đăng trên Đài Phát thanh – Truyền hình Kon Tum. "
        "Xem tất cả trên trang của Đài."
    )
    assert "… and 4,995 more stories just published on" in render(message, "en")

    # The rest are stored like any article: not hidden as back catalogue, searchable.
    assert not any(a.backlog for a in stored[10:])
    assert all("tin so" in a.search_text for a in stored[10:])

    # The next poll of the same feed announces nothing again.
    sb.station.conditional = False
    clock.advance(300)
    again = await poller.poll(feed_id)
    assert (again.new, again.enqueued) == (0, 0)
    assert len(await all_deliveries(database)) == len(rows)


async def test_a_poll_that_dies_between_chunks_loses_nothing_and_doubles_nothing(
    database: Database,
    sb: Sandbox,
    poller: Ingest,
    feed_id: int,
    audience: int,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await primed(poller, feed_id)
    before = await feed_row(database, feed_id)
    serve_burst(sb)
    real_store = ingest_store.store_drafts
    calls = 0

    async def dies_on_the_fourth_chunk(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 4:
            raise RuntimeError("the process was killed here")
        return await real_store(*args, **kwargs)

    monkeypatch.setattr(ingest_store, "store_drafts", dies_on_the_fourth_chunk)
    clock.advance(300)
    with pytest.raises(RuntimeError):
        await poller.poll(feed_id)

    # Three chunks committed (the ten known items are among them, by publication time).
    stored_first = await article_count(database) - 10
    assert 3 * CHUNK_ITEMS - 10 <= stored_first <= 3 * CHUNK_ITEMS
    assert await all_deliveries(database) == []  # announced nothing yet
    after = await feed_row(database, feed_id)  # and the feed's state did not advance
    assert (after.etag, after.last_success_at, after.next_poll_at) == (
        before.etag,
        before.last_success_at,
        before.next_poll_at,
    )

    monkeypatch.setattr(ingest_store, "store_drafts", real_store)
    clock.advance(300)
    outcome = await poller.poll(feed_id)

    assert (outcome.new, outcome.pushed, outcome.summarised) == (BURST - stored_first, 5, 4995)
    assert await article_count(database) == 10 + BURST
    rows = await all_deliveries(database)
    assert all(count == 6 for count in per_reader(rows).values())
    payload = json.loads(burst_notices(rows)[0].payload or "{}")
    assert payload["n"] == 4995  # the first attempt's articles are counted too

    clock.advance(300)
    await poller.poll(feed_id)
    assert len(await all_deliveries(database)) == len(rows)


async def test_readers_subscribe_while_a_burst_is_stored(
    database: Database, sb: Sandbox, poller: Ingest, feed_id: int, clock: Clock
) -> None:
    """/start during a 5,000-item ingest with 200 readers. The readers' side gets a 0.15 s busy
    timeout, a sixtieth of the bot's. Measured here: one transaction for the whole poll held
    SQLite's write lock ~0.3 s just to store the items (and for many seconds with the million
    delivery rows 5,000 pushes to 200 readers made); a chunk of 200 holds it ~15 ms."""
    async with database.session() as session:
        await session.execute(
            insert(Subscriber), [{"chat_id": 10_000 + i, "active": True} for i in range(200)]
        )
    await primed(poller, feed_id)
    serve_burst(sb)
    clock.advance(300)
    readers = Database(database.url)
    if readers.is_sqlite:

        @event.listens_for(readers.engine.sync_engine, "connect")
        def short_busy_timeout(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA busy_timeout=150")
            cursor.close()

    ingest = asyncio.create_task(poller.poll(feed_id))
    signed_up: list[int] = []
    try:
        chat_id = 5000
        while not ingest.done():
            async with readers.session() as session:
                await subscribers.subscribe(session, chat_id, first_name="Bạn đọc")
            signed_up.append(chat_id)
            chat_id += 1
            await asyncio.sleep(0.005)
        outcome = await ingest
    finally:
        await readers.dispose()

    assert (outcome.new, outcome.pushed) == (BURST, 5)
    assert len(signed_up) >= 10  # they really ran during the ingest, and every one succeeded
    counts = per_reader(await all_deliveries(database))
    assert all(counts[10_000 + i] == 6 for i in range(200))
    assert max(counts.values()) == 6  # those who signed up meanwhile: at most the same


async def test_a_poll_that_dies_while_announcing_announces_the_same_burst_once(
    database: Database,
    sb: Sandbox,
    poller: Ingest,
    feed_id: int,
    audience: int,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Pushes are written, then the process dies before the summary and the feed's state."""
    await primed(poller, feed_id)
    serve_burst(sb)
    real_notice = deliveries.enqueue_notice_for_articles

    async def dies(*args: Any, **kwargs: Any) -> int:
        raise RuntimeError("the process was killed here")

    monkeypatch.setattr(deliveries, "enqueue_notice_for_articles", dies)
    clock.advance(300)
    with pytest.raises(RuntimeError):
        await poller.poll(feed_id)
    assert all(count == 5 for count in per_reader(await all_deliveries(database)).values())

    monkeypatch.setattr(deliveries, "enqueue_notice_for_articles", real_notice)
    clock.advance(300)
    outcome = await poller.poll(feed_id)

    assert (outcome.new, outcome.pushed, outcome.summarised) == (0, 5, BURST - 5)
    rows = await all_deliveries(database)
    assert all(count == 6 for count in per_reader(rows).values())  # the same five, one notice
    assert len(burst_notices(rows)) == audience
