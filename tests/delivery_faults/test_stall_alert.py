"""Sending stalls for minutes while readers wait: the admins hear it once, and once more when
it recovers (fake clock; the admins' chat is a callback, as bot.app wires it)."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.delivery import ledger
from bot.delivery.sender import SenderConfig
from storage.db import Database
from storage.enums import Audience, MessageKind
from storage.repositories import deliveries
from tests.delivery_e2e.helpers import (
    T0,
    FakeTime,
    add_subscribers,
    assert_no_limbo,
    enqueue,
    seed_article,
    sender_on,
)
from tests.delivery_faults.driving import drive
from tests.sandbox import Sandbox

READERS = [7201, 7202, 7203]


async def test_admins_are_told_once_of_a_stall_and_once_of_the_recovery(
    database: Database,
) -> None:
    fake = FakeTime()
    told: list[tuple[float, str]] = []

    async def admins(text: str) -> None:
        told.append((fake.t, text))

    async with Sandbox() as sb:
        sb.users(READERS)
        await add_subscribers(database, READERS)
        await seed_article(database)
        await enqueue(database, 1)
        config = SenderConfig(stall_alert_after=timedelta(minutes=5))
        async with sender_on(sb, database, fake=fake, config=config) as sender:
            sender.stall.alert = admins
            sb.server_error(times=None, status=500)
            # The idle sender polls every second in production; 10 s ticks keep it short here.
            await drive(sender, fake, database, [(15 * 60.0, sb.clear_faults)], tick_s=10.0)
        assert len(told) == 2, told
        (stalled_at, stalled), (recovered_at, recovered) = told
        assert 300 <= stalled_at <= 300 + 70  # noticed within a minute of the threshold
        assert stalled.startswith("⚠️ Bot không gửi được tin nào trong 5 phút dù còn 3 tin")
        assert stalled.endswith("Lỗi gần nhất: Internal Server Error")
        assert 15 * 60 <= recovered_at <= 15 * 60 + 300
        minutes = round(recovered_at / 60)
        assert re.fullmatch(
            rf"✅ Bot đã gửi tin trở lại sau {minutes} phút gián đoạn\. "
            r"Còn [0-2] tin đang chờ gửi\.",
            recovered,
        ), recovered
        assert [len(sb.messages(chat)) for chat in READERS] == [1, 1, 1]
    await assert_no_limbo(database)


async def test_a_failing_admin_chat_never_stops_the_sender(database: Database) -> None:
    fake = FakeTime()
    calls: list[str] = []

    async def broken(text: str) -> None:
        calls.append(text)
        raise RuntimeError("admin chat unreachable")

    async with Sandbox() as sb:
        sb.users(READERS)
        await add_subscribers(database, READERS)
        await seed_article(database)
        await enqueue(database, 1)
        config = SenderConfig(stall_alert_after=timedelta(minutes=5))
        async with sender_on(sb, database, fake=fake, config=config) as sender:
            sender.stall.alert = broken
            sb.server_error(times=None, status=500)
            await drive(sender, fake, database, [(10 * 60.0, sb.clear_faults)], tick_s=10.0)
        assert len(calls) == 2  # stalled, then recovered: each tried once
        assert [len(sb.messages(chat)) for chat in READERS] == [1, 1, 1]
    await assert_no_limbo(database)


async def test_an_idle_outbox_raises_no_alert(database: Database) -> None:
    fake = FakeTime()
    told: list[str] = []

    async def admins(text: str) -> None:
        told.append(text)

    async with Sandbox() as sb, sender_on(sb, database, fake=fake) as sender:
        sender.stall.alert = admins
        await drive(sender, fake, database, until_s=3600.0, tick_s=30.0)
    assert told == []


async def test_the_backlog_counts_held_up_messages_not_ones_scheduled_for_later(
    database: Database,
) -> None:
    await add_subscribers(database, READERS)
    await seed_article(database)
    await enqueue(database, 1)  # three rows due now
    async with database.session() as session:
        await deliveries.enqueue_message(
            session,
            MessageKind.DIGEST,
            [7201],
            payload={"text": "Bản tin sáng mai"},
            ref="digest:tomorrow",
            now=T0,
            audience=Audience.BULK,
            due_at=T0 + timedelta(hours=20),
        )
        [tried] = await deliveries.claim(
            session, owner="x", now=T0, lease=timedelta(minutes=2), limit=1
        )
        await deliveries.retry_later(
            session, tried.id, due_at=T0 + timedelta(minutes=4), error="Bad Gateway"
        )
    assert await ledger.backlog(database, T0) == 3  # two due, one tried and waiting
    assert await ledger.backlog(database, T0 + timedelta(hours=21)) == 4  # the digest is due


async def test_resuming_moves_up_retries_only(database: Database) -> None:
    await add_subscribers(database, READERS)
    await seed_article(database)
    await enqueue(database, 1)
    async with database.session() as session:
        await deliveries.enqueue_message(
            session,
            MessageKind.DIGEST,
            [7201],
            payload={"text": "Bản tin sáng mai"},
            ref="digest:tomorrow",
            now=T0,
            audience=Audience.BULK,
            due_at=T0 + timedelta(hours=20),
        )
        tried = await deliveries.claim(
            session, owner="x", now=T0, lease=timedelta(minutes=2), limit=2
        )
        for row in tried:
            await deliveries.retry_later(
                session, row.id, due_at=T0 + timedelta(minutes=4), error="Bad Gateway"
            )
    now = T0 + timedelta(minutes=1)
    assert await ledger.resume_retries(database, now) == 2
    async with database.session() as session:
        due = await deliveries.claim(
            session, owner="y", now=now, lease=timedelta(minutes=2), limit=10
        )
    # The two retries and the untried article row are due; the digest keeps its morning.
    assert len(due) == 3 and {r.message_kind for r in due} == {MessageKind.ARTICLE}
    assert {r.id for r in tried} <= {r.id for r in due}
