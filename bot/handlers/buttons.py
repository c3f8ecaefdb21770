"""Inline buttons: every tap is answered, the ones we do not know with a short explanation."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler

from bot import callbacks
from bot.callbacks import CommentButton
from bot.context import BotContext
from bot.i18n import t
from bot.services.comments import Opening

log = logging.getLogger(__name__)


async def comment_tapped(update: Update, context: BotContext) -> None:
    """💬 under an article: comments open soon (issue 9 fills this in)."""
    query = update.callback_query
    if query is None:
        return
    button = callbacks.decode_as(query.data, CommentButton)
    match await context.services.comments.open_for(button.article_id):
        case Opening.SOON:
            text = t("comments.soon", context.locale)
        case Opening.ARTICLE_GONE:
            text = t("button.article_gone", context.locale)
    await query.answer(text)


async def unknown_button(update: Update, context: BotContext) -> None:
    """A tap no handler took (forged, or a button this version no longer has): say so."""
    query = update.callback_query
    if query is None:
        return
    log.info("unknown callback data %r from user %s", (query.data or "")[:64], query.from_user.id)
    await query.answer(t("button.invalid", context.locale))


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(
        CallbackQueryHandler(comment_tapped, pattern=callbacks.matches(CommentButton))
    )


def register_fallbacks(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(CallbackQueryHandler(unknown_button))
