"""A message is retried for as long as it is news, and no longer: expired rows end failed with
the reason, unsent; a broadcast (no expiry) waits out any outage."""

from __future__ import annotations

from datetime import timedelta

from storage.db import Database
from storage.enums import Audience, DeliveryStatus, MessageKind
from storage.repositories import deliveries
from tests.delivery_e2e.helpers import (
    T0,
    FakeTime,
    add_subscribers,
    assert_no_limbo,
    row_for,
    seed_article,
    sender_on,
    sends_to,
    subscriber,
)
from tests.delivery_faults.driving import drive, enqueue_until
from tests.sandbox import Sandbox


async def test_an_article_that_stops_being_news_during_an_outage_is_given_up_with_the_reason(
    database: Database,
) -> None:
    fake = FakeTime()
    async with Sandbox() as sb:
        sb.users([9101, 9102])
        await add_subscribers(database, [9101, 9102])
        await seed_article(database)
        await enqueue_until(database, 1, timedelta(minutes=10))
        async with sender_on(sb, database, fake=fake) as sender:
            sb.server_error(times=None, status=500, chat=9101)
            await drive(sender, fake, database)
            assert fake.t < 10 * 60, "given up when the next try would be too late"
        row = await row_for(database, 9101)
        assert row.status is DeliveryStatus.FAILED and sb.messages(9101) == []
        assert row.last_error is not None
        assert row.last_error.startswith("no longer news: expired at 2026-11-27 03:10 UTC after")
        assert row.last_error.endswith("last error: Internal Server Error")
        assert 8 <= len(sends_to(sb, 9101)) <= 9 and row.attempts == len(sends_to(sb, 9101))
        still = await subscriber(database, 9101)
        assert still is not None and still.active, "a server error says nothing of the chat"
        assert len(sb.messages(9102)) == 1
    await assert_no_limbo(database)


async def test_rows_that_expired_while_the_sender_was_down_are_not_sent_late(
    database: Database,
) -> None:
    fake = FakeTime(T0 + timedelta(hours=25))  # the sender comes back a day later
    async with Sandbox() as sb:
        sb.users([9201])
        await add_subscribers(database, [9201])
        await seed_article(database)
        await enqueue_until(database, 1, timedelta(hours=24))
        async with database.session() as session:
            await deliveries.enqueue_message(
                session,
                MessageKind.BROADCAST,
                [9201],
                payload={"text": "Lịch phát sóng Tết"},
                ref="b:1",
                now=T0,
                audience=Audience.BULK,
            )
        async with sender_on(sb, database, fake=fake) as sender:
            await drive(sender, fake, database)
        stale = await row_for(database, 9201, 1)
        assert stale.status is DeliveryStatus.FAILED
        assert stale.last_error == "no longer news: expired at 2026-11-28 03:00 UTC"
        # The broadcast has no expiry: it still goes; the day-old article does not.
        [broadcast] = sb.messages(9201)
        assert broadcast.text == "Lịch phát sóng Tết"
        assert sends_to(sb, 9201) == ["sendMessage"]
    await assert_no_limbo(database)


async def test_an_article_fresh_for_24_hours_outlives_a_two_hour_outage(
    database: Database,
) -> None:
    fake = FakeTime()
    async with Sandbox() as sb:
        sb.users([9301, 9302])
        await add_subscribers(database, [9301, 9302])
        await seed_article(database)
        await enqueue_until(database, 1, timedelta(hours=24))
        async with sender_on(sb, database, fake=fake) as sender:
            sb.server_error(times=None, status=502)
            await drive(sender, fake, database, [(2 * 3600.0, sb.clear_faults)])
        for chat in (9301, 9302):
            assert len(sb.messages(chat)) == 1
            row = await row_for(database, chat)
            assert row.status is DeliveryStatus.SENT and row.attempts > 25
            assert row.sent_at is not None
            assert row.sent_at - (T0 + timedelta(hours=2)) <= timedelta(seconds=300 + 5)
    await assert_no_limbo(database)
