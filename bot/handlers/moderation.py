"""Moderators' side of comments: the card's buttons, /pending, /unban (all behind the guard)."""

from __future__ import annotations

import json
from typing import Any

from telegram import Message, Update
from telegram.constants import ParseMode
from telegram.ext import Application, CallbackQueryHandler

from bot import callbacks
from bot.comment_buttons import ModerateButton
from bot.context import BotContext
from bot.delivery.messages import render_message
from bot.guard import requires
from bot.handlers.common import command
from bot.i18n import t
from bot.services.moderation import Outcome
from storage.enums import MessageKind, ModerationAction, Role


def _done_text(action: ModerationAction, locale: str) -> str:
    match action:
        case ModerationAction.APPROVE:
            return t("moderation.approved", locale)
        case ModerationAction.REJECT:
            return t("moderation.rejected", locale)
        case ModerationAction.BAN:
            return t("moderation.banned", locale)


def _card(payload: dict[str, Any], context: BotContext) -> tuple[str, Any]:
    settings = context.services.settings
    rendered = render_message(
        MessageKind.COMMENT_CARD, json.dumps(payload, ensure_ascii=False, sort_keys=True),
        locale=context.locale, with_image=False, tz=settings.timezone,
    )  # fmt: skip
    return rendered.text, rendered.reply_markup


def _carries(message: Message, data: str | None) -> bool:
    """Whether the message has the tapped button (it is a card /pending sent)."""
    markup = message.reply_markup
    rows = markup.inline_keyboard if markup is not None else ()
    return any(button.callback_data == data for row in rows for button in row)


@requires(Role.MODERATOR)
async def moderate_tapped(update: Update, context: BotContext) -> None:
    """✅ / ❌ / 🚫 on a card: one decision per comment, the card shows who and when."""
    query = update.callback_query
    if query is None:
        return
    button = callbacks.decode_as(query.data, ModerateButton)
    user = query.from_user
    decided = await context.services.moderation.decide(
        button.comment_id, button.action, moderator_id=user.id, moderator_name=user.full_name
    )
    match decided.outcome:
        case Outcome.GONE:
            await query.answer(t("moderation.gone", context.locale), show_alert=True)
            return
        case Outcome.STALE:
            await query.answer(t("moderation.stale", context.locale), show_alert=True)
        case Outcome.DONE:
            assert decided.action is not None
            await query.answer(_done_text(decided.action, context.locale))
    message = query.message
    if not isinstance(message, Message) or decided.card is None:
        return
    if (message.chat.id, message.message_id) in decided.card_messages:
        return  # the outbox edits the admin chat's card itself
    if not _carries(message, query.data):
        return  # forged data on some other message: never turn it into a card
    text, markup = _card(decided.card, context)
    if message.text_html != text:
        await message.edit_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)


@requires(Role.MODERATOR)
async def pending(update: Update, context: BotContext) -> None:
    """/pending: the comments waiting, oldest first, each with its buttons."""
    message = update.effective_message
    if message is None:
        return
    total, cards = await context.services.moderation.pending()
    if total == 0:
        await message.reply_text(t("moderation.pending_none", context.locale))
        return
    await message.reply_text(
        t("moderation.pending_count", context.locale, count=total, shown=len(cards))
    )
    for card in cards:
        text, markup = _card(card, context)
        await message.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)


@requires(Role.MODERATOR)
async def unban(update: Update, context: BotContext) -> None:
    """/unban <user id>: the reader may comment again."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    args = context.args or []
    if len(args) != 1 or not args[0].isdigit():
        await message.reply_text(
            t("moderation.unban_usage", context.locale), parse_mode=ParseMode.HTML
        )
        return
    target = int(args[0])
    lifted = await context.services.moderation.unban(target, moderator_id=user.id)
    await message.reply_text(
        t(
            "moderation.unbanned" if lifted else "moderation.not_banned",
            context.locale,
            user_id=target,
        )
    )


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(
        CallbackQueryHandler(moderate_tapped, pattern=callbacks.matches(ModerateButton))
    )
    application.add_handler(command("pending", pending))
    application.add_handler(command("unban", unban))
