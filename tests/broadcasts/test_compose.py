"""/broadcast through the sandbox: who may, the preview as readers will see it, Gửi / Hủy,
forged and stale buttons. The sender does not run here: what Gửi queues is read from the
outbox (tests/broadcasts/test_sending.py sends it)."""

from __future__ import annotations

import json

from bot.delivery.messages import render_message
from bot.i18n import t
from storage.db import Database
from storage.enums import Audience, BroadcastStatus, DeliveryStatus, MessageKind
from storage.repositories.deliveries import priority
from tests.broadcasts.helpers import (
    OWNER,
    READERS,
    broadcasts,
    buttons,
    compose,
    discard_data,
    rows,
    send_data,
)
from tests.delivery_e2e.helpers import add_subscribers, sender_on
from tests.harness import running_bot
from tests.sandbox import Sandbox

HOSTILE = "Lịch phát sóng <b>mới</b> & giờ vàng: 19:45 <script>x</script>"


async def test_a_reader_may_neither_broadcast_nor_see_the_stats(database: Database) -> None:
    await add_subscribers(database, READERS)
    async with Sandbox() as sb, running_bot(sb, database, owner_ids=[OWNER]):
        reader = sb.user(READERS[0], "Lan")
        for command in ("/broadcast", "/stats", "/broadcast cancel"):
            await reader.send(command)
            answer = await sb.wait_for_message(reader.chat_id)
            assert answer.text == t("guard.refused", "vi"), command
        # Their next message is not taken for an announcement either.
        await reader.send("Xin chào")
        answer = await sb.wait_for_message(reader.chat_id)
        assert answer.text == t("unknown.message", "vi")
        assert await broadcasts(database) == []
        assert not [c for c in sb.calls if c.method == "sendPhoto"]


async def test_the_preview_is_what_readers_get_and_cancel_sends_nothing(
    database: Database,
) -> None:
    await add_subscribers(database, READERS)
    async with Sandbox() as sb, running_bot(sb, database, owner_ids=[OWNER]) as bot:
        owner = sb.user(OWNER, "Chủ")
        sb.users(READERS)
        await owner.send("/broadcast")
        prompt = await sb.wait_for_message(owner.chat_id)
        assert prompt.text == t("broadcast.compose", "vi")
        await owner.send(HOSTILE)
        preview, question = await sb.wait_for_message(owner.chat_id, count=2)

        # Exactly the outbox's rendering of the stored payload: escaped, shown as typed.
        (draft,) = await broadcasts(database)
        assert draft.status is BroadcastStatus.DRAFT and draft.text == HOSTILE
        rendered = render_message(
            MessageKind.BROADCAST, json.dumps({"text": HOSTILE}), locale="vi",
            with_image=True, tz="Asia/Ho_Chi_Minh",
        )  # fmt: skip
        assert preview.text == HOSTILE == rendered.plain_text
        assert preview.parse_mode == "HTML" and not preview.buttons
        assert "3 người đăng ký" in (question.text or "")
        assert buttons(question) == [send_data(draft.id), discard_data(draft.id)]

        query = await owner.tap(question, discard_data(draft.id))
        await bot.answer(query)
        await sb.wait_until(lambda: question.edit_count == 1)
        assert question.text == t("broadcast.discarded", "vi") and not question.buttons
        assert (await broadcasts(database))[0].status is BroadcastStatus.CANCELLED
        assert await rows(database) == []
        # A Gửi on the same preview later (an old copy of the buttons) sends nothing either.
        stale = await bot.tap_data(owner, question, send_data(draft.id))
        assert (await bot.answer(stale))["text"] == t("broadcast.stale", "vi")
        assert await rows(database) == []
        assert all(not sb.messages(reader) for reader in READERS)


async def test_forged_broadcast_buttons_are_answered_as_invalid(database: Database) -> None:
    await add_subscribers(database, READERS)
    async with Sandbox() as sb, running_bot(sb, database, owner_ids=[OWNER]) as bot:
        owner, reader = sb.user(OWNER, "Chủ"), sb.user(READERS[0], "Lan")
        _preview, question = await compose(sb, owner, "Thông báo thử")
        (draft,) = await broadcasts(database)
        invalid = t("button.invalid", "vi")
        for data in ("bc:999:1", "bc:0:1", "bc:x:1", f"bc:{draft.id}:2", f"bc:{draft.id}"):
            query = await bot.tap_data(owner, question, data)
            assert (await bot.answer(query))["text"] == invalid, data
        # The owner's real draft, tapped from another chat (data copied into a forged button).
        await reader.send("/start")
        elsewhere = await sb.wait_for_message(reader.chat_id)
        query = await bot.tap_data(owner, elsewhere, send_data(draft.id))
        assert (await bot.answer(query))["text"] == invalid
        # A reader tapping the real button: refused by the guard.
        query = await bot.tap_data(reader, question, send_data(draft.id))
        assert (await bot.answer(query))["text"] == t("guard.refused", "vi")
        assert await rows(database) == []
        assert (await broadcasts(database))[0].status is BroadcastStatus.DRAFT
        assert bot.unanswered_queries() == []


async def test_send_queues_every_reader_behind_replies_once(database: Database) -> None:
    await add_subscribers(database, READERS)
    async with Sandbox() as sb, running_bot(sb, database, owner_ids=[OWNER]) as bot:
        owner = sb.user(OWNER, "Chủ")
        _preview, question = await compose(sb, owner, "Mời xem chương trình mới")
        (draft,) = await broadcasts(database)
        first = await owner.tap(question, send_data(draft.id))
        second = await bot.tap_data(owner, question, send_data(draft.id))
        assert (await bot.answer(first))["text"] == t("broadcast.started_short", "vi")
        assert (await bot.answer(second))["text"] in (
            t("broadcast.stale", "vi"),
            t("broadcast.started_short", "vi"),
        )
        await sb.wait_until(lambda: question.edit_count == 1)
        assert "3 người đăng ký" in (question.text or "")

        queued = await rows(database, MessageKind.BROADCAST)
        assert sorted(r.chat_id for r in queued) == READERS  # once each, however many taps
        assert {(r.kind, r.priority, r.ref) for r in queued} == {
            (Audience.BULK, priority(Audience.BULK), f"broadcast:{draft.id}")
        }
        (progress,) = await rows(database, MessageKind.NOTICE)
        assert progress.chat_id == OWNER and progress.kind is Audience.REPLY
        # Readers' answers, channel posts and pushes all go before any broadcast row.
        assert priority(Audience.BULK) > max(
            priority(a) for a in (Audience.REPLY, Audience.CHANNEL, Audience.INSTANT)
        )
        assert (await broadcasts(database))[0].status is BroadcastStatus.SENDING
        assert all(r.status is DeliveryStatus.PENDING for r in queued)


async def test_a_topic_broadcast_and_an_unknown_topic(database: Database) -> None:
    from storage.models import SubscriberTopic, Topic

    await add_subscribers(database, READERS[:2])
    await add_subscribers(database, READERS[2:], all_topics=False)
    async with database.session() as session:
        session.add(Topic(id=5, slug="the-thao", name="Thể thao"))
        session.add(Topic(id=6, slug="kinh-te", name="Kinh tế"))
        await session.flush()
        session.add(SubscriberTopic(chat_id=READERS[2], topic_id=6))
    async with Sandbox() as sb, running_bot(sb, database, owner_ids=[OWNER]):
        owner = sb.user(OWNER, "Chủ")
        await owner.send("/broadcast topic bong-da")
        answer = await sb.wait_for_message(owner.chat_id)
        assert answer.text == t("broadcast.unknown_topic", "vi", slug="bong-da")
        await owner.send("/broadcast topic the-thao")
        answer = await sb.wait_for_message(owner.chat_id)
        assert "Thể thao" in (answer.text or "")
        await owner.send("Giải bóng đá thiếu niên khai mạc")
        _preview, question = await sb.wait_for_message(owner.chat_id, count=2)
        # The two readers who follow every topic; the third follows only Kinh tế.
        assert "2 người theo dõi chuyên mục «Thể thao»" in (question.text or "")
        (draft,) = [b for b in await broadcasts(database) if b.status is BroadcastStatus.DRAFT]
        await owner.tap(question, send_data(draft.id))
        await sb.wait_until(lambda: question.edit_count == 1)
        queued = await rows(database, MessageKind.BROADCAST)
        assert sorted(r.chat_id for r in queued) == READERS[:2]


async def test_a_photo_broadcast_reuses_the_admins_file_id(database: Database) -> None:
    await add_subscribers(database, READERS)
    async with (
        Sandbox() as sb,
        running_bot(sb, database, owner_ids=[OWNER]) as bot,
        sender_on(sb, database) as sender,
    ):
        owner = sb.user(OWNER, "Chủ")
        sb.users(READERS)
        await owner.send("/broadcast")
        await sb.wait_for_message(owner.chat_id)
        _photo, file_id = await bot.send_photo(owner, b"\xff\xd8jpeg", caption="Ảnh lễ hội")
        preview, question = await sb.wait_for_message(owner.chat_id, count=2)
        assert preview.photo is not None and preview.caption == "Ảnh lễ hội"
        shown = [c for c in sb.calls if c.method == "sendPhoto" and c.ok]
        assert [c.params["photo"] for c in shown] == [file_id]
        (draft,) = await broadcasts(database)
        await owner.tap(question, send_data(draft.id))
        await sb.wait_until(lambda: question.edit_count == 1)
        await sender.drain()
        to_readers = [
            c for c in sb.calls if c.method == "sendPhoto" and c.params["chat_id"] in READERS
        ]
        assert sorted(c.params["chat_id"] for c in to_readers) == READERS
        assert {c.params["photo"] for c in to_readers} == {file_id}  # no upload per reader
        assert all(sb.messages(r)[0].caption == "Ảnh lễ hội" for r in READERS)


async def test_a_photo_without_a_caption_is_asked_for_again(
    database: Database,
) -> None:
    async with Sandbox() as sb, running_bot(sb, database, owner_ids=[OWNER]) as bot:
        owner = sb.user(OWNER, "Chủ")
        await owner.send("/broadcast")
        await sb.wait_for_message(owner.chat_id)
        await bot.send_photo(owner, b"\xff\xd8jpeg")
        answer = await sb.wait_for_message(owner.chat_id)
        assert answer.text == t("broadcast.empty", "vi")
        # Still composing: the next message is the announcement.
        await owner.send("Chỉ chữ thôi")
        preview, _question = await sb.wait_for_message(owner.chat_id, count=2)
        assert preview.text == "Chỉ chữ thôi"


async def test_composed_in_the_admin_group_by_replying_to_the_prompt(database: Database) -> None:
    await add_subscribers(database, READERS)
    async with Sandbox() as sb, running_bot(sb, database, owner_ids=[OWNER]):
        owner, colleague = sb.user(OWNER, "Chủ"), sb.user(9002, "Đồng nghiệp")
        group = sb.group(-100_555, "Ban biên tập", owner=OWNER)
        await colleague.join(group)
        await owner.send_to(group, "/broadcast")
        prompt = await sb.wait_for_message(group)
        assert prompt.reply_markup == {"force_reply": True, "selective": True}
        # A colleague's message in the group is not the owner's announcement.
        await colleague.send_to(group, "Chào cả nhóm")
        await owner.reply(prompt, "Thông báo từ ban biên tập", chat=group)
        preview, question = await sb.wait_for_message(group, count=2)
        assert preview.text == "Thông báo từ ban biên tập"
        assert len(question.buttons) == 2
        (draft,) = await broadcasts(database)
        assert draft.admin_chat_id == group.id and draft.text == "Thông báo từ ban biên tập"
