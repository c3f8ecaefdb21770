"""/start, /stop, /help and what is not a command, through the real application in-process."""

from __future__ import annotations

from storage.db import Database
from storage.models import Subscriber
from tests.harness import running_bot
from tests.sandbox import Sandbox


async def subscriber(database: Database, chat_id: int) -> Subscriber | None:
    async with database.session() as session:
        return await session.get(Subscriber, chat_id)


async def test_start_welcomes_a_new_reader_then_a_returning_one(database: Database) -> None:
    async with Sandbox() as sb, running_bot(sb, database):
        lan = sb.user(1001, "Lan", language_code="vi")
        await lan.send("/start")
        first = (await sb.wait_for_message(lan.chat_id)).text or ""
        assert first.startswith("Xin chào Lan!") and "đã đăng ký nhận tin mới" in first
        await lan.send("/start")
        again = (await sb.wait_for_message(lan.chat_id)).text or ""
        assert again.startswith("Chào mừng Lan quay lại!")

        john = sb.user(1002, "John", language_code="en-GB")
        await john.send("/start")
        hello = (await sb.wait_for_message(john.chat_id)).text or ""
        assert hello.startswith("Hello John!") and "subscribed" in hello
    stored = await subscriber(database, 1002)
    assert stored is not None and stored.active and stored.language == "en"


async def test_a_name_that_looks_like_html_is_shown_literally(database: Database) -> None:
    async with Sandbox() as sb, running_bot(sb, database):
        odd = sb.user(1003, "<b>Tú</b> & co", language_code="vi")
        await odd.send("/start")
        welcome = (await sb.wait_for_message(odd.chat_id)).text or ""
    assert welcome.startswith("Xin chào <b>Tú</b> & co!")


async def test_start_in_a_group_welcomes_the_group(database: Database) -> None:
    async with Sandbox() as sb, running_bot(sb, database):
        lan = sb.user(1001, "Lan")
        group = sb.group(-100500, "Hội nông dân Đăk Hà", owner=lan.id)
        await lan.send_to(group, "/start")
        welcome = (await sb.wait_for_message(group)).text or ""
        assert welcome.startswith("Xin chào! Nhóm này đã đăng ký nhận tin mới")
    stored = await subscriber(database, group.id)
    assert stored is not None and stored.active and stored.chat_type == "supergroup"


# /stop's confirmation and what it cancels: tests/handlers/test_settings.py


async def test_stop_without_a_subscription_says_so_in_english(database: Database) -> None:
    async with Sandbox() as sb, running_bot(sb, database):
        john = sb.user(1002, "John", language_code="en")
        await john.send("/stop")
        text = (await sb.wait_for_message(john.chat_id)).text or ""
    assert text == "You are not subscribed. Type /start to subscribe."
    assert await subscriber(database, john.chat_id) is None


async def test_help_lists_the_commands_in_the_readers_language(database: Database) -> None:
    async with Sandbox() as sb, running_bot(sb, database):
        lan, john = sb.user(1001, "Lan"), sb.user(1002, "John", language_code="en")
        await lan.send("/help")
        await john.send("/help")
        vi = (await sb.wait_for_message(lan.chat_id)).text or ""
        en = (await sb.wait_for_message(john.chat_id)).text or ""
    assert "Các lệnh" in vi and "/stop – hủy đăng ký" in vi
    assert "Commands" in en and "/stop – unsubscribe" in en


async def test_an_edited_message_never_runs_a_command(database: Database) -> None:
    async with Sandbox() as sb, running_bot(sb, database) as bot:
        lan = sb.user(1001, "Lan")
        await lan.send("/start")
        await sb.wait_for_message(lan.chat_id)
        hello = await lan.send("chào bot")
        assert (await sb.wait_for_message(lan.chat_id)).text  # the hint for plain text
        await bot.edit(lan, hello, "/stop")
        await bot.message_handled(hello, edited=True)
        await bot.edit(lan, hello, "/whatever")
        await bot.message_handled(hello, edited=True)
        assert [m.text for m in sb.messages(lan.chat_id)][2:] == []
    stored = await subscriber(database, lan.chat_id)
    assert stored is not None and stored.active, "an edit into /stop unsubscribed the reader"


async def test_unknown_commands_and_plain_text_point_at_help_in_private(
    database: Database,
) -> None:
    async with Sandbox() as sb, running_bot(sb, database):
        lan, john = sb.user(1001, "Lan"), sb.user(1002, "John", language_code="en")
        await lan.send("/thoitiet")
        assert (await sb.wait_for_message(lan.chat_id)).text == (
            "Bot không hiểu lệnh này. Gõ /help để xem các lệnh."
        )
        for text in ("cho tôi xem tin mới", "👍🎉"):
            await lan.send(text)
            hint = (await sb.wait_for_message(lan.chat_id)).text or ""
            assert hint == "Bot chưa hiểu tin nhắn này. Gõ /help để xem bot làm được gì."
        await john.send("hello?")
        hint = (await sb.wait_for_message(john.chat_id)).text or ""
        assert hint == "The bot does not understand this message. Type /help to see what it can do."


async def test_in_groups_the_bot_stays_silent_about_what_is_not_for_it(
    database: Database,
) -> None:
    async with Sandbox() as sb, running_bot(sb, database) as bot:
        lan = sb.user(1001, "Lan")
        group = sb.group(-100500, "Nhóm", owner=lan.id)
        for text in ("mọi người ơi 👋", "/thoitiet", "/start@OtherBot"):
            sent = await lan.send_to(group, text)
            await bot.message_handled(sent)
        assert sb.messages(group) == []
    assert await subscriber(database, group.id) is None


async def test_a_failing_handler_apologises_in_the_readers_language(
    database: Database,
) -> None:
    async def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("database went away")

    async with Sandbox() as sb, running_bot(sb, database) as bot:
        services = bot.application.bot_data["services"]
        services.subscriptions.subscribe = broken
        lan, john = sb.user(1001, "Lan"), sb.user(1002, "John", language_code="en")
        await lan.send("/start")
        await john.send("/start")
        vi = (await sb.wait_for_message(lan.chat_id)).text
        en = (await sb.wait_for_message(john.chat_id)).text
    assert vi == "Xin lỗi, đã có lỗi xảy ra. Bạn vui lòng thử lại sau ít phút."
    assert en == "Sorry, something went wrong. Please try again in a few minutes."


async def test_every_call_the_bot_makes_is_valid(database: Database) -> None:
    async with Sandbox() as sb, running_bot(sb, database):
        lan = sb.user(1001, "Lan")
        for text in ("/start", "/help", "/stop", "/nope", "xin chào"):
            await lan.send(text)
            await sb.wait_for_message(lan.chat_id)
    refused = [c for c in sb.calls if not c.ok and c.method.lower() != "getupdates"]
    assert refused == []


async def test_a_reader_without_a_first_name_is_addressed_in_their_language(
    database: Database,
) -> None:
    async with Sandbox() as sb, running_bot(sb, database):
        anh, amy = sb.user(1004, "", language_code="vi"), sb.user(1005, "", language_code="en")
        await anh.send("/start")
        await amy.send("/start")
        vi = (await sb.wait_for_message(anh.chat_id)).text or ""
        en = (await sb.wait_for_message(amy.chat_id)).text or ""
    assert vi.startswith("Xin chào bạn!") and en.startswith("Hello friend!")
