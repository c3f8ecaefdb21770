"""Every kind of message through the one outbox: notices, broadcasts, digests and comment posts
reach the sandbox through the real Sender, in each reader's language, in priority order, with
the same outcomes (403, edits) as articles."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from typing import Any

import pytest

from bot.delivery import send_calls
from bot.delivery.messages import render_message
from bot.delivery.render import RenderedMessage
from bot.i18n import deferred
from bot.services.outbox import Outbox, notice
from storage.db import Database
from storage.enums import Audience, DeliveryStatus, MessageKind
from storage.repositories import deliveries
from tests.delivery_e2e.helpers import (
    IMAGE,
    T0,
    FakeTime,
    add_channel,
    add_subscribers,
    all_rows,
    assert_no_limbo,
    enqueue,
    seed_article,
    sender_on,
    sends_to,
    settle,
    subscriber,
)
from tests.sandbox import Sandbox

CHANNEL = -1009001
HOSTILE = {"key": "start.welcome", "params": {"name": "<Lan & Hùng>"}}


async def message_to(
    database: Database,
    kind: MessageKind,
    chats: list[int],
    payload: dict[str, Any],
    ref: str,
    *,
    audience: Audience = Audience.BULK,
    now: datetime = T0,
) -> int:
    async with database.session() as session:
        return await deliveries.enqueue_message(
            session, kind, chats, payload=payload, ref=ref, now=now, audience=audience
        )


async def notice_for(database: Database, article_ids: list[int], ref: str) -> int:
    async with database.session() as session:
        return await deliveries.enqueue_notice_for_articles(
            session, article_ids, ref=ref, payload=HOSTILE, now=T0
        )


async def test_notices_and_broadcasts_arrive_escaped_in_each_language_after_the_news(
    database: Database,
) -> None:
    fake = FakeTime()
    async with Sandbox() as sb:
        sb.users([3001, 3002])
        channel = sb.channel(CHANNEL, "Kênh KRT")
        await sb.add_bot_to(channel, admin=True)
        await add_subscribers(database, [3001])
        await add_subscribers(database, [3002], language="en")
        await add_channel(database, CHANNEL)
        await seed_article(database, 1)
        # Queued first, sent last: a broadcast never delays the news.
        broadcast = {"text": "Lịch phát sóng <Tết> & lễ hội", "photo": IMAGE}
        assert await message_to(database, MessageKind.BROADCAST, [3001, 3002], broadcast, "b:1")
        assert await enqueue(database, 1) == 3
        assert await notice_for(database, [1], "burst:1") == 3
        assert await notice_for(database, [1], "burst:1") == 0  # enqueued twice, sent once
        async with sender_on(sb, database, fake=fake) as sender:
            await settle(sender, fake, database)

        vi_article, vi_notice, vi_broadcast = sb.messages(3001)
        en_article, en_notice, en_broadcast = sb.messages(3002)
        assert en_article.buttons[0]["text"] == "📖 Read article"
        assert vi_article.content is not None and "Giá cà phê" in vi_article.content
        # The name shows exactly as given (escaped on the way), the catalogue's bold stays bold.
        assert vi_notice.parse_mode == "HTML" and vi_notice.text is not None
        assert vi_notice.text.startswith("Xin chào <Lan & Hùng>! 👋")
        assert {"type": "bold"}.items() <= (vi_notice.entities or [{}])[0].items()
        assert en_notice.text is not None and en_notice.text.startswith("Hello <Lan & Hùng>!")
        assert vi_notice.buttons == [] and vi_notice.disable_notification is False
        for sent in (vi_broadcast, en_broadcast):
            assert sent.method == "sendPhoto" and sent.caption == "Lịch phát sóng <Tết> & lễ hội"
        # The channel gets the article and the notice; the broadcast went to the listed chats.
        assert [
            m.content is not None and "Xin chào" in m.content for m in sb.messages(CHANNEL)
        ] == [
            False,
            True,
        ]
        for row in await all_rows(database):
            assert row.status is DeliveryStatus.SENT and row.attempts == 1
            assert row.sent_revision == 1 and row.last_error is None
    await assert_no_limbo(database)


async def test_a_sent_message_is_edited_in_place_and_the_last_edit_wins(
    database: Database,
) -> None:
    """A broadcast's progress message in the admin's chat, as the admin issue will use it."""
    fake = FakeTime()
    woken: list[bool] = []
    outbox = Outbox(database, clock=fake.now, wake=lambda: woken.append(True))
    async with Sandbox() as sb:
        sb.users([3101])
        progress = notice(deferred("start.welcome", name="1/10"))
        assert await outbox.notify([3101], progress, ref="progress:7") == 1
        assert await outbox.notify([3101], progress, ref="progress:7") == 0
        async with sender_on(sb, database, fake=fake) as sender:
            await settle(sender, fake, database)
            [first] = sb.messages(3101)
            assert first.text is not None and "1/10" in first.text
            for done in ("5/10", "10/10"):  # two updates before the sender looks again
                edit = notice(deferred("start.welcome", name=done))
                assert await outbox.edit(MessageKind.NOTICE, "progress:7", edit) == 1
            await settle(sender, fake, database)
        [edited] = sb.messages(3101)  # edited in place, nothing new sent
        assert edited.message_id == first.message_id and edited.edit_count == 1
        assert edited.text is not None and "10/10" in edited.text
        assert "1/10" in (edited.edit_history[0] or "")
        assert sends_to(sb, 3101) == ["sendMessage", "editMessageText"]
        [row] = await all_rows(database)
        assert row.sent_revision == 3 and row.edit_revision is None
        assert row.priority == 0  # an admin's notice goes before pushes and broadcasts
        assert await outbox.progress("progress:7") == {"sent": 1}
        assert len(woken) == 3  # one enqueue and two edits; the duplicate woke nobody
    await assert_no_limbo(database)


async def test_a_blocked_reader_and_a_broken_payload_end_without_stopping_the_rest(
    database: Database,
) -> None:
    fake = FakeTime()
    async with Sandbox() as sb:
        sb.users([3201, 3202])
        sb.block(3201)
        await add_subscribers(database, [3201, 3202])
        text = {"text": "Thông báo của Đài"}
        outbox = Outbox(database, clock=fake.now)
        assert await outbox.to_subscribers(MessageKind.BROADCAST, text, ref="b:2") == 2
        assert await outbox.to_subscribers(MessageKind.BROADCAST, text, ref="b:3") == 2
        await message_to(database, MessageKind.DIGEST, [3202], {"sections": "?"}, "digest:x")
        async with sender_on(sb, database, fake=fake) as sender:
            await settle(sender, fake, database)
        assert [m.text for m in sb.messages(3202)] == ["Thông báo của Đài"] * 2
        assert len(sends_to(sb, 3201)) == 1  # the 403 cancels the chat's other message
        gone = await subscriber(database, 3201)
        assert gone is not None and gone.active is False
        by = {(r.chat_id, r.ref): r for r in await all_rows(database)}
        statuses = sorted(by[(3201, ref)].status for ref in ("b:2", "b:3"))
        assert statuses == [DeliveryStatus.CANCELLED, DeliveryStatus.FAILED]
        broken = by[(3202, "digest:x")]
        assert broken.status is DeliveryStatus.FAILED and broken.attempts == 1
        assert broken.last_error is not None and "sections" in broken.last_error
    await assert_no_limbo(database)


async def test_a_digest_and_a_comment_post_in_a_thread(database: Database) -> None:
    fake = FakeTime()
    async with Sandbox() as sb:
        sb.users([3301], language_code="en")
        group = sb.group(-1009301, "Thảo luận KRT", owner=3302)
        post = await sb.user(3302).send_to(group, "Bài: Giá cà phê tăng")
        await add_subscribers(database, [3301], language="en")
        digest = {
            "sections": [
                {
                    "topic": "Kinh tế",
                    "items": [{"title": "Giá cà phê", "url": "https://kontumtv.vn/a"}],
                }
            ]
        }
        await message_to(database, MessageKind.DIGEST, [3301], digest, "digest:3301:2026-11-27")
        comment = {"author": "Lan <3", "text": "Bài hay & bổ ích", "reply_to": post.message_id}
        await message_to(
            database, MessageKind.COMMENT_POST, [-1009301], comment, "comment:5",
            audience=Audience.CHANNEL,
        )  # fmt: skip
        async with sender_on(sb, database, fake=fake) as sender:
            await settle(sender, fake, database)
        [sent] = sb.messages(3301)
        assert sent.text == "📰 News digest\n\nKinh tế\n• Giá cà phê"
        assert any(e.get("url") == "https://kontumtv.vn/a" for e in sent.entities or [])
        reply = sb.messages(-1009301)[-1]
        assert reply.text == "💬 Lan <3: Bài hay & bổ ích"
        assert reply.reply_to_message_id == post.message_id
    await assert_no_limbo(database)


async def test_a_429_a_migrated_group_and_refused_html_are_handled_as_for_articles(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> RenderedMessage:
        good = render_message(*args, **kwargs)
        return dataclasses.replace(good, text=f"<div>{good.text}</div>")

    fake = FakeTime()
    async with Sandbox() as sb:
        sb.users([3501, 3502])
        sb.group(-4600, "Hội phụ nữ", supergroup=False, owner=3503)
        sb.migrate(-4600, -1004600)
        await add_subscribers(database, [3501, 3502])
        await add_subscribers(database, [-4600], chat_type="group", language="en")
        announcement = {"text": "Thông báo <mới>"}
        await message_to(database, MessageKind.BROADCAST, [3501, 3502, -4600], announcement, "b:4")
        sb.rate_limit(3501, retry_after=7, times=1)
        async with sender_on(sb, database, fake=fake) as sender:
            await settle(sender, fake, database)
            # Our HTML refused: resent once as plain text, the reader still sees the words.
            monkeypatch.setattr(send_calls, "render_message", broken)
            await message_to(database, MessageKind.BROADCAST, [3502], announcement, "b:5",
                             now=fake.now())  # fmt: skip
            await settle(sender, fake, database)
        [waited] = sb.messages(3501)
        assert waited.text == "Thông báo <mới>" and len(sends_to(sb, 3501)) == 2
        row = await row_for_ref(database, 3501, "b:4")
        assert row.sent_at is not None and row.sent_at >= T0 + timedelta(seconds=7)
        assert row.attempts == 1  # a 429 is not held against the message
        [moved] = sb.messages(-1004600)
        assert moved.text == "Thông báo <mới>"
        assert (await row_for_ref(database, -1004600, "b:4")).status is DeliveryStatus.SENT
        html, plain = sb.messages(3502)
        assert html.parse_mode == "HTML" and plain.parse_mode is None
        assert plain.text == "Thông báo <mới>"
    await assert_no_limbo(database)


async def row_for_ref(database: Database, chat_id: int, ref: str) -> Any:
    [row] = [r for r in await all_rows(database) if r.chat_id == chat_id and r.ref == ref]
    return row
