"""Corrections become edits; a crashed sender's rows are resumed; two senders share one outbox."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import update

from bot.delivery.sender import SenderConfig
from storage.db import Database
from storage.models import Article
from storage.repositories import deliveries
from tests.delivery_e2e.helpers import (
    IMAGE,
    T0,
    FakeTime,
    add_subscribers,
    all_rows,
    assert_no_limbo,
    enqueue,
    row_for,
    seed_article,
    sender_on,
    settle,
)
from tests.sandbox import Limits, Sandbox


class Crash(Exception):
    """Stands for SIGKILL: nothing after it is recorded."""


async def revise(
    database: Database, revision: int, *, now: timedelta, title: str | None = None
) -> int:
    """The station corrects article 1; returns the number of sent messages marked for editing."""
    async with database.session() as session:
        values: dict[str, object] = {"revision": revision}
        if title is not None:
            values["title"] = title
        await session.execute(update(Article).where(Article.id == 1).values(**values))
        return await deliveries.request_edits(session, 1, revision, now=T0 + now, published_at=T0)


async def test_corrections_edit_sent_messages_paced_within_48_hours(database: Database) -> None:
    readers = list(range(2001, 2041))
    async with Sandbox(limits=Limits()) as sb:
        sb.users(readers)
        await add_subscribers(database, readers[:20])
        await add_subscribers(database, readers[20:], wants_images=False)
        await seed_article(database, 1, title="Giá cà phê tăng mạnh", image_url=IMAGE)
        await enqueue(database, 1)
        async with sender_on(sb, database) as sender:
            await sender.drain(limit_s=20)
            photos = {c for c in readers if sb.messages(c)[0].method == "sendPhoto"}
            assert photos == set(readers[:20])

            assert await revise(database, 2, now=timedelta(hours=47), title="Giá cà phê giảm") == 40
            started = time.monotonic()
            await sender.drain(limit_s=20)
            took = time.monotonic() - started
        assert sb.stats.edits == 40
        for chat_id in readers:
            [message] = sb.messages(chat_id)  # edited in place, nothing new sent
            assert message.edit_count == 1
            assert message.content is not None and "Giá cà phê giảm" in message.content
            assert "Giá cà phê tăng mạnh" in (message.edit_history[0] or "")
        edits = Counter(c.method for c in sb.calls if c.method.startswith("edit"))
        assert edits == {"editMessageCaption": 20, "editMessageText": 20}
        # Paced like sends: 40 edits under the 30/s limit, none refused.
        assert sb.stats.too_many == 0 and sb.stats.violations == 0
        assert took >= 1.0
        for row in await all_rows(database):
            assert row.sent_revision == 2 and row.edit_revision is None and row.last_error is None
        await assert_no_limbo(database)


async def test_not_modified_counts_as_done_and_no_edit_after_48_hours(database: Database) -> None:
    fake = FakeTime()
    async with Sandbox() as sb:
        sb.users([2101, 2102])
        await add_subscribers(database, [2101, 2102])
        await seed_article(database)
        await enqueue(database, 1)
        async with sender_on(sb, database, fake=fake) as sender:
            await settle(sender, fake, database)
            # A revision whose message reads the same: Telegram says "not modified"; done.
            assert await revise(database, 2, now=timedelta(hours=1)) == 2
            await settle(sender, fake, database)
            refused = [c for c in sb.calls if c.method == "editMessageText"]
            assert len(refused) == 2
            assert all("message is not modified" in (c.description or "") for c in refused)
            for chat_id in (2101, 2102):
                row = await row_for(database, chat_id)
                assert row.edit_revision is None and row.sent_revision == 2
                assert row.last_error is None and row.status == "sent"
            # After 48 hours a correction no longer touches what readers already have.
            assert await revise(database, 3, now=timedelta(hours=49), title="Sửa lại") == 0
            await settle(sender, fake, database)
        assert sb.stats.edits == 0
        assert [c.method for c in sb.calls if c.method.startswith("edit")] == [
            "editMessageText"
        ] * 2
        await assert_no_limbo(database)


async def test_an_edit_in_a_migrated_group_ends_instead_of_looping(database: Database) -> None:
    fake = FakeTime()
    async with Sandbox() as sb:
        sb.group(-4600, "Nhóm cũ", supergroup=False, owner=4601)
        await add_subscribers(database, [-4600], chat_type="group")
        await seed_article(database)
        await enqueue(database, 1)
        async with sender_on(sb, database, fake=fake) as sender:
            await settle(sender, fake, database)
            sb.migrate(-4600, -1004600)
            assert await revise(database, 2, now=timedelta(hours=1), title="Đính chính") == 1
            await settle(sender, fake, database)
        row = await row_for(database, -4600)
        assert row.status == "sent" and row.edit_revision is None
        assert row.last_error is not None and "migrated" in row.last_error
        assert [c.method for c in sb.calls].count("editMessageText") == 1
        await assert_no_limbo(database)


async def test_expired_leases_resume_after_a_crash_and_sent_rows_are_not_resent(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    readers = list(range(3001, 3081))
    config = SenderConfig(in_flight=4, record_batch=8)
    async with Sandbox() as sb:
        sb.users(readers)
        await add_subscribers(database, readers)
        await seed_article(database)
        await enqueue(database, 1)
        dying = FakeTime()
        async with sender_on(sb, database, fake=dying, config=config, owner="dies") as first:
            real_flush = first._books.flush  # where outcomes are written
            flushes = 0

            async def flush_then_die() -> None:
                nonlocal flushes
                flushes += 1
                if flushes > 2:  # the process "dies" before recording the rest
                    raise Crash
                await real_flush()

            monkeypatch.setattr(first._books, "flush", flush_then_die)
            with pytest.raises(Crash):
                await first.run_once()
        before = {r.chat_id: r for r in await all_rows(database)}
        recorded = {c for c, r in before.items() if r.status == "sent"}
        delivered_before = {c for c in readers if sb.messages(c)}
        assert len(recorded) >= 2 * config.record_batch and recorded <= delivered_before
        assert {r.status for c, r in before.items() if c not in recorded} == {"sending"}

        # A restart while the lease still holds sends nothing...
        restart = FakeTime(T0 + timedelta(seconds=60))
        async with sender_on(sb, database, fake=restart, owner="restarted") as second:
            assert await second.run_once() == 0
            # ...and once it expired, resumes every unrecorded row.
            restart.advance(61)
            await settle(second, restart, database)
        counts = {c: len(sb.messages(c)) for c in readers}
        assert all(n >= 1 for n in counts.values()), "somebody never got the article"
        assert all(counts[c] == 1 for c in recorded), "a recorded send was repeated"
        duplicates = sum(counts.values()) - len(readers)
        assert duplicates == len(delivered_before) - len(recorded)
        assert duplicates <= config.in_flight + config.record_batch
        await assert_no_limbo(database)


async def test_two_senders_on_one_database_never_send_the_same_row(database: Database) -> None:
    if database.is_sqlite:
        pytest.skip("SQLite allows one bot process per file (instance lock); PostgreSQL only")
    readers = list(range(4001, 4301))
    config = SenderConfig(batch=25, record_batch=8)
    async with Sandbox() as sb:
        sb.users(readers)
        await add_subscribers(database, readers)
        for article in (1, 2):
            await seed_article(database, article, title=f"Tin số {article}")
            await enqueue(database, article)
        async with (
            sender_on(sb, database, config=config, owner="node-a", rate=1000) as a,
            sender_on(sb, database, config=config, owner="node-b", rate=1000) as b,
        ):
            await asyncio.gather(a.drain(limit_s=30), b.drain(limit_s=30))
        assert a.stats.get("sent", 0) > 50 and b.stats.get("sent", 0) > 50
        assert a.stats.get("sent", 0) + b.stats.get("sent", 0) == 600
        assert sb.stats.total_sent == 600
        assert set(sb.stats.sent_per_chat.values()) == {2}
        assert sb.stats.duplicate_texts == 0
        await assert_no_limbo(database)
