"""Telegram answers 500 for a while, then recovers: nothing is lost, nothing is doubled.

A real Sender (aiohttp transport, the production limiter) against the sandbox, on fake time:
the outage, the backoff and the pacing cost no real time.
"""

from __future__ import annotations

from datetime import timedelta

from telegram import Bot

from bot.delivery.limiter import RateLimiter
from bot.delivery.sender import Sender
from bot.delivery.transport import AiohttpRequest
from storage.db import Database
from tests.delivery_e2e.helpers import (
    T0,
    FakeTime,
    add_subscribers,
    all_rows,
    assert_no_limbo,
    enqueue,
    row_for,
    seed_article,
    sender_on,
    sends_to,
    subscriber,
)
from tests.delivery_faults.driving import drive, enqueue_until
from tests.sandbox import Sandbox

READERS = list(range(10_001, 10_201))  # 200, as in the run


async def test_a_75_second_outage_then_recovery_reaches_every_reader_exactly_once(
    database: Database,
) -> None:
    fake = FakeTime()
    async with Sandbox() as sb:
        sb.users(READERS)
        await add_subscribers(database, READERS)
        await seed_article(database)
        assert await enqueue_until(database, 1, timedelta(hours=24)) == len(READERS)
        async with sender_on(sb, database, fake=fake) as sender:
            sb.server_error(times=None, status=500)  # every Bot API call, until cleared
            await drive(sender, fake, database, [(75.0, sb.clear_faults)])
            stats = sender.stats
        assert [len(sb.messages(chat)) for chat in READERS] == [1] * len(READERS)
        assert stats.get("failed", 0) == 0 and stats["refused"] >= len(READERS)
        assert min(len(sends_to(sb, chat)) for chat in READERS) >= 2, "every reader saw the 500s"
        rows = await all_rows(database)
        assert {row.status for row in rows} == {"sent"}
        # The first success after the outage makes every waiting retry due: the last reader
        # had it about when pacing alone allows (200 at 30/s: ~7 s), not a backoff later.
        last = max(row.sent_at for row in rows if row.sent_at is not None)
        assert last - (T0 + timedelta(seconds=75)) < timedelta(seconds=len(READERS) / 30 + 10)
    await assert_no_limbo(database)


async def test_a_403_still_ends_at_once_while_a_5xx_is_retried_past_the_old_limit(
    database: Database,
) -> None:
    fake = FakeTime()
    async with Sandbox() as sb:
        sb.users([811, 812])
        sb.block(812)
        await add_subscribers(database, [811, 812])
        await seed_article(database)
        await enqueue(database, 1)
        async with sender_on(sb, database, fake=fake) as sender:
            sb.server_error(times=None, status=503, chat=811)
            await drive(sender, fake, database, until_s=600.0)
            blocked = await row_for(database, 812)
            assert blocked.status == "failed" and blocked.attempts == 1
            assert blocked.last_error is not None and "blocked" in blocked.last_error
            assert len(sends_to(sb, 812)) == 1
            gone = await subscriber(database, 812)
            assert gone is not None and not gone.active
            # Ten minutes of 503s: the old policy had given up after six tries (~62 s).
            waiting = await row_for(database, 811)
            assert waiting.status == "pending" and waiting.attempts > 6
            assert waiting.last_error == "Service Unavailable"
            still = await subscriber(database, 811)
            assert still is not None and still.active, "a server error says nothing of the chat"
            # Backoff 2-3 s doubling, capped at 300 s: 8 or 9 tries in ten minutes, no hammering.
            assert 8 <= len(sends_to(sb, 811)) <= 9
            sb.clear_faults()
            await drive(sender, fake, database)
        assert len(sb.messages(811)) == 1
        assert (await row_for(database, 811)).status == "sent"
    await assert_no_limbo(database)


async def test_connections_dropped_for_a_while_are_uncertain_retried_and_counted(
    database: Database,
) -> None:
    """Every connection cut after the request was written (a proxy or uplink dying): each try
    is uncertain, retried after backoff; the sandbox had dropped them, so each reader gets the
    article once, and the sender's count of resends after an uncertain try bounds duplicates."""
    readers = READERS[:40]
    fake = FakeTime()
    async with Sandbox() as sb:
        sb.users(readers)
        await add_subscribers(database, readers)
        await seed_article(database)
        await enqueue_until(database, 1, timedelta(hours=24))
        async with sender_on(sb, database, fake=fake) as sender:
            sb.disconnect(times=None)
            await drive(sender, fake, database, [(75.0, sb.clear_faults)])
            stats = sender.stats
        assert [len(sb.messages(chat)) for chat in readers] == [1] * len(readers)
        assert stats["uncertain"] >= len(readers) and "refused" not in stats
        assert stats["resent_after_uncertain"] == len(readers)
    await assert_no_limbo(database)


async def test_a_connection_that_cannot_be_made_is_recorded_as_certainly_unsent(
    database: Database,
) -> None:
    fake = FakeTime()
    async with Sandbox() as sb:
        sb.users([821, 822])
        await add_subscribers(database, [821, 822])
        await seed_article(database)
        await enqueue_until(database, 1, timedelta(hours=24))
        # Nothing listens on port 9 here: the network is down as far as this sender knows.
        async with AiohttpRequest(connect_timeout=2.0) as request:
            cut_off = Bot(sb.token, base_url="http://127.0.0.1:9/bot", request=request)
            limiter = RateLimiter(rate=30, clock=fake.mono, sleep=fake.sleep)
            offline = Sender(database, cut_off, limiter, owner="offline", clock=fake.now)
            assert await offline.run_once() == 2
        assert offline.stats == {"unsent": 2, "retry": 2}
        row = await row_for(database, 821)
        assert row.status == "pending" and row.last_error is not None
        assert row.last_error.startswith("unsent: not connected: aiohttp.ClientConnectorError")
        async with sender_on(sb, database, fake=fake) as sender:
            await drive(sender, fake, database)
            assert "resent_after_uncertain" not in sender.stats
        assert [len(sb.messages(chat)) for chat in (821, 822)] == [1, 1]
    await assert_no_limbo(database)
