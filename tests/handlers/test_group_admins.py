"""In a group only its admins subscribe it and change its settings; others are refused."""

from __future__ import annotations

from storage.db import Database
from storage.models import Subscriber
from tests.harness import running_bot
from tests.sandbox import Sandbox

REFUSED = "Chỉ quản trị viên của nhóm mới đổi được việc nhận tin của nhóm."


async def test_a_member_who_is_not_an_admin_is_refused_and_changes_nothing(
    database: Database,
) -> None:
    async with Sandbox() as sb, running_bot(sb, database) as bot:
        lan, hung, mai = sb.user(1001, "Lan"), sb.user(1003, "Hùng"), sb.user(1004, "Mai")
        group = sb.group(-100500, "Hội nông dân Đăk Hà", owner=lan.id)
        await hung.join(group)
        await mai.join(group, admin=True)

        await hung.send_to(group, "/start")
        assert (await sb.wait_for_message(group)).text == REFUSED
        assert await _stored(database, group.id) is None

        await lan.send_to(group, "/start")
        assert ((await sb.wait_for_message(group)).text or "").startswith("Xin chào! Nhóm này")
        for command in ("/quiet 22-6", "/digest 7:00", "/lang en", "/stop", "/topics", "/settings"):
            await hung.send_to(group, command)
            assert (await sb.wait_for_message(group)).text == REFUSED, command
        await mai.send_to(group, "/quiet 22-6")  # an admin who is not the owner may
        assert ((await sb.wait_for_message(group)).text or "").startswith("Đã đặt giờ yên tĩnh")

        await lan.send_to(group, "/stop")
        question = await sb.wait_for_message(group)
        (yes,) = [b["callback_data"] for b in question.buttons if b["text"] == "Hủy đăng ký"]
        answer = await bot.answer(await hung.tap(question, yes, chat=group))
        assert answer == {"text": REFUSED, "show_alert": True}
        assert question.edit_count == 0
        # Anyone may still read: /latest and /search are not settings.
        await hung.send_to(group, "/latest")
        assert ((await sb.wait_for_message(group)).text or "").startswith("Chưa có tin nào.")
        assert bot.unanswered_queries() == []
    stored = await _stored(database, group.id)
    assert stored is not None and stored.active and stored.quiet_start == 22 * 60


async def _stored(database: Database, chat_id: int) -> Subscriber | None:
    async with database.session() as session:
        return await session.get(Subscriber, chat_id)
