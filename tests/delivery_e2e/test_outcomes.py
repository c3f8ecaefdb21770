"""Every Bot API outcome, as a subscriber and the station would notice it, on the delivery row.

A real Sender (aiohttp transport, the production limiter) talks to the sandbox; the sender's
clock and the limiter's clock are one fake clock, so back-offs and 429 waits cost no real time.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import timedelta
from typing import Any

import pytest

from bot.delivery import send_calls
from bot.delivery.render import RenderedMessage, render
from storage.db import Database
from storage.models import Channel
from tests.delivery_e2e.helpers import (
    IMAGE,
    T0,
    FakeTime,
    add_channel,
    add_subscribers,
    assert_no_limbo,
    enqueue,
    row_for,
    seed_article,
    sender_on,
    sends_to,
    settle,
    subscriber,
)
from tests.sandbox import Fault, Sandbox


async def test_429_waits_retry_after_for_that_chat_while_others_go_on(database: Database) -> None:
    fake = FakeTime()
    async with Sandbox() as sb:
        sb.users([501, 502, 503])
        await add_subscribers(database, [501, 502, 503])
        for article in (1, 2):
            await seed_article(database, article, title=f"Tin số {article}")
            await enqueue(database, article)
        sb.rate_limit(501, retry_after=7, times=1)
        async with sender_on(sb, database, fake=fake) as sender:
            await sender.run_once()
            # The other chats received both articles in the same pass; 501 was tried once.
            assert [len(sb.messages(c)) for c in (502, 503)] == [2, 2]
            assert sb.messages(501) == [] and len(sends_to(sb, 501)) == 1
            for article in (1, 2):
                waiting = await row_for(database, 501, article)
                assert waiting.status == "pending"
                assert waiting.due_at >= T0 + timedelta(seconds=7)
            first = await row_for(database, 501, 1)
            assert first.last_error is not None and "Retry in 7" in first.last_error
            # Nothing is due before retry_after has passed.
            fake.advance(6.5)
            assert await sender.run_once() == 0
            assert len(sends_to(sb, 501)) == 1
            await settle(sender, fake, database)
        assert len(sb.messages(501)) == 2
        assert sb.stats.too_many == 1 and len(sends_to(sb, 501)) == 3
        for article in (1, 2):
            row = await row_for(database, 501, article)
            assert row.status == "sent" and row.last_error is None and row.attempts == 1
            assert row.sent_at is not None and row.sent_at >= T0 + timedelta(seconds=7)
    await assert_no_limbo(database)


async def test_403_marks_the_chat_inactive_and_cancels_its_queue(database: Database) -> None:
    fake = FakeTime()
    async with Sandbox() as sb:
        sb.users([601, 602, 603])
        sb.block(601)
        sb.deactivate(602)
        channel = sb.channel(-1001777, "Kênh KRT")
        await sb.add_bot_to(channel, admin=True)
        await sb.kick_bot(channel)
        await add_subscribers(database, [601, 602, 603])
        await add_channel(database, -1001777)
        for article in (1, 2, 3):
            await seed_article(database, article, title=f"Tin số {article}")
            await enqueue(database, article)
        async with sender_on(sb, database, fake=fake) as sender:
            await settle(sender, fake, database)
        assert len(sb.messages(603)) == 3
        expected = {601: "blocked", 602: "deactivated", -1001777: "kicked"}
        for chat_id, word in expected.items():
            # One attempt, no matter how many articles were waiting for the chat.
            assert len(sends_to(sb, chat_id)) == 1, (chat_id, sends_to(sb, chat_id))
            rows = [await row_for(database, chat_id, a) for a in (1, 2, 3)]
            failed = [r for r in rows if r.status == "failed"]
            assert len(failed) == 1 and failed[0].attempts == 1
            assert failed[0].last_error is not None and word in failed[0].last_error
            assert failed[0].message_id is None and failed[0].sent_at is None
            assert sorted(r.status for r in rows) == ["cancelled", "cancelled", "failed"]
        for chat_id in (601, 602):
            gone = await subscriber(database, chat_id)
            assert gone is not None and gone.active is False and gone.inactive_reason
        live = await subscriber(database, 603)
        assert live is not None and live.active
        async with database.session() as session:
            kicked = await session.get(Channel, -1001777)
        assert kicked is not None and kicked.active is False
        await assert_no_limbo(database)
        # The next article does not even queue a row for them.
        await seed_article(database, 4)
        assert await enqueue(database, 4) == 1


async def test_migrated_group_is_rekeyed_and_gets_the_message(database: Database) -> None:
    fake = FakeTime()
    async with Sandbox() as sb:
        sb.group(-4500, "Hội nông dân", supergroup=False, owner=4501)
        sb.migrate(-4500, -1004500)
        await add_subscribers(database, [-4500], chat_type="group", language="en")
        await seed_article(database)
        await enqueue(database, 1)
        async with sender_on(sb, database, fake=fake) as sender:
            await settle(sender, fake, database)
        [message] = sb.messages(-1004500)
        assert message.text is not None and "Giá cà phê" in message.text
        assert [m for m in sb.messages(-4500) if m.text and "Giá cà phê" in m.text] == []
        assert await subscriber(database, -4500) is None
        moved = await subscriber(database, -1004500)
        assert moved is not None and moved.active and moved.language == "en"
        assert moved.chat_type == "supergroup"
        row = await row_for(database, -1004500)
        assert row.status == "sent" and row.message_id == message.message_id
        assert row.last_error is None and row.sent_at is not None
    await assert_no_limbo(database)


async def test_cant_parse_entities_is_resent_once_as_plain_text_and_logged(
    database: Database, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken_render(*args: Any, **kwargs: Any) -> RenderedMessage:
        good = render(*args, **kwargs)
        return dataclasses.replace(good, text=f"<div>{good.text}</div>")

    monkeypatch.setattr(send_calls, "render", broken_render)
    fake = FakeTime()
    async with Sandbox() as sb:
        sb.users([701])
        await add_subscribers(database, [701])
        await seed_article(database)
        await enqueue(database, 1)
        with caplog.at_level(logging.ERROR, logger="bot.delivery.sender"):
            async with sender_on(sb, database, fake=fake) as sender:
                await settle(sender, fake, database)
        refused = [c for c in sb.calls if c.method == "sendMessage" and not c.ok]
        assert len(refused) == 1 and "can't parse entities" in (refused[0].description or "")
        [message] = sb.messages(701)
        assert message.parse_mode is None and message.entities in (None, [])
        assert message.text is not None and "<" not in message.text
        assert message.text.startswith("Giá cà phê tăng") and "https://kontumtv.vn/" in message.text
        assert message.buttons, "the plain-text fallback keeps the buttons"
        assert any("rendering bug" in r.getMessage() for r in caplog.records)
        row = await row_for(database, 701)
        assert row.status == "sent" and row.attempts == 1 and row.message_id == message.message_id
    await assert_no_limbo(database)


async def test_transient_errors_are_retried_with_backoff_then_sent(database: Database) -> None:
    fake = FakeTime()
    async with Sandbox() as sb:
        sb.users([801, 802, 803, 804])
        await add_subscribers(database, [801, 802, 803, 804])
        await seed_article(database)
        await enqueue(database, 1)
        sb.server_error(times=2, status=502, chat=801)
        sb.server_error(times=1, status=500, chat=802)
        sb.disconnect(times=1, chat=803)
        sb.slow(2.0, times=1, chat=804)  # longer than the client's read timeout
        async with sender_on(sb, database, fake=fake, read_timeout=0.5) as sender:
            await sender.run_once()
            assert sb.messages(801) == [] and sb.messages(803) == []
            first = await row_for(database, 801)
            assert first.status == "pending" and first.attempts == 1
            assert first.last_error and "Bad Gateway" in first.last_error
            # 2 s, plus up to half of it in jitter (and the pass's own fake milliseconds).
            assert timedelta(seconds=2) <= first.due_at - T0 < timedelta(seconds=3.5)
            await settle(sender, fake, database)
        for chat_id, tries in ((801, 3), (802, 2), (803, 2), (804, 2)):
            row = await row_for(database, chat_id)
            assert row.status == "sent" and row.attempts == tries, (chat_id, row.attempts)
            assert row.last_error is None
            assert len(sb.messages(chat_id)) >= 1
        # Back-off doubles: the third try of 801 came at least 2 s + 4 s after the first.
        sent_801 = await row_for(database, 801)
        assert sent_801.sent_at is not None and sent_801.sent_at >= T0 + timedelta(seconds=6)
        for chat_id in (801, 802, 803):
            assert len(sb.messages(chat_id)) == 1
    await assert_no_limbo(database)


async def test_a_crashing_render_ends_failed_instead_of_looping(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    def exploding_render(*args: Any, **kwargs: Any) -> RenderedMessage:
        raise RuntimeError("boom")

    monkeypatch.setattr(send_calls, "render", exploding_render)
    fake = FakeTime()
    async with Sandbox() as sb:
        sb.users([821])
        await add_subscribers(database, [821])
        await seed_article(database)
        await enqueue(database, 1)
        async with sender_on(sb, database, fake=fake) as sender:
            await settle(sender, fake, database)
        row = await row_for(database, 821)
        assert row.status == "failed" and row.last_error and "boom" in row.last_error
        assert sends_to(sb, 821) == []
    await assert_no_limbo(database)


async def test_photo_when_the_caption_fits_and_text_when_the_photo_is_refused(
    database: Database,
) -> None:
    fake = FakeTime()
    async with Sandbox() as sb:
        sb.users([901, 902])
        await add_subscribers(database, [901])
        await add_subscribers(database, [902], wants_images=False)
        await seed_article(database, 1, image_url=IMAGE)
        await enqueue(database, 1)
        async with sender_on(sb, database, fake=fake) as sender:
            await settle(sender, fake, database)
            [photo] = sb.messages(901)
            assert photo.method == "sendPhoto" and photo.photo and photo.text is None
            assert photo.caption is not None and "Giá cà phê" in photo.caption
            assert (await row_for(database, 901)).sent_as_photo is True
            [text_only] = sb.messages(902)
            assert text_only.method == "sendMessage" and text_only.photo is None

            await seed_article(database, 2, title="Ảnh lỗi", image_url=f"{IMAGE}?broken")
            await enqueue(database, 2)
            sb.fault(
                Fault(
                    "error",
                    method="sendPhoto",
                    status=400,
                    description="Bad Request: wrong file identifier/HTTP URL specified",
                )
            )
            await settle(sender, fake, database)
        fallback = sb.messages(901)[-1]
        assert fallback.method == "sendMessage" and fallback.photo is None
        assert fallback.text is not None and "Ảnh lỗi" in fallback.text
        row = await row_for(database, 901, 2)
        assert row.status == "sent" and row.sent_as_photo is False and row.attempts == 1
        assert [c.method for c in sb.calls if c.params.get("chat_id") == 901][-2:] == [
            "sendPhoto",
            "sendMessage",
        ]
    await assert_no_limbo(database)


async def test_quiet_hours_are_silent_and_english_readers_get_english_buttons(
    database: Database,
) -> None:
    fake = FakeTime()
    async with Sandbox() as sb:
        sb.users([911, 912, 913])
        await add_subscribers(database, [911], quiet_start=22 * 60, quiet_end=11 * 60)
        await add_subscribers(database, [912], language="en")
        await add_subscribers(database, [913], quiet_start=12 * 60, quiet_end=13 * 60)
        await seed_article(database)
        await enqueue(database, 1)  # 10:00 local
        async with sender_on(sb, database, fake=fake) as sender:
            await settle(sender, fake, database)
        [asleep], [english], [awake] = (sb.messages(c) for c in (911, 912, 913))
        assert asleep.disable_notification is True
        assert english.disable_notification is False and awake.disable_notification is False
        assert [b["text"] for b in english.buttons] == ["📖 Read article", "💬 Comment"]
        assert [b["text"] for b in awake.buttons] == ["📖 Đọc bài", "💬 Bình luận"]
    await assert_no_limbo(database)
