"""A real python-telegram-bot client works against the sandbox, errors included."""

from __future__ import annotations

import datetime as dt

import pytest
import telegram
from telegram.error import BadRequest, ChatMigrated, Forbidden, InvalidToken, RetryAfter

from tests.sandbox import Sandbox

KEYBOARD = telegram.InlineKeyboardMarkup(
    [[telegram.InlineKeyboardButton("Đọc bài", callback_data="read:24866")]]
)


async def test_get_me_names_the_bot(bot: telegram.Bot, sb: Sandbox) -> None:
    me = await bot.get_me()
    assert me.is_bot and me.id == int(sb.token.split(":")[0])
    assert me.username == "kontum_news_sandbox_bot"


async def test_start_arrives_as_update_with_command_entity(bot: telegram.Bot, sb: Sandbox) -> None:
    await sb.user(1001, "Lan", language_code="vi").send("/start")
    (update,) = await bot.get_updates(timeout=1)
    assert update.message is not None and update.message.text == "/start"
    assert update.message.from_user is not None
    assert update.message.from_user.language_code == "vi"
    assert update.message.chat.id == 1001
    assert [e.type for e in update.message.entities] == ["bot_command"]


async def test_sent_html_message_is_stored_with_entities(bot: telegram.Bot, sb: Sandbox) -> None:
    sb.user(1001, "Lan")
    sent = await bot.send_message(
        1001, "<b>Tin mới</b> 👋 &amp; <i>hơn</i>", parse_mode="HTML", reply_markup=KEYBOARD
    )
    assert sent.text == "Tin mới 👋 & hơn"
    assert sent.from_user is not None and sent.from_user.is_bot
    # "Tin mới 👋 & " is 13 UTF-16 units: the emoji counts as two
    assert [(e.type, e.offset, e.length) for e in sent.entities] == [
        ("bold", 0, 7),
        ("italic", 13, 3),
    ]
    (stored,) = sb.messages(1001)
    assert stored.message_id == sent.message_id and stored.parse_mode == "HTML"
    assert stored.buttons == [{"text": "Đọc bài", "callback_data": "read:24866"}]


async def test_edit_and_not_modified(bot: telegram.Bot, sb: Sandbox) -> None:
    sb.user(1001, "Lan")
    sent = await bot.send_message(1001, "bản nháp")
    edited = await bot.edit_message_text("bản chính", chat_id=1001, message_id=sent.message_id)
    assert isinstance(edited, telegram.Message) and edited.edit_date is not None
    assert sb.messages(1001)[0].text == "bản chính" and sb.messages(1001)[0].edit_count == 1
    with pytest.raises(BadRequest, match=r"(?i)not modified"):
        await bot.edit_message_text("bản chính", chat_id=1001, message_id=sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", chat_id=1001, message_id=999)


async def test_tap_button_and_answer_callback(bot: telegram.Bot, sb: Sandbox) -> None:
    user = sb.user(1001, "Lan")
    sent = await bot.send_message(1001, "Tin mới", reply_markup=KEYBOARD)
    query_id = await user.tap(sb.messages(1001)[0], "read:24866")
    (update,) = await bot.get_updates(timeout=1)
    query = update.callback_query
    assert query is not None and query.data == "read:24866" and query.id == query_id
    assert query.message is not None and query.message.message_id == sent.message_id
    assert await query.answer("Đã mở", show_alert=True)
    assert sb.callback_answer(query_id) == {"text": "Đã mở", "show_alert": True}
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await query.answer("again")


async def test_reply_from_user_refers_to_bot_message(bot: telegram.Bot, sb: Sandbox) -> None:
    user = sb.user(1001, "Lan")
    sent = await bot.send_message(1001, "Bình luận về bài này?")
    await user.reply(sb.messages(1001)[0], "Hay quá")
    (update,) = await bot.get_updates(timeout=1)
    assert update.message is not None and update.message.reply_to_message is not None
    assert update.message.reply_to_message.message_id == sent.message_id


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_rate_limit_raises_retry_after(bot: telegram.Bot, sb: Sandbox) -> None:
    sb.user(1001, "Lan")
    sb.rate_limit(1001, retry_after=7)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(1001, "x")
    assert caught.value.retry_after in (7, dt.timedelta(seconds=7))
    assert (await bot.send_message(1001, "x")).text == "x"  # times=1: the next one passes
    assert sb.stats.too_many == 1


async def test_blocked_and_deactivated_users_are_forbidden(bot: telegram.Bot, sb: Sandbox) -> None:
    sb.user(1001, "Lan")
    sb.user(1002, "Minh")
    sb.block(1001)
    sb.deactivate(1002)
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await bot.send_message(1001, "x")
    with pytest.raises(Forbidden, match=r"(?i)user is deactivated"):
        await bot.send_message(1002, "x")
    sb.unblock(1001)
    assert (await bot.send_message(1001, "x")).chat.id == 1001


async def test_migrated_group_raises_chat_migrated(bot: telegram.Bot, sb: Sandbox) -> None:
    sb.group(-4001, "Bạn đọc", supergroup=False)
    sb.migrate(-4001, -1004001)
    with pytest.raises(ChatMigrated) as caught:
        await bot.send_message(-4001, "x")
    assert caught.value.new_chat_id == -1004001
    assert (await bot.send_message(-1004001, "x")).chat.type == "supergroup"


async def test_kicked_from_channel_is_forbidden(bot: telegram.Bot, sb: Sandbox) -> None:
    channel = sb.channel(-100200, "Kon Tum TV")
    with pytest.raises(BadRequest, match=r"(?i)[Cc]hat not found"):
        await bot.send_message(channel.id, "x")  # the bot is not in the channel yet
    await sb.add_bot_to(channel, admin=True)
    post = await bot.send_message(channel.id, "Tin mới")
    assert post.sender_chat is not None and post.sender_chat.id == channel.id
    await sb.kick_bot(channel)
    with pytest.raises(Forbidden, match=r"(?i)bot was kicked from the channel chat"):
        await bot.send_message(channel.id, "x")


async def test_bad_token_is_invalid_token(sb: Sandbox) -> None:
    wrong = telegram.Bot(
        "987654321:AAwrongwrongwrongwrongwrongwrongwro", base_url=f"{sb.api_url}/bot"
    )
    with pytest.raises(InvalidToken):
        async with wrong:  # initialize() calls getMe
            pass


async def test_photo_upload_round_trips_through_get_file(bot: telegram.Bot, sb: Sandbox) -> None:
    sb.user(1001, "Lan")
    sent = await bot.send_photo(
        1001, b"\x89PNG fake image", caption="<i>Ảnh</i>", parse_mode="HTML"
    )
    assert sent.caption == "Ảnh" and sent.photo
    file = await bot.get_file(sent.photo[-1].file_id)
    assert bytes(await file.download_as_bytearray()) == b"\x89PNG fake image"


async def test_media_group_uploads_and_urls(bot: telegram.Bot, sb: Sandbox) -> None:
    sb.user(1001, "Lan")
    album = await bot.send_media_group(
        1001,
        [
            telegram.InputMediaPhoto(b"one", caption="1"),
            telegram.InputMediaPhoto("https://kontumtv.vn/a.jpg"),
        ],
    )
    assert len(album) == 2 and album[0].media_group_id == album[1].media_group_id
    with pytest.raises(BadRequest, match=r"(?i)2-10"):
        await bot.send_media_group(1001, [telegram.InputMediaPhoto(b"x")] * 11)


async def test_commands_stored_per_language(bot: telegram.Bot, sb: Sandbox) -> None:
    await bot.set_my_commands([("start", "Bắt đầu"), ("tin", "Tin mới")], language_code="vi")
    await bot.set_my_commands([("start", "Start")])
    assert [c.command for c in await bot.get_my_commands(language_code="vi")] == ["start", "tin"]
    assert sb.commands(language_code="") == [{"command": "start", "description": "Start"}]
    await bot.delete_my_commands(language_code="vi")
    assert await bot.get_my_commands(language_code="vi") == ()


async def test_command_scopes_as_the_spec_describes_them(bot: telegram.Bot, sb: Sandbox) -> None:
    sb.user(1001, "Lan")
    group = sb.group(-100123, "Bạn đọc Kon Tum", owner=1, username="bandoc_kontum")
    chat = telegram.BotCommandScopeChat(1001)
    await bot.set_my_commands([("audit", "Nhật ký")], scope=chat)
    assert [c.command for c in await bot.get_my_commands(scope=chat)] == ["audit"]
    assert await bot.get_my_commands() == ()  # another scope: untouched
    by_name = telegram.BotCommandScopeChat("@bandoc_kontum")
    await bot.set_my_commands([("start", "Bắt đầu")], scope=by_name)
    assert sb.commands({"type": "chat", "chat_id": group.id}) != []  # one scope, two spellings
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.set_my_commands([("audit", "Nhật ký")], scope=telegram.BotCommandScopeChat(7))
    channel = sb.channel(-100999, "Kênh")
    with pytest.raises(BadRequest, match=r"(?i)channel"):
        await bot.set_my_commands([("a", "b")], scope=telegram.BotCommandScopeChat(channel.id))
    with pytest.raises(BadRequest, match=r"(?i)BotCommandScope"):
        await bot.do_api_request("setMyCommands", {"commands": [], "scope": {"type": "chats"}})
    with pytest.raises(BadRequest, match=r"(?i)BotCommandScope"):
        await bot.do_api_request("setMyCommands", {"commands": [], "scope": {"type": "chat"}})
    await bot.delete_my_commands(scope=chat)
    assert await bot.get_my_commands(scope=chat) == ()


async def test_chat_info_and_members(bot: telegram.Bot, sb: Sandbox) -> None:
    user = sb.user(1001, "Lan")
    group = sb.group(-100123, "Bạn đọc Kon Tum", owner=1)
    await user.join(group, admin=True)
    assert (await bot.get_chat(group.id)).title == "Bạn đọc Kon Tum"
    member = await bot.get_chat_member(group.id, 1001)
    assert member.status == "administrator"
    admins = await bot.get_chat_administrators(group.id)
    assert {a.user.id for a in admins} == {1, 1001}
    await user.leave(group)
    assert (await bot.get_chat_member(group.id, 1001)).status == "left"


async def test_ptb_application_answers_start_over_long_polling(sb: Sandbox) -> None:
    from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

    async def start(update: telegram.Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None
        await context.bot.send_message(update.effective_chat.id, "Chào bạn!", reply_markup=KEYBOARD)

    async def tapped(update: telegram.Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.callback_query is not None
        await update.callback_query.answer("Đang mở bài")

    app = Application.builder().token(sb.token).base_url(f"{sb.api_url}/bot").build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(tapped))
    user = sb.user(1001, "Lan")
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        await user.send("/start")
        greeting = await sb.wait_for_message(user.chat_id)
        query_id = await user.tap(greeting, "read:24866")
        await sb.wait_until(lambda: sb.callback_answer(query_id) is not None)
        await app.updater.stop()
        await app.stop()
    assert greeting.text == "Chào bạn!"
    assert sb.callback_answer(query_id) == {"text": "Đang mở bài"}
    assert all(call.ok for call in sb.calls), [c for c in sb.calls if not c.ok]
