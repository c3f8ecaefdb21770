"""Subscriber commands: /start, /stop, /help."""

from __future__ import annotations

import logging

from telegram import Chat, Update, User
from telegram.constants import ParseMode
from telegram.ext import Application, CommandHandler, ContextTypes, MessageHandler, filters

from bot.i18n import pick_locale, t
from bot.services import services_of
from storage.repositories import subscribers

log = logging.getLogger(__name__)


def locale_of(user: User | None, default: str = "vi") -> str:
    """The language we answer a person in: English only when Telegram says so."""
    return pick_locale(user.language_code if user else None, default)


def display_name(user: User | None) -> str:
    """The reader's first name, raw: HTML messages escape their parameters themselves."""
    return user.first_name if user and user.first_name else "bạn"


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Subscribe the chat to all news and welcome the reader."""
    chat, user, message = update.effective_chat, update.effective_user, update.effective_message
    if chat is None or message is None:
        return
    services = services_of(context.bot_data)
    locale = locale_of(user, services.settings.locale)
    async with services.database.session() as session:
        _, newly = await subscribers.subscribe(
            session,
            chat.id,
            chat_type=chat.type,
            language=locale,
            username=chat.username,
            first_name=user.first_name if user else None,
        )
    if chat.type != Chat.PRIVATE:
        text = t("start.welcome_group", locale)
    else:
        text = t(
            "start.welcome" if newly else "start.welcome_back", locale, name=display_name(user)
        )
    await message.reply_text(text, parse_mode=ParseMode.HTML)


async def stop(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Unsubscribe the chat."""
    chat, message = update.effective_chat, update.effective_message
    if chat is None or message is None:
        return
    services = services_of(context.bot_data)
    locale = locale_of(update.effective_user, services.settings.locale)
    async with services.database.session() as session:
        subscriber = await subscribers.get(session, chat.id)
        was_active = subscriber is not None and subscriber.active
        if was_active:
            await subscribers.deactivate(session, chat.id, "unsubscribed")
    await message.reply_text(t("stop.done" if was_active else "stop.not_subscribed", locale))


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Explain what the bot does and list its commands."""
    message = update.effective_message
    if message is None:
        return
    locale = locale_of(update.effective_user, services_of(context.bot_data).settings.locale)
    await message.reply_text(t("help.text", locale), parse_mode=ParseMode.HTML)


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Point a reader who typed an unknown command at /help."""
    message = update.effective_message
    if message is None or (update.effective_chat and update.effective_chat.type != Chat.PRIVATE):
        return  # in groups, other bots' commands are none of our business
    locale = locale_of(update.effective_user, services_of(context.bot_data).settings.locale)
    await message.reply_text(t("unknown.command", locale))


COMMANDS = ("start", "stop", "help")


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CommandHandler("stop", stop))
    application.add_handler(CommandHandler("help", help_command))


def register_fallbacks(application: Application) -> None:  # type: ignore[type-arg]
    """Handlers that must run after every feature's own commands."""
    application.add_handler(MessageHandler(filters.COMMAND, unknown_command))
