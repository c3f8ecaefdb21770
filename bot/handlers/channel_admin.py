"""Admins' channel screens: /channels (a card per channel with its settings as buttons),
/addchannel, /pausechannel, /resumechannel, /removechannel. All behind the guard."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    MessageOriginChannel,
    Update,
)
from telegram.constants import ParseMode
from telegram.ext import Application, CallbackQueryHandler

from bot import callbacks
from bot.admin_buttons import ALL_TOPICS, ChannelButton, ChannelOp, ChannelTopicButton
from bot.channel_lookup import TelegramChats
from bot.context import BotContext
from bot.guard import requires
from bot.handlers.common import command
from bot.i18n import Markup, t, t_html
from bot.services.channels import (
    Added,
    ChannelView,
    Refusal,
    Refused,
    Setting,
    parse_channel_ref,
)
from bot.services.topics import TopicRef
from storage.enums import CommentMode, Role

_SETTINGS = {ChannelOp.IMAGES: Setting.IMAGES, ChannelOp.SILENT: Setting.SILENT,
             ChannelOp.COMMENTS: Setting.COMMENTS}  # fmt: skip


# ------------------------------------------------------------------------------- views


def _status(view: ChannelView, locale: str) -> str:
    if view.active:
        return t("channels.status.active", locale)
    if view.paused:
        return t("channels.status.paused", locale)
    return t("channels.status.lost", locale)


def _topic(view: ChannelView, locale: str) -> str:
    return view.topic.name if view.topic is not None else t("channels.topic_all", locale)


def _on_off(on: bool, locale: str) -> str:
    return t("channels.on", locale) if on else t("channels.off", locale)


def _comments(view: ChannelView, locale: str) -> str:
    if view.comment_mode is CommentMode.NATIVE:
        return t("channels.comments_native", locale)
    return t("channels.comments_button", locale)


def card_text(view: ChannelView, locale: str) -> Markup:
    return t_html(
        "channels.card",
        locale,
        name=view.name,
        id=str(view.chat_id),
        status=_status(view, locale),
        topic=_topic(view, locale),
        images=_on_off(view.images, locale),
        silent=_on_off(view.silent, locale),
        comments=_comments(view, locale),
    )


def _button(label: str, payload: object) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=callbacks.encode(payload))


def card_buttons(view: ChannelView, locale: str) -> InlineKeyboardMarkup:
    chat = view.chat_id
    if view.images:
        images = t("channels.button.images_off", locale)
    else:
        images = t("channels.button.images_on", locale)
    if view.silent:
        silent = t("channels.button.silent_off", locale)
    else:
        silent = t("channels.button.silent_on", locale)
    if view.comment_mode is CommentMode.NATIVE:
        comments = t("channels.button.comments_button", locale)
    else:
        comments = t("channels.button.comments_native", locale)
    if view.active:
        state = _button(t("channels.button.pause", locale), ChannelButton(chat, ChannelOp.PAUSE))
    else:
        state = _button(t("channels.button.resume", locale), ChannelButton(chat, ChannelOp.RESUME))
    topics = t("channels.button.topics", locale, topic=_topic(view, locale))
    return InlineKeyboardMarkup(
        [
            [
                _button(images, ChannelButton(chat, ChannelOp.IMAGES)),
                _button(silent, ChannelButton(chat, ChannelOp.SILENT)),
            ],
            [_button(comments, ChannelButton(chat, ChannelOp.COMMENTS))],
            [_button(topics, ChannelButton(chat, ChannelOp.TOPICS))],
            [
                state,
                _button(t("channels.button.remove", locale), ChannelButton(chat, ChannelOp.REMOVE)),
            ],
        ]
    )


def topic_buttons(
    view: ChannelView, sections: Sequence[TopicRef], context: BotContext
) -> InlineKeyboardMarkup:
    locale, chat = context.locale, view.chat_id
    chosen = view.topic.slug if view.topic is not None else ALL_TOPICS

    def mark(label: str, slug: str) -> str:
        return f"✅ {label}" if slug == chosen else label

    rows = [
        [_button(mark(ref.name, ref.slug), ChannelTopicButton(chat, ref.slug))] for ref in sections
    ]
    rows.append(
        [_button(mark(t("channels.topic_all", locale), ALL_TOPICS),
                 ChannelTopicButton(chat, ALL_TOPICS))]
    )  # fmt: skip
    rows.append([_button(t("channels.button.back", locale), ChannelButton(chat, ChannelOp.BACK))])
    return InlineKeyboardMarkup(rows)


def confirm_buttons(view: ChannelView, locale: str) -> InlineKeyboardMarkup:
    chat = view.chat_id
    return InlineKeyboardMarkup(
        [
            [
                _button(t("channels.button.remove_yes", locale),
                        ChannelButton(chat, ChannelOp.REMOVE_YES)),
                _button(t("channels.button.keep", locale), ChannelButton(chat, ChannelOp.BACK)),
            ]
        ]
    )  # fmt: skip


def refusal_text(refused: Refused, locale: str) -> str:
    name = refused.name
    match refused.reason:
        case Refusal.NOT_FOUND:
            return t("channels.refused.not_found", locale, name=name)
        case Refusal.NOT_A_CHANNEL:
            return t("channels.refused.not_a_channel", locale, name=name)
        case Refusal.BOT_NOT_ADMIN:
            return t("channels.refused.bot_not_admin", locale, name=name)
        case Refusal.BOT_CANNOT_POST:
            return t("channels.refused.bot_cannot_post", locale, name=name)
        case Refusal.REQUESTER_NOT_ADMIN:
            return t("channels.refused.requester_not_admin", locale, name=name)
        case Refusal.UNAVAILABLE:
            return t("channels.refused.unavailable", locale, name=name)


# ------------------------------------------------------------------------------- commands


def _target(message: Message, args: list[str]) -> int | str | None:
    """The channel a command names: its argument, or the channel of a forwarded post the
    command replies to."""
    if args:
        return parse_channel_ref(args[0])
    replied = message.reply_to_message
    origin = replied.forward_origin if replied is not None else None
    if isinstance(origin, MessageOriginChannel):
        return origin.chat.id
    return None


async def _reply_card(message: Message, view: ChannelView, locale: str) -> None:
    await message.reply_text(
        card_text(view, locale), parse_mode=ParseMode.HTML, reply_markup=card_buttons(view, locale)
    )


@requires(Role.ADMIN)
async def list_channels(update: Update, context: BotContext) -> None:
    """/channels: one card per channel, its settings as buttons."""
    message = update.effective_message
    if message is None:
        return
    views = await context.services.channel_admin.list()
    if not views:
        await message.reply_text(t("channels.none", context.locale))
    for view in views:
        await _reply_card(message, view, context.locale)


@requires(Role.ADMIN)
async def add_channel(update: Update, context: BotContext) -> None:
    """/addchannel @name, -100… or a reply to a forwarded post: add after checking rights."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    target = _target(message, context.args or [])
    if target is None:
        await message.reply_text(t("channels.add_usage", context.locale))
        return
    result = await context.services.channel_admin.add(user.id, target, TelegramChats(context.bot))
    if isinstance(result, Refused):
        await message.reply_text(refusal_text(result, context.locale))
        return
    assert isinstance(result, Added)
    name = result.channel.name
    if result.again:
        await message.reply_text(t("channels.added_again", context.locale, name=name))
    else:
        await message.reply_text(t("channels.added", context.locale, name=name))
    await _reply_card(message, result.channel, context.locale)


async def _named_channel(update: Update, context: BotContext, name: str) -> ChannelView | None:
    """The registered channel a command names, or None after telling the admin why not."""
    message = update.effective_message
    assert message is not None
    target = _target(message, context.args or [])
    if target is None:
        await message.reply_text(t("channels.command_usage", context.locale, command=name))
        return None
    view = await context.services.channel_admin.find(target)
    if view is None:
        await message.reply_text(t("channels.unknown", context.locale, name=str(target)))
    return view


@requires(Role.ADMIN)
async def pause_channel(update: Update, context: BotContext) -> None:
    """/pausechannel @name: stop posting there (queued posts are cancelled)."""
    view = await _named_channel(update, context, "pausechannel")
    user, message = update.effective_user, update.effective_message
    if view is None or user is None or message is None:
        return
    await context.services.channel_admin.pause(user.id, view.chat_id)
    await message.reply_text(t("channels.paused", context.locale, name=view.name))


@requires(Role.ADMIN)
async def resume_channel(update: Update, context: BotContext) -> None:
    """/resumechannel @name: post again, if the bot still may."""
    view = await _named_channel(update, context, "resumechannel")
    user, message = update.effective_user, update.effective_message
    if view is None or user is None or message is None:
        return
    resumed = await context.services.channel_admin.resume(
        user.id, view.chat_id, TelegramChats(context.bot)
    )
    if isinstance(resumed, Refused):
        await message.reply_text(refusal_text(resumed, context.locale))
        return
    await message.reply_text(t("channels.resumed", context.locale, name=view.name))


@requires(Role.ADMIN)
async def remove_channel(update: Update, context: BotContext) -> None:
    """/removechannel @name: ask for confirmation (a button) before forgetting the channel."""
    view = await _named_channel(update, context, "removechannel")
    message = update.effective_message
    if view is None or message is None:
        return
    await message.reply_text(
        t("channels.remove_confirm", context.locale, name=view.name),
        reply_markup=confirm_buttons(view, context.locale),
    )


# ------------------------------------------------------------------------------- buttons


async def _show(message: object, text: str, markup: InlineKeyboardMarkup | None) -> None:
    """Redraw the tapped message (nothing when it already shows this)."""
    if not isinstance(message, Message):
        return
    if message.text_html == text and message.reply_markup == markup:
        return
    await message.edit_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)


@requires(Role.ADMIN)
async def channel_tapped(update: Update, context: BotContext) -> None:
    """A button under a channel's card: change the setting and redraw the card."""
    query = update.callback_query
    if query is None:
        return
    tapped = callbacks.decode_as(query.data, ChannelButton)
    admin, actor, locale = context.services.channel_admin, query.from_user.id, context.locale
    view: ChannelView | Refused | None
    match tapped.op:
        case ChannelOp.IMAGES | ChannelOp.SILENT | ChannelOp.COMMENTS:
            view = await admin.toggle(actor, tapped.chat_id, _SETTINGS[tapped.op])
        case ChannelOp.PAUSE:
            view = await admin.pause(actor, tapped.chat_id)
        case ChannelOp.RESUME:
            view = await admin.resume(actor, tapped.chat_id, TelegramChats(context.bot))
        case ChannelOp.REMOVE_YES:
            view = await admin.get(tapped.chat_id)
            if view is None or not await admin.remove(actor, tapped.chat_id):
                await query.answer(t("channels.gone", locale))
                return
            await query.answer()
            await _show(query.message, t_html("channels.removed", locale, name=view.name), None)
            return
        case ChannelOp.TOPICS | ChannelOp.REMOVE | ChannelOp.BACK:
            view = await admin.get(tapped.chat_id)
    if view is None:
        await query.answer(t("channels.gone", locale), show_alert=True)
        return
    if isinstance(view, Refused):
        await query.answer(refusal_text(view, locale), show_alert=True)
        return
    await query.answer()
    match tapped.op:
        case ChannelOp.TOPICS:
            await _show(
                query.message,
                card_text(view, locale),
                topic_buttons(view, await context.services.channel_admin.sections(), context),
            )
        case ChannelOp.REMOVE:
            text = t_html("channels.remove_confirm", locale, name=view.name)
            await _show(query.message, text, confirm_buttons(view, locale))
        case _:
            await _show(query.message, card_text(view, locale), card_buttons(view, locale))


@requires(Role.ADMIN)
async def channel_topic_tapped(update: Update, context: BotContext) -> None:
    """A section in a channel's topic picker: post only that section (or every topic)."""
    query = update.callback_query
    if query is None:
        return
    tapped = callbacks.decode_as(query.data, ChannelTopicButton)
    slug = None if tapped.slug == ALL_TOPICS else tapped.slug
    view = await context.services.channel_admin.set_topic(query.from_user.id, tapped.chat_id, slug)
    if view is None:
        await query.answer(t("button.invalid", context.locale), show_alert=True)
        return
    await query.answer(t("channels.saved", context.locale))
    await _show(query.message, card_text(view, context.locale), card_buttons(view, context.locale))


def admin_menu(locale: str) -> list[BotCommand]:
    """This module's entries of the admins' command menu (for the per-role menu)."""
    return [
        BotCommand("channels", t("command.channels", locale)),
        BotCommand("addchannel", t("command.addchannel", locale)),
        BotCommand("pausechannel", t("command.pausechannel", locale)),
        BotCommand("resumechannel", t("command.resumechannel", locale)),
        BotCommand("removechannel", t("command.removechannel", locale)),
    ]


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(command("channels", list_channels))
    application.add_handler(command("addchannel", add_channel))
    application.add_handler(command("pausechannel", pause_channel))
    application.add_handler(command("resumechannel", resume_channel))
    application.add_handler(command("removechannel", remove_channel))
    application.add_handler(
        CallbackQueryHandler(channel_tapped, pattern=callbacks.matches(ChannelButton))
    )
    application.add_handler(
        CallbackQueryHandler(channel_topic_tapped, pattern=callbacks.matches(ChannelTopicButton))
    )
