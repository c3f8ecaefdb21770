"""Admins' broadcasts: /broadcast, the announcement message, Gửi / Hủy, /broadcast cancel.

The admin's next message after /broadcast is the announcement. It is caught in a handler
group before every feature's (``COMPOSE_GROUP``), which looks up the stored conversation; a
message that is not one goes on to the features untouched, one taken ends the update there
(``ApplicationHandlerStop``), so the comment and fallback handlers never answer it too.
"""

from __future__ import annotations

from telegram import (
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    Update,
)
from telegram.constants import ParseMode
from telegram.ext import Application, ApplicationHandlerStop, CallbackQueryHandler, MessageHandler
from telegram.ext import filters as f

from bot import callbacks
from bot.callbacks import BroadcastButton
from bot.context import BotContext
from bot.delivery.messages import render_message
from bot.guard import requires
from bot.handlers.common import NEW_MESSAGES, command
from bot.i18n import format_number, t, tn
from bot.services.broadcasts import TEXT_LIMIT, Begun, Composed, Decided, Preview, Stopped
from storage.enums import MessageKind, Role

# After ``bot.handlers.people`` (-10: remembers every sender) and before every feature (0): one
# handler per group runs, so sharing people's group would hide the announcement.
COMPOSE_GROUP = -5
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
# In a group the bot (privacy mode) sees only replies to it: the prompt asks for one, from the
# admin alone (selective: the prompt quotes their /broadcast).
_ASK = ForceReply(selective=True)
_MESSAGES = NEW_MESSAGES & ~f.COMMAND & ~f.StatusUpdate.ALL & ~f.ChatType.CHANNEL


@requires(Role.ADMIN)
async def broadcast(update: Update, context: BotContext) -> None:
    """/broadcast [topic <slug>] starts one; /broadcast cancel stops the one being sent."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    args, locale = context.args or [], context.locale
    if args == ["cancel"]:
        stopped = await context.services.broadcasts.cancel_running(user.id)
        await message.reply_text(stopped_text(stopped, locale))
        return
    if args and (len(args) != 2 or args[0] != "topic"):
        await message.reply_text(t("broadcast.usage", locale))
        return
    slug = args[1] if args else None
    begun, topic = await context.services.broadcasts.begin(message.chat.id, user.id, locale, slug)
    match begun:
        case Begun.UNKNOWN_TOPIC:
            await message.reply_text(t("broadcast.unknown_topic", locale, slug=slug))
        case Begun.WAITING if topic is None:
            await message.reply_text(t("broadcast.compose", locale), reply_markup=_ASK)
        case Begun.WAITING:
            text = t("broadcast.compose_topic", locale, topic=topic)
            await message.reply_text(text, reply_markup=_ASK)


async def maybe_announcement(update: Update, context: BotContext) -> None:
    """Any message: the announcement when its author is composing one in this chat."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    if not await context.services.broadcasts.composing(message.chat.id, user.id):
        return  # everybody else's messages go on to the features
    await announcement(update, context)
    raise ApplicationHandlerStop


@requires(Role.ADMIN)
async def announcement(update: Update, context: BotContext) -> None:
    """The announcement (text, or one photo with its caption): preview it, ask Gửi / Hủy."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    photo = message.photo[-1].file_id if message.photo else None
    text = message.caption if photo else message.text
    preview = await context.services.broadcasts.compose(message.chat.id, user.id, text, photo)
    locale = context.locale
    match preview.outcome:
        case Composed.EMPTY:
            await message.reply_text(t("broadcast.empty", locale))
        case Composed.TOO_LONG:
            limit = format_number(TEXT_LIMIT, locale)
            await message.reply_text(t("broadcast.too_long", locale, max=limit))
        case Composed.PREVIEW:
            await send_preview(message, preview, context)


async def send_preview(message: Message, preview: Preview, context: BotContext) -> None:
    """The announcement exactly as subscribers get it (the outbox's renderer), then the
    question with its buttons."""
    assert preview.payload is not None
    locale = context.locale
    rendered = render_message(
        MessageKind.BROADCAST, preview.payload_text, locale=locale,
        with_image=True, tz=context.services.settings.timezone,
    )  # fmt: skip
    if rendered.photo_url is not None and rendered.caption is not None:
        await message.reply_photo(
            rendered.photo_url, caption=rendered.caption, parse_mode=ParseMode.HTML
        )
    else:
        await message.reply_text(
            rendered.text, parse_mode=ParseMode.HTML, link_preview_options=_NO_PREVIEW
        )
    lines = [confirm_text(preview, locale)]
    if "photo" in preview.payload and rendered.photo_url is None:
        lines.append(t("broadcast.photo_dropped", locale))
    await message.reply_text("\n\n".join(lines), reply_markup=confirm_buttons(preview, locale))


def confirm_text(preview: Preview, locale: str) -> str:
    if preview.topic is None:
        return tn("broadcast.confirm", preview.recipients, locale)
    return tn("broadcast.confirm_topic", preview.recipients, locale, topic=preview.topic)


def confirm_buttons(preview: Preview, locale: str) -> InlineKeyboardMarkup:
    def one(send: bool, label: str) -> InlineKeyboardButton:
        data = callbacks.encode(BroadcastButton(preview.broadcast_id, send))
        return InlineKeyboardButton(label, callback_data=data)

    send = one(True, t("broadcast.button_send", locale))
    return InlineKeyboardMarkup([[send, one(False, t("broadcast.button_cancel", locale))]])


@requires(Role.ADMIN)
async def decided(update: Update, context: BotContext) -> None:
    """Gửi / Hủy under a preview: send it through the outbox, or drop it."""
    query = update.callback_query
    if query is None:
        return
    button = callbacks.decode_as(query.data, BroadcastButton)
    message = query.message
    chat_id = message.chat.id if message is not None else 0
    decision = await context.services.broadcasts.decide(
        button.broadcast_id, chat_id, query.from_user.id, send=button.send
    )
    locale = context.locale
    count = format_number(decision.recipients, locale)
    match decision.outcome:
        case Decided.INVALID:
            await query.answer(t("button.invalid", locale))
            return
        case Decided.STALE:
            await query.answer(t("broadcast.stale", locale), show_alert=True)
            return
        case Decided.BUSY:
            await query.answer(t("broadcast.busy", locale), show_alert=True)
            return
        case Decided.NOBODY:
            await query.answer(t("broadcast.nobody", locale), show_alert=True)
            return
        case Decided.STARTED:
            await query.answer(t("broadcast.started_short", locale))
            text = tn("broadcast.started", decision.recipients, locale, count=count)
        case Decided.DISCARDED:
            await query.answer()
            text = t("broadcast.discarded", locale)
    if isinstance(message, Message):
        await message.edit_text(text)


def stopped_text(stopped: Stopped, locale: str) -> str:
    if stopped.broadcasts == 0:
        return t("broadcast.nothing_to_cancel", locale)
    return t("broadcast.stopped", locale, count=format_number(stopped.cancelled, locale))


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(command("broadcast", broadcast))
    application.add_handler(
        CallbackQueryHandler(decided, pattern=callbacks.matches(BroadcastButton))
    )
    application.add_handler(MessageHandler(_MESSAGES, maybe_announcement), group=COMPOSE_GROUP)
