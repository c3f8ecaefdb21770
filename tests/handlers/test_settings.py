"""/quiet, /digest, /lang as a reader types them, and /stop's confirmation and a return."""

from __future__ import annotations

from sqlalchemy import select

from bot.services.preferences import (
    OFF,
    QuietHours,
    clock_text,
    parse_clock,
    parse_digest,
    parse_language,
    parse_quiet,
)
from storage.db import Database
from storage.models import Delivery, Subscriber, SubscriberTopic, Topic
from tests.harness import running_bot
from tests.sandbox import Sandbox, SandboxUser, SentMessage


async def ask(sb: Sandbox, user: SandboxUser, text: str) -> str:
    await user.send(text)
    return (await sb.wait_for_message(user.chat_id)).text or ""


async def stored(database: Database, chat_id: int) -> Subscriber:
    async with database.session() as session:
        found = await session.get(Subscriber, chat_id)
    assert found is not None
    return found


def test_typed_times_and_ranges() -> None:
    assert [parse_clock(x) for x in ("7", "7:00", "07:30", "7h", "7h30", "23:59", "0:00")] == [
        420, 420, 450, 420, 450, 1439, 0,
    ]  # fmt: skip
    assert [parse_clock(x) for x in ("25:99", "24", "7:60", "abc", "-1", "7:5", "", "١٢")] == [
        None
    ] * 8
    assert parse_quiet(["22-6"]) == QuietHours(1320, 360)
    assert parse_quiet(["22:30", "–", "6:15"]) == QuietHours(1350, 375)
    assert parse_quiet(["OFF"]) is OFF and parse_quiet(["tắt"]) is OFF
    for bad in (["abc"], ["22"], ["22-22"], ["25-6"], [], ["22-6-7"]):
        assert parse_quiet(bad) is None, bad
    assert parse_digest(["7:00"]) == 420 and parse_digest(["off"]) is OFF
    assert parse_digest(["25:99"]) is None and parse_digest([]) is None
    assert parse_language(["EN"]) == "en" and parse_language(["fr"]) is None
    assert (clock_text(420), clock_text(1350)) == ("7:00", "22:30")


async def test_quiet_hours_are_stored_and_bad_forms_explained(database: Database) -> None:
    async with Sandbox() as sb, running_bot(sb, database):
        lan = sb.user(1001, "Lan")
        assert (await ask(sb, lan, "/quiet 22-6")).startswith("Bạn chưa đăng ký nhận tin.")
        await ask(sb, lan, "/start")
        assert await ask(sb, lan, "/quiet 22-6") == (
            "Đã đặt giờ yên tĩnh từ 22:00 đến 6:00: tin gửi trong khoảng này sẽ đến mà không "
            "đổ chuông."
        )
        row = await stored(database, lan.chat_id)
        assert (row.quiet_start, row.quiet_end) == (1320, 360)
        for bad in ("/quiet abc", "/quiet", "/quiet 22-22", "/quiet <b>1</b>"):
            assert (await ask(sb, lan, bad)).startswith("Cách dùng: /quiet 22-6"), bad
        assert (await ask(sb, lan, "/quiet off")).startswith("Đã tắt giờ yên tĩnh")
    row = await stored(database, lan.chat_id)
    assert (row.quiet_start, row.quiet_end) == (None, None)


async def test_digest_time_is_stored_and_instant_news_continues(database: Database) -> None:
    async with Sandbox() as sb, running_bot(sb, database):
        john = sb.user(1002, "John", language_code="en")
        await ask(sb, john, "/start")
        assert await ask(sb, john, "/digest 7:00") == (
            "Your daily digest comes at 7:00: the stories since the previous one, grouped by "
            "topic. Nothing is sent on a day without news. Choose instant news, the digest only, "
            "or both in /settings."
        )
        row = await stored(database, john.chat_id)
        assert (row.digest_at, row.instant) == (420, True)
        for bad in ("/digest 25:99", "/digest", "/digest tomorrow"):
            assert (await ask(sb, john, bad)).startswith("Usage: /digest 7:00"), bad
        assert (await stored(database, john.chat_id)).digest_at == 420
        assert (await ask(sb, john, "/digest off")).startswith("The daily digest is off.")
    assert (await stored(database, john.chat_id)).digest_at is None


async def test_lang_switches_the_language_and_answers_in_it(database: Database) -> None:
    async with Sandbox() as sb, running_bot(sb, database):
        lan = sb.user(1001, "Lan")
        await ask(sb, lan, "/start")
        assert (await ask(sb, lan, "/lang en")).startswith("English chosen:")
        assert (await stored(database, lan.chat_id)).language == "en"
        # Answered in the language just chosen, not Telegram's.
        assert (await ask(sb, lan, "/lang fr")) == (
            "Usage: /lang vi – Vietnamese; /lang en – English."
        )
        assert (await ask(sb, lan, "/lang VI")).startswith("Đã chọn Tiếng Việt")
    assert (await stored(database, lan.chat_id)).language == "vi"


def button_data(message: SentMessage, text: str) -> str:
    (data,) = [b["callback_data"] for b in message.buttons if b["text"] == text]
    return str(data)


async def test_stop_asks_first_then_unsubscribes_and_cancels_queued_pushes(
    database: Database,
) -> None:
    async with Sandbox() as sb, running_bot(sb, database) as bot:
        lan = sb.user(1001, "Lan")
        await ask(sb, lan, "/start")
        await bot.push_article(lan.chat_id, 1)
        async with database.session() as session:
            session.add_all(
                [
                    Delivery(article_id=1, chat_id=lan.chat_id, kind="instant", status="pending"),
                    Delivery(article_id=1, chat_id=2002, kind="instant", status="pending"),
                ]
            )
        await lan.send("/stop")
        question = await sb.wait_for_message(lan.chat_id)
        assert (question.text or "").startswith("Bạn có chắc muốn hủy đăng ký?")
        assert [b["text"] for b in question.buttons] == ["Hủy đăng ký", "Tiếp tục nhận tin"]
        assert (await stored(database, lan.chat_id)).active, "asking must not unsubscribe"

        assert await bot.answer(await lan.tap(question, button_data(question, "Hủy đăng ký"))) == {}
        await sb.wait_until(lambda: question.edit_count == 1)
        assert (question.text or "").startswith("Bạn đã hủy đăng ký.")
        assert question.buttons == []
        # The old button again (forged: the edit removed it): answered, nothing more happens.
        assert await bot.answer(await bot.tap_data(lan, question, "stop:1")) == {}
        await sb.wait_until(lambda: question.edit_count == 2)
        assert (question.text or "").startswith("Bạn chưa đăng ký nhận tin.")
        assert bot.unanswered_queries() == []
    assert not (await stored(database, lan.chat_id)).active
    async with database.session() as session:
        rows = {r.chat_id: r.status for r in (await session.scalars(select(Delivery))).all()}
    assert rows == {lan.chat_id: "cancelled", 2002: "pending"}


async def test_stop_can_be_called_off(database: Database) -> None:
    async with Sandbox() as sb, running_bot(sb, database) as bot:
        john = sb.user(1002, "John", language_code="en")
        await ask(sb, john, "/start")
        await john.send("/stop")
        question = await sb.wait_for_message(john.chat_id)
        await bot.answer(await john.tap(question, button_data(question, "Keep the news")))
        await sb.wait_until(lambda: question.edit_count == 1)
        assert question.text == "You keep receiving the news."
    assert (await stored(database, john.chat_id)).active


async def test_a_returning_reader_is_welcomed_back_with_the_old_settings(
    database: Database,
) -> None:
    async with Sandbox() as sb, running_bot(sb, database) as bot:
        lan = sb.user(1001, "Lan")
        await ask(sb, lan, "/start")
        await ask(sb, lan, "/quiet 22-6")
        await ask(sb, lan, "/digest 6:30")
        async with database.session() as session:
            session.add_all([Topic(id=1, slug="the-thao", name="Thể thao")])
            await session.flush()
            session.add(SubscriberTopic(chat_id=lan.chat_id, topic_id=1))
            row = await session.get(Subscriber, lan.chat_id)
            assert row is not None
            row.all_topics = False
        await lan.send("/stop")
        question = await sb.wait_for_message(lan.chat_id)
        await bot.answer(await lan.tap(question, button_data(question, "Hủy đăng ký")))
        await sb.wait_until(lambda: question.edit_count == 1)

        back = await ask(sb, lan, "/start")
    assert back == (
        "Chào mừng Lan quay lại! 👋\n\n"
        "Bạn đã đăng ký lại nhận tin của Đài Phát thanh – Truyền hình Kon Tum, "
        "với các cài đặt cũ:\n"
        "• Chuyên mục: 1 chuyên mục đã chọn\n"
        "• Nhận tin: ngay khi có tin, kèm bản tin tổng hợp lúc 6:30 mỗi ngày\n"
        "• Giờ yên tĩnh: từ 22:00 đến 6:00\n"
        "• Ngôn ngữ: Tiếng Việt\n\n"
        "Gõ /help để xem các lệnh, /stop để hủy đăng ký.\n\n"
        "Chọn các chuyên mục bạn muốn nhận tin (bấm để chọn hoặc bỏ chọn), rồi bấm «Xong»."
    )
    row = await stored(database, lan.chat_id)
    assert row.active and (row.quiet_start, row.digest_at, row.all_topics) == (1320, 390, False)


async def test_settings_buttons_change_one_setting_each_and_redraw_in_place(
    database: Database,
) -> None:
    async with Sandbox() as sb, running_bot(sb, database) as bot:
        lan = sb.user(1001, "Lan")
        assert (await ask(sb, lan, "/settings")).startswith("Bạn chưa đăng ký nhận tin.")
        await ask(sb, lan, "/start")
        await ask(sb, lan, "/quiet 22-6")
        await lan.send("/settings")
        panel = await sb.wait_for_message(lan.chat_id)
        assert (panel.text or "").startswith(
            "⚙️ Cài đặt của bạn\n• Chuyên mục: tất cả chuyên mục\n"
            "• Nhận tin: ngay khi có tin\n"
            "• Giờ yên tĩnh: từ 22:00 đến 6:00\n• Ngôn ngữ: Tiếng Việt\n• Ảnh minh họa: có\n"
        )
        assert [b["text"] for b in panel.buttons] == [
            "✅ ⚡ Ngay", "📰 Bản tin", "⚡+📰 Cả hai",
            "✅ 🔕 22:00–6:00", "🔕 23:00–7:00", "🔔 Không yên tĩnh",
            "🖼 Tắt ảnh minh họa", "🌐 English",
        ]  # fmt: skip

        async def press(label: str) -> None:
            edits = panel.edit_count
            assert await bot.answer(await lan.tap(panel, button_data(panel, label))) == {}
            await sb.wait_until(lambda: panel.edit_count > edits)

        await press("📰 Bản tin")  # digest only, at 07:00 until another time is chosen
        assert "• Nhận tin: bản tin tổng hợp lúc 7:00 mỗi ngày\n" in (panel.text or "")
        assert [b["text"] for b in panel.buttons][:8] == [
            "⚡ Ngay", "✅ 📰 Bản tin", "⚡+📰 Cả hai",
            "6:00", "✅ 7:00", "12:00", "18:00", "20:00",
        ]  # fmt: skip
        row = await stored(database, lan.chat_id)
        assert (row.instant, row.digest_at) == (False, 420)
        await press("18:00")
        assert "• Nhận tin: bản tin tổng hợp lúc 18:00 mỗi ngày\n" in (panel.text or "")
        await press("⚡+📰 Cả hai")
        assert "• Nhận tin: ngay khi có tin, kèm bản tin tổng hợp lúc 18:00" in (panel.text or "")
        await press("🔕 23:00–7:00")
        assert "• Giờ yên tĩnh: từ 23:00 đến 7:00\n" in (panel.text or "")
        await press("🖼 Tắt ảnh minh họa")
        assert "• Ảnh minh họa: không (chỉ gửi chữ)" in (panel.text or "")
        await press("🔔 Không yên tĩnh")
        await press("⚡ Ngay")
        assert "• Nhận tin: ngay khi có tin\n" in (panel.text or "")
        await press("🌐 English")  # the panel is redrawn in the language chosen
        assert (panel.text or "").startswith("⚙️ Your settings\n• Topics: every topic\n")
        assert [b["text"] for b in panel.buttons] == [
            "✅ ⚡ At once", "📰 Digest", "⚡+📰 Both",
            "🔕 22:00–6:00", "🔕 23:00–7:00", "✅ 🔔 No quiet hours",
            "🖼 Photos on", "🌐 Tiếng Việt",
        ]  # fmt: skip
        stale = {"text": "This button no longer works. Type /help to see the commands."}
        for forged in ("sl:fr", "sm:weekly", "st:1440", "sqh:60:60"):
            # Answered in the language now stored for the chat.
            assert await bot.answer(await bot.tap_data(lan, panel, forged)) == stale
        assert bot.unanswered_queries() == []
        assert sb.messages(lan.chat_id)[-1] is panel
    row = await stored(database, lan.chat_id)
    assert (row.wants_images, row.quiet_start, row.digest_at, row.instant, row.language) == (
        False, None, None, True, "en",
    )  # fmt: skip


async def test_a_stored_language_choice_wins_over_telegrams(database: Database) -> None:
    async with Sandbox() as sb, running_bot(sb, database):
        lan = sb.user(1001, "Lan")  # Telegram says nothing: Vietnamese
        john = sb.user(1002, "John", language_code="en")
        await ask(sb, lan, "/start")
        await ask(sb, john, "/start")
        assert (await ask(sb, lan, "/lang en")).startswith("English chosen:")
        assert (await ask(sb, lan, "/quiet abc")).startswith("Usage: /quiet 22-6")
        assert (await ask(sb, lan, "/digest 25:99")).startswith("Usage: /digest 7:00")
        assert (await ask(sb, john, "/lang vi")).startswith("Đã chọn Tiếng Việt")
        assert (await ask(sb, john, "/quiet abc")).startswith("Cách dùng: /quiet 22-6")
