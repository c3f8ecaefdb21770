"""Inline buttons no feature took: every tap is answered, with a short explanation.

The 💬 button lives with the comments (``bot.handlers.comments``).
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler

from bot.context import BotContext
from bot.i18n import t

log = logging.getLogger(__name__)


async def unknown_button(update: Update, context: BotContext) -> None:
    """A tap no handler took (forged, or a button this version no longer has): say so."""
    query = update.callback_query
    if query is None:
        return
    log.info("unknown callback data %r from user %s", (query.data or "")[:64], query.from_user.id)
    await query.answer(t("button.invalid", context.locale))


def register_fallbacks(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(CallbackQueryHandler(unknown_button))
