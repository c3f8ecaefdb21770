"""Subscriber commands: /start, /stop, /help."""

from __future__ import annotations

from telegram import Chat, Update
from telegram.constants import ParseMode
from telegram.ext import Application

from bot.context import BotContext
from bot.handlers.common import command, display_name
from bot.i18n import t
from bot.services.subscriptions import Joined, Left, Reader


async def start(update: Update, context: BotContext) -> None:
    """Subscribe the chat to all news and welcome the reader."""
    chat, user, message = update.effective_chat, update.effective_user, update.effective_message
    if chat is None or message is None:
        return
    reader = Reader(
        chat.id,
        chat_type=chat.type,
        language=context.locale,
        username=chat.username,
        first_name=user.first_name if user else None,
    )
    joined = await context.services.subscriptions.subscribe(reader)
    if chat.type != Chat.PRIVATE:
        text = t("start.welcome_group", context.locale)
    else:
        name = display_name(user, context.locale)
        match joined:
            case Joined.NEW | Joined.RESUMED:
                text = t("start.welcome", context.locale, name=name)
            case Joined.ALREADY:
                text = t("start.welcome_back", context.locale, name=name)
    await message.reply_text(text, parse_mode=ParseMode.HTML)


async def stop(update: Update, context: BotContext) -> None:
    """Unsubscribe the chat and cancel what is still queued for it."""
    chat, message = update.effective_chat, update.effective_message
    if chat is None or message is None:
        return
    match await context.services.subscriptions.unsubscribe(chat.id):
        case Left.UNSUBSCRIBED:
            text = t("stop.done", context.locale)
        case Left.NOT_SUBSCRIBED:
            text = t("stop.not_subscribed", context.locale)
    await message.reply_text(text)


async def help_command(update: Update, context: BotContext) -> None:
    """Explain what the bot does and list its commands."""
    if update.effective_message is not None:
        await update.effective_message.reply_text(
            t("help.text", context.locale), parse_mode=ParseMode.HTML
        )


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(command("start", start))
    application.add_handler(command("stop", stop))
    application.add_handler(command("help", help_command))
