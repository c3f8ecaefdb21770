"""What runs when nothing else did: unknown commands, messages the bot does not understand."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, MessageHandler, filters

from bot.context import BotContext
from bot.handlers.common import NEW_MESSAGES
from bot.i18n import t

_PRIVATE = filters.ChatType.PRIVATE & NEW_MESSAGES


async def unknown_command(update: Update, context: BotContext) -> None:
    """Point a reader who typed an unknown command at /help."""
    if update.effective_message is not None:
        await update.effective_message.reply_text(t("unknown.command", context.locale))


async def not_understood(update: Update, context: BotContext) -> None:
    """Point a reader whose message the bot does not understand (text, emoji…) at /help."""
    # Once readers can comment (issue 9), the hint also says how.
    if update.effective_message is not None:
        await update.effective_message.reply_text(t("unknown.message", context.locale))


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Registered after every feature's handlers. In groups the bot stays silent: other bots'
    commands and people's conversation are none of its business."""
    application.add_handler(MessageHandler(_PRIVATE & filters.COMMAND, unknown_command))
    application.add_handler(
        MessageHandler(_PRIVATE & ~filters.COMMAND & ~filters.StatusUpdate.ALL, not_understood)
    )
