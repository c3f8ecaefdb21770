"""/topics: the section picker, ticked with ✅ and edited in place as the reader taps."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler

from bot.callbacks import (
    AllTopicsButton,
    TopicButton,
    TopicsDoneButton,
    decode_as,
    encode,
    matches,
)
from bot.context import BotContext
from bot.guard import group_admins_only
from bot.handlers.common import command
from bot.i18n import t
from bot.services.topics import Picker, Refused

log = logging.getLogger(__name__)
PER_ROW = 2  # Vietnamese section names are long ("Quốc phòng - An ninh"): two fit a phone row


def keyboard(picker: Picker, locale: str) -> InlineKeyboardMarkup:
    """One button per section (✅ when followed), then "Tất cả" and "Xong"."""
    sections = [
        InlineKeyboardButton(
            ("✅ " if ref.slug in picker.chosen else "") + ref.name,
            callback_data=encode(TopicButton(ref.slug)),
        )
        for ref in picker.sections
    ]
    rows = [sections[i : i + PER_ROW] for i in range(0, len(sections), PER_ROW)]
    every = ("✅ " if picker.all_topics else "") + t("topics.all", locale)
    rows.append(
        [
            InlineKeyboardButton(every, callback_data=encode(AllTopicsButton())),
            InlineKeyboardButton(
                t("topics.done", locale), callback_data=encode(TopicsDoneButton())
            ),
        ]
    )
    return InlineKeyboardMarkup(rows)


def _refusal(refused: Refused, locale: str) -> str:
    match refused:
        case Refused.NOT_SUBSCRIBED:
            return t("settings.not_subscribed", locale)
        case Refused.UNKNOWN_TOPIC:
            return t("topics.unknown", locale)


@group_admins_only
async def topics(update: Update, context: BotContext) -> None:
    """Open the picker."""
    chat, message = update.effective_chat, update.effective_message
    if chat is None or message is None:
        return
    picker = await context.services.topics.picker(chat.id)
    if isinstance(picker, Refused):
        await message.reply_text(_refusal(picker, context.locale))
        return
    await message.reply_text(
        t("topics.prompt", context.locale), reply_markup=keyboard(picker, context.locale)
    )


async def _show(update: Update, context: BotContext, picker: Picker | Refused) -> None:
    query = update.callback_query
    assert query is not None
    if isinstance(picker, Refused):
        await query.answer(_refusal(picker, context.locale), show_alert=True)
        return
    await query.answer()
    try:
        await query.edit_message_reply_markup(keyboard(picker, context.locale))
    except BadRequest as error:  # "message is not modified": "Tất cả" tapped when it was on
        log.info("topic picker not edited: %s", error.message)


@group_admins_only
async def toggle_topic(update: Update, context: BotContext) -> None:
    """A section tapped: tick or untick it."""
    query = update.callback_query
    if query is None or query.message is None:
        return
    slug = decode_as(query.data, TopicButton).slug
    await _show(update, context, await context.services.topics.toggle(query.message.chat.id, slug))


@group_admins_only
async def all_topics(update: Update, context: BotContext) -> None:
    """ "Tất cả" tapped: follow every topic."""
    query = update.callback_query
    if query is None or query.message is None:
        return
    await _show(update, context, await context.services.topics.choose_all(query.message.chat.id))


@group_admins_only
async def topics_done(update: Update, context: BotContext) -> None:
    """ "Xong" tapped: close the picker with what is saved."""
    query = update.callback_query
    if query is None or query.message is None:
        return
    picker = await context.services.topics.picker(query.message.chat.id)
    if isinstance(picker, Refused):
        await query.answer(_refusal(picker, context.locale), show_alert=True)
        return
    if picker.all_topics:
        text = t("topics.saved_all", context.locale)
    else:
        text = t("topics.saved_some", context.locale, names=", ".join(picker.names()))
    await query.answer()
    await query.edit_message_text(text)


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(command("topics", topics))
    application.add_handler(CallbackQueryHandler(toggle_topic, pattern=matches(TopicButton)))
    application.add_handler(CallbackQueryHandler(all_topics, pattern=matches(AllTopicsButton)))
    application.add_handler(CallbackQueryHandler(topics_done, pattern=matches(TopicsDoneButton)))
