"""Every rule's answer as the reader sees it, and no card for a refused comment."""

from __future__ import annotations

from datetime import UTC, datetime

from storage.db import Database
from storage.enums import MessageKind
from storage.models import Ban
from tests.comments.helpers import ADMIN_CHAT, pushed, rows, stored_comments
from tests.harness import running_bot
from tests.sandbox import Sandbox

STICKER = {
    "file_id": "CAACAgIAAxkBAAIBY2V",
    "file_unique_id": "AgADY2V",
    "type": "regular",
    "width": 512,
    "height": 512,
    "is_animated": False,
    "is_video": False,
}


async def test_a_long_a_short_a_sticker_and_a_repeat_each_get_a_clear_answer(
    database: Database,
) -> None:
    async with Sandbox() as sb, running_bot(sb, database, admin_chat_id=ADMIN_CHAT) as bot:
        lan = sb.user(1001, "Lan")
        push = await pushed(bot, lan.chat_id, 7)
        answers = []
        for text in ("x" * 5000, "a"):
            await lan.reply(push, text)
            answers.append((await sb.wait_for_message(lan.chat_id)).text)
        world = sb.world
        world.user_message(
            lan.user, world.chats[lan.chat_id], None, reply_to=push.message_id,
            extra={"sticker": STICKER},
        )  # fmt: skip
        answers.append((await sb.wait_for_message(lan.chat_id)).text)
        for _ in range(2):
            await lan.reply(push, "Cảm ơn Đài!")
            answers.append((await sb.wait_for_message(lan.chat_id)).text)
    assert answers == [
        "Bình luận quá dài (5.000 ký tự): tối đa 2.000 ký tự. Bạn vui lòng rút gọn rồi gửi lại.",
        "Bình luận quá ngắn: cần ít nhất 2 ký tự.",
        "Bình luận chỉ nhận chữ (văn bản). Bạn vui lòng gõ lại bình luận bằng chữ.",
        "Cảm ơn bạn! Bình luận đã được gửi và đang chờ kiểm duyệt.",
        "Bạn vừa gửi đúng bình luận này rồi, bot bỏ qua bản lặp lại.",
    ]
    assert [c.text for c in await stored_comments(database)] == ["Cảm ơn Đài!"]
    assert len(await rows(database, MessageKind.COMMENT_CARD)) == 1


async def test_the_sixth_comment_in_a_minute_is_refused(database: Database) -> None:
    async with Sandbox() as sb, running_bot(sb, database, admin_chat_id=ADMIN_CHAT) as bot:
        john = sb.user(1002, "John", language_code="en")
        push = await pushed(bot, john.chat_id, 7, locale="en")
        answers = []
        for n in range(6):
            await john.reply(push, f"Comment number {n}")
            answers.append((await sb.wait_for_message(john.chat_id)).text)
    assert answers[:5] == ["Thank you! Your comment was sent and is waiting for moderation."] * 5
    assert answers[5] == (
        "You are commenting a little fast: at most 5 comments a minute. "
        "Please wait a moment and try again."
    )
    assert len(await stored_comments(database)) == 5
    assert len(await rows(database, MessageKind.COMMENT_CARD)) == 5


async def test_a_banned_reader_is_told_politely_and_no_card_is_made(database: Database) -> None:
    async with Sandbox() as sb, running_bot(sb, database, admin_chat_id=ADMIN_CHAT) as bot:
        lan = sb.user(1001, "Lan")
        push = await pushed(bot, lan.chat_id, 7)
        async with database.session() as session:
            session.add(Ban(user_id=lan.id, banned_by=9001, created_at=datetime.now(UTC)))
        await lan.reply(push, "Tôi muốn bình luận")
        answer = (await sb.wait_for_message(lan.chat_id)).text
    assert answer == "Xin lỗi, tài khoản của bạn hiện không thể gửi bình luận."
    assert await stored_comments(database) == []
    assert await rows(database, MessageKind.COMMENT_CARD) == []


async def test_a_word_on_the_block_list_refuses_the_comment(database: Database) -> None:
    settings = {"admin_chat_id": ADMIN_CHAT, "comment_blocklist": ["cờ bạc"]}
    async with Sandbox() as sb, running_bot(sb, database, **settings) as bot:
        lan = sb.user(1001, "Lan")
        push = await pushed(bot, lan.chat_id, 7)
        await lan.reply(push, "Mời chơi Cờ Bạc trực tuyến")
        answer = (await sb.wait_for_message(lan.chat_id)).text
    assert answer == "Bình luận có từ ngữ không phù hợp nên không được đăng."
    assert await stored_comments(database) == []


async def test_a_pseudonym_signs_later_comments_and_dash_restores_the_telegram_name(
    database: Database,
) -> None:
    async with Sandbox() as sb, running_bot(sb, database) as bot:
        lan = sb.user(1001, "Lan", last_name="Trần")
        push = await pushed(bot, lan.chat_id, 7)
        said = []
        for text in ("/name", "/name <Cô giáo> Lan", "/name a@b.vn"):
            await lan.send(text)
            said.append((await sb.wait_for_message(lan.chat_id)).text)
        await lan.reply(push, "Bài hay")
        await sb.wait_for_message(lan.chat_id)
        await lan.send("/name -")
        said.append((await sb.wait_for_message(lan.chat_id)).text)
        await lan.reply(push, "Bài rất hay")
        await sb.wait_for_message(lan.chat_id)
    assert said[0] is not None and said[0].startswith("Bình luận của bạn đang đứng tên Lan Trần.")
    assert said[1] == "Từ nay bình luận của bạn sẽ đứng tên <Cô giáo> Lan."
    assert said[2] is not None and said[2].startswith("Bút danh cần dài từ 2 đến 64 ký tự")
    assert said[3] == "Bình luận của bạn sẽ đứng tên theo tên Telegram: Lan Trần."
    assert [c.author_name for c in await stored_comments(database)] == ["<Cô giáo> Lan", "Lan Trần"]
