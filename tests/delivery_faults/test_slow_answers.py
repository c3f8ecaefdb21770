"""Telegram answers slowly: a long enough read timeout sends once; a lost answer is uncertain.

The sandbox's ``slow`` fault holds each answer for real time (the only real waiting here, 1.5 s
at most); the sender's clock and the limiter's stay on fake time.
"""

from __future__ import annotations

from datetime import timedelta

from storage.db import Database
from tests.delivery_e2e.helpers import (
    FakeTime,
    add_subscribers,
    assert_no_limbo,
    enqueue,
    row_for,
    seed_article,
    sender_on,
    sends_to,
)
from tests.delivery_faults.driving import drive
from tests.sandbox import Sandbox

READERS = [7001, 7002, 7003, 7004, 7005]


async def test_a_slow_answer_within_the_send_timeout_is_sent_once(database: Database) -> None:
    """Issue 13: answers after 6 s against a 5 s read timeout sent 128 of 200 twice. Scaled
    down: answers after 1.5 s against a 3 s send timeout."""
    fake = FakeTime()
    async with Sandbox() as sb:
        sb.users(READERS)
        await add_subscribers(database, READERS)
        await seed_article(database)
        await enqueue(database, 1)
        async with sender_on(sb, database, fake=fake, read_timeout=3.0) as sender:
            sb.slow(1.5, times=None, method="sendMessage")
            await drive(sender, fake, database)
            stats = sender.stats
        assert [len(sb.messages(chat)) for chat in READERS] == [1] * len(READERS)
        assert [len(sends_to(sb, chat)) for chat in READERS] == [1] * len(READERS)
        assert stats["sent"] == len(READERS) and "uncertain" not in stats
    await assert_no_limbo(database)


async def test_a_written_send_without_an_answer_is_uncertain_and_retried_after_backoff(
    database: Database,
) -> None:
    """The stated policy: an uncertain send is retried after backoff, so nothing is lost; a
    duplicate is possible only because the answer never came, and the sender counts each such
    resend (an upper bound on duplicates). The sandbox drops a request whose client went away,
    so here the reader gets it once; real Telegram may have delivered the first try too."""
    fake = FakeTime()
    async with Sandbox() as sb:
        sb.users([7101, 7102])
        await add_subscribers(database, [7101, 7102])
        await seed_article(database)
        await enqueue(database, 1)
        async with sender_on(sb, database, fake=fake, read_timeout=0.3) as sender:
            sb.slow(1.0, times=1, chat=7101)  # answers after the client stopped waiting
            tried_at = fake.now()
            await sender.run_once()
            row = await row_for(database, 7101)
            assert row.status == "pending" and row.attempts == 1
            assert row.last_error is not None and row.last_error.startswith(
                "uncertain: no answer in time"
            )
            assert row.due_at - tried_at >= timedelta(seconds=2), "retried after backoff"
            assert sender.stats["uncertain"] == 1
            await drive(sender, fake, database)
            stats = sender.stats
        assert len(sb.messages(7101)) == 1
        assert stats["resent_after_uncertain"] == 1 and stats["uncertain"] == 1
        assert len(sb.messages(7102)) == 1 and "refused" not in stats
        sent = await row_for(database, 7101)
        assert sent.status == "sent" and sent.attempts == 2 and sent.last_error is None
    await assert_no_limbo(database)


async def test_after_an_uncertain_try_the_retry_waits_longer_for_its_answer(
    database: Database,
) -> None:
    """Telegram slower than the send timeout for a while: the retry waits twice as long, so it
    gets its answer instead of timing out (and possibly doubling the message) again."""
    fake = FakeTime()
    async with Sandbox() as sb:
        sb.users([7301])
        await add_subscribers(database, [7301])
        await seed_article(database)
        await enqueue(database, 1)
        async with sender_on(sb, database, fake=fake, read_timeout=0.6) as sender:
            sb.slow(0.9, times=2, chat=7301)  # both tries answered after 0.9 s
            await drive(sender, fake, database)
            stats = sender.stats
        assert len(sb.messages(7301)) == 1
        assert stats["uncertain"] == 1 and stats["sent"] == 1  # the 1.2 s retry got its answer
        row = await row_for(database, 7301)
        assert row.status == "sent" and row.attempts == 2
    await assert_no_limbo(database)
