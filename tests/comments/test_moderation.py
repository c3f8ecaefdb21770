"""Moderation as the station's staff do it: cards in the admin chat, the guard on every
button, one decision per comment, /pending, /unban, the audit log."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from bot.services.comments import Incoming, Writer
from bot.services.moderation import Outcome
from storage.db import Database
from storage.enums import CommentSource, CommentStatus, ModerationAction, Role
from storage.models import AuditEntry, Ban
from tests.comments.helpers import (
    ADMIN_CHAT,
    HOSTILE,
    OWNER,
    buttons_of,
    drain,
    grant,
    pushed,
    stored_comments,
)
from tests.delivery_e2e.helpers import sender_on
from tests.harness import running_bot
from tests.sandbox import Sandbox
from tests.services.test_comments import Clock, comments_on
from tests.services.test_subscriptions import seed_article

TITLE = "Giá cà phê <tăng> & nông dân"
SETTINGS = {"admin_chat_id": ADMIN_CHAT, "owner_ids": [OWNER]}


async def audit(database: Database) -> list[tuple[int | None, str, str | None]]:
    async with database.session() as session:
        found = await session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [(e.actor_id, e.action, e.target) for e in found.all()]


async def test_a_card_a_refused_tap_and_the_owners_approval_end_to_end(
    database: Database,
) -> None:
    async with (
        Sandbox() as sb,
        running_bot(sb, database, **SETTINGS) as bot,
        sender_on(sb, database) as sender,
    ):
        owner = sb.user(OWNER, "Chủ", last_name="Đài")
        stranger = sb.user(1500, "Khách")
        room = sb.group(ADMIN_CHAT, "Ban biên tập", owner=OWNER)
        await stranger.join(room)
        lan = sb.user(1001, "Lan")
        push = await pushed(bot, lan.chat_id, 7, title=TITLE)
        await lan.reply(push, HOSTILE)
        await sb.wait_for_message(lan.chat_id)
        await drain(sender)
        card = await sb.wait_for_message(room)
        [comment] = await stored_comments(database)
        cid = comment.id
        assert buttons_of(card) == [f"m:{cid}:approve", f"m:{cid}:reject", f"m:{cid}:ban"]
        text = card.text or ""
        assert HOSTILE in text and TITLE in text and "Lan" in text

        refused = await bot.answer(await stranger.tap(card, f"m:{cid}:approve", chat=room))
        assert refused == {
            "text": "Xin lỗi, bạn không có quyền dùng chức năng này.",
            "show_alert": True,
        }
        [still] = await stored_comments(database)
        assert still.status is CommentStatus.PENDING

        approved = await bot.answer(await owner.tap(card, f"m:{cid}:approve", chat=room))
        assert approved == {"text": "Đã duyệt bình luận."}
        await drain(sender)
        edited = sb.world.message(room.chat, card.message_id)
        assert edited is not None and buttons_of(edited) == []
        assert "✅ Đã duyệt bởi Chủ Đài lúc" in (edited.text or "")
        assert HOSTILE in (edited.text or "")
        told = await sb.wait_for_message(lan.chat_id)
        assert told.text == f"✅ Bình luận của bạn đã được duyệt: «{TITLE}»."
        # The article's 💬 button under the reader's push now shows the count (an edit).
        redrawn = sb.world.message(sb.world.chats[lan.chat_id], push.message_id)
        assert redrawn is not None
        assert [b["text"] for b in redrawn.buttons][-1] == "💬 Bình luận (1)"

        # The approved comment is in the article's list, with the count.
        await bot.answer(await lan.tap(push, "c:7"))
        listing = (await sb.wait_for_message(lan.chat_id)).text or ""
        assert listing.startswith(f"💬 Bình luận về «{TITLE}» (1)\n• Lan: {HOSTILE}")
        assert bot.unanswered_queries() == []
        assert not sb.stats.errors, "no call refused (no bad HTML anywhere)"
    [done] = await stored_comments(database)
    assert done.status is CommentStatus.APPROVED and done.moderated_by == OWNER
    assert await audit(database) == [
        (stranger.id, "guard.refused", f"button:m:{cid}:approve"),  # the guard audits refusals
        (OWNER, "comment.approve", f"comment:{cid}"),
    ]


async def test_two_moderators_at_once_make_one_decision(database: Database) -> None:
    async with (
        Sandbox() as sb,
        running_bot(sb, database, **SETTINGS) as bot,
        sender_on(sb, database) as sender,
    ):
        mai, tuan = sb.user(2001, "Mai"), sb.user(2002, "Tuấn")
        for person in (mai, tuan):
            await grant(database, person.id, Role.MODERATOR)
        room = sb.group(ADMIN_CHAT, "Ban biên tập", owner=OWNER)
        for person in (mai, tuan):
            await person.join(room)
        lan = sb.user(1001, "Lan")
        push = await pushed(bot, lan.chat_id, 7)
        await lan.reply(push, "Bình luận cần duyệt")
        await sb.wait_for_message(lan.chat_id)
        await drain(sender)
        card = await sb.wait_for_message(room)
        [comment] = await stored_comments(database)
        taps = [
            await mai.tap(card, f"m:{comment.id}:approve", chat=room),
            await tuan.tap(card, f"m:{comment.id}:reject", chat=room),
        ]
        answers = [await bot.answer(q) for q in taps]
        await drain(sender)
    texts = sorted(a["text"] for a in answers)
    assert len([t for t in texts if t == "Bình luận này đã được xử lý rồi."]) == 1, texts
    assert len([t for t in texts if t in ("Đã duyệt bình luận.", "Đã từ chối bình luận.")]) == 1
    [decided] = await stored_comments(database)
    assert decided.status in (CommentStatus.APPROVED, CommentStatus.REJECTED)
    assert len(await audit(database)) == 1


async def test_simultaneous_decisions_in_the_service_leave_exactly_one_winner(
    database: Database,
) -> None:
    await seed_article(database, 7)
    clock = Clock()
    comments = comments_on(database, clock)
    await comments.invite(1001, 7, CommentSource.BUTTON)
    received = await comments.receive(Incoming(Writer(1001, 1001, "Lan"), "Hai người cùng bấm"))
    assert received is not None and received.comment_id is not None
    moderation = comments._moderation  # the service under test's own collaborator
    results = await asyncio.gather(
        *(
            moderation.decide(received.comment_id, action, moderator_id=i, moderator_name=str(i))
            for i, action in enumerate([ModerationAction.APPROVE, ModerationAction.BAN] * 4)
        )
    )
    assert sorted(r.outcome for r in results).count(Outcome.DONE) == 1


async def test_pending_lists_the_queue_with_buttons_and_a_tap_there_edits_that_message(
    database: Database,
) -> None:
    async with Sandbox() as sb, running_bot(sb, database, **SETTINGS) as bot:
        mai = sb.user(2001, "Mai")
        await grant(database, mai.id, Role.MODERATOR)
        lan = sb.user(1001, "Lan")
        push = await pushed(bot, lan.chat_id, 7)
        await mai.send("/pending")
        assert (await sb.wait_for_message(mai.chat_id)).text == (
            "Không có bình luận nào chờ duyệt."
        )
        for text in ("Thứ nhất", "Thứ hai"):
            await lan.reply(push, text)
            await sb.wait_for_message(lan.chat_id)
        await mai.send("/pending")
        header, first, second = await sb.wait_for_message(mai.chat_id, count=3)
        assert header.text == "Có 2 bình luận chờ duyệt; dưới đây là 2 bình luận cũ nhất."
        assert "Thứ nhất" in (first.text or "") and "Thứ hai" in (second.text or "")
        [one, two] = await stored_comments(database)
        answer = await bot.answer(await mai.tap(first, f"m:{one.id}:ban"))
        assert answer == {"text": "Đã từ chối bình luận và chặn người viết."}
        # Not the admin chat's card: the tapped message itself is edited at once.
        await sb.wait_until(lambda: "🚫 Đã từ chối và chặn" in (first.text or ""))
        assert buttons_of(first) == []
        again = await bot.answer(await mai.tap(second, f"m:{two.id}:approve"))
        assert again == {"text": "Đã duyệt bình luận."}
        stale = await bot.answer(await bot.tap_data(mai, first, f"m:{one.id}:approve"))
        assert stale == {"text": "Bình luận này đã được xử lý rồi.", "show_alert": True}
        # The banned reader cannot comment; /unban lifts it (moderators only).
        await lan.reply(push, "Tôi quay lại")
        assert (await sb.wait_for_message(lan.chat_id)).text == (
            "Xin lỗi, tài khoản của bạn hiện không thể gửi bình luận."
        )
        await lan.send(f"/unban {lan.id}")
        assert (await sb.wait_for_message(lan.chat_id)).text == (
            "Xin lỗi, bạn không có quyền dùng chức năng này."
        )
        await mai.send(f"/unban {lan.id}")
        assert (await sb.wait_for_message(mai.chat_id)).text == (
            f"Đã bỏ chặn người dùng {lan.id}: họ lại có thể bình luận."
        )
        await lan.reply(push, "Tôi quay lại")
        assert (await sb.wait_for_message(lan.chat_id)).text == (
            "Cảm ơn bạn! Bình luận đã được gửi và đang chờ kiểm duyệt."
        )
    async with database.session() as session:
        assert (await session.scalars(select(Ban))).all() == []
    assert [a[1] for a in await audit(database)] == [
        "comment.ban", "comment.approve", "guard.refused", "comment.unban"
    ]  # fmt: skip
    # (the guard's refusal line: the banned reader's own /unban)


async def test_a_forged_moderation_button_changes_nothing(database: Database) -> None:
    async with Sandbox() as sb, running_bot(sb, database, **SETTINGS) as bot:
        owner = sb.user(OWNER, "Chủ")
        lan = sb.user(1001, "Lan")
        push = await pushed(bot, lan.chat_id, 7)
        for data in ("m:99:approve", "m:1:delete", "m:0:approve", "m:1"):
            answer = await bot.answer(await bot.tap_data(owner, push, data))
            assert answer["text"] in (
                "Bình luận này không còn trên hệ thống.",
                "Nút này không còn dùng được. Gõ /help để xem các lệnh.",
            ), data
        assert bot.unanswered_queries() == []
        assert await audit(database) == []
        # Valid data on a message that is not a card: decided, but the message stays as it is.
        before = push.text
        await lan.reply(push, "Một bình luận")
        await sb.wait_for_message(lan.chat_id)
        [comment] = await stored_comments(database)
        answer = await bot.answer(await bot.tap_data(owner, push, f"m:{comment.id}:reject"))
        assert answer == {"text": "Đã từ chối bình luận."}
        done = await bot.query_handled(await bot.tap_data(owner, push, f"m:{comment.id}:reject"))
        assert done is not None and push.text == before and "c:7" in buttons_of(push)
