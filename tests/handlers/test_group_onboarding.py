"""Groups: only an admin's /start subscribes the group and opens its picker, a member's tap on
the picker is refused with an alert and changes nothing; commands for another bot are ignored."""

from __future__ import annotations

from storage.db import Database
from storage.models import Subscriber
from tests.handlers.test_topics import SECTIONS, data_of, followed, labels, tap
from tests.harness import running_bot
from tests.sandbox import Sandbox

REFUSED = "Chỉ quản trị viên của nhóm mới đổi được việc nhận tin của nhóm."


async def _stored(database: Database, chat_id: int) -> Subscriber | None:
    async with database.session() as session:
        return await session.get(Subscriber, chat_id)


async def test_a_members_start_and_tap_are_refused_and_the_admins_work(
    database: Database,
) -> None:
    async with Sandbox() as sb, running_bot(sb, database, sections=SECTIONS) as bot:
        lan, hung = sb.user(1001, "Lan"), sb.user(1003, "Hùng")
        group = sb.group(-100500, "Hội nông dân Đăk Hà", owner=lan.id)
        await hung.join(group)

        await hung.send_to(group, "/start")
        assert (await sb.wait_for_message(group)).text == REFUSED
        assert await _stored(database, group.id) is None

        await lan.send_to(group, "/start topic_kinh-te")
        picker = await sb.wait_for_message(group)
        assert (picker.text or "").startswith("Xin chào! Nhóm này đã đăng ký")
        assert labels(picker) == ["Thời sự", "✅ Kinh tế", "Thể thao", "Tất cả", "Xong"]

        answer = await bot.answer(await hung.tap(picker, data_of(picker, "Thể thao"), chat=group))
        assert answer == {"text": REFUSED, "show_alert": True}
        assert picker.edit_count == 0 and await followed(database, group.id) == (False, {"kinh-te"})

        edits = picker.edit_count
        admin = await bot.answer(await lan.tap(picker, data_of(picker, "Thể thao"), chat=group))
        assert admin == {}
        await sb.wait_until(lambda: picker.edit_count > edits)
        assert labels(picker) == ["Thời sự", "✅ Kinh tế", "✅ Thể thao", "Tất cả", "Xong"]
        await tap(bot, lan, picker, "Xong")
        assert bot.unanswered_queries() == []
    assert await followed(database, group.id) == (False, {"kinh-te", "the-thao"})
    stored = await _stored(database, group.id)
    assert stored is not None and stored.chat_type == "supergroup"


async def test_a_command_for_another_bot_is_ignored_and_one_for_this_bot_works(
    database: Database,
) -> None:
    async with Sandbox() as sb, running_bot(sb, database, sections=SECTIONS) as bot:
        lan = sb.user(1001, "Lan")
        group = sb.group(-100500, "Hội nông dân Đăk Hà", owner=lan.id)
        sent = await lan.send_to(group, "/start@OtherNewsBot")
        await bot.message_handled(sent)
        assert sb.messages(group) == [], "not a word: the command was for another bot"
        assert await _stored(database, group.id) is None
        # In a private chat nobody else can be meant: /start is not run, /help is suggested.
        await lan.send("/start@OtherBot")
        hint = await sb.wait_for_message(lan.chat_id)
        assert hint.text == "Bot không hiểu lệnh này. Gõ /help để xem các lệnh."
        assert await _stored(database, lan.chat_id) is None

        await lan.send_to(group, "/start@kontum_news_sandbox_bot")
        welcome = await sb.wait_for_message(group)
    assert (welcome.text or "").startswith("Xin chào! Nhóm này đã đăng ký")
    assert await _stored(database, group.id) is not None
