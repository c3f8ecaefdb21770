"""Subscriber commands: /start, /stop, /help."""

from __future__ import annotations

from telegram import Chat, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import Application, CallbackQueryHandler

from bot.callbacks import StopButton, decode_as, encode, matches
from bot.context import BotContext
from bot.guard import group_admins_only
from bot.handlers.common import command
from bot.handlers.role_menu import help_text
from bot.handlers.topics import keyboard
from bot.handlers.welcome import start_text
from bot.i18n import t
from bot.services.onboarding import parse_start
from bot.services.subscriptions import Left, Reader


@group_admins_only
async def start(update: Update, context: BotContext) -> None:
    """Subscribe the chat (a deep link may pick its section), welcome it, offer the picker."""
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
    arrival = await context.services.onboarding.start(reader, parse_start(context.args or []))
    markup = None if arrival.picker is None else keyboard(arrival.picker, context.locale)
    await message.reply_text(
        start_text(arrival, chat, user, context.locale),
        parse_mode=ParseMode.HTML,
        reply_markup=markup,
    )


@group_admins_only
async def stop(update: Update, context: BotContext) -> None:
    """Ask whether the chat really wants to unsubscribe (a button confirms)."""
    chat, message = update.effective_chat, update.effective_message
    if chat is None or message is None:
        return
    if not await context.services.subscriptions.is_subscribed(chat.id):
        await message.reply_text(t("stop.not_subscribed", context.locale))
        return
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t("stop.button_yes", context.locale), callback_data=encode(StopButton(True))
                ),
                InlineKeyboardButton(
                    t("stop.button_no", context.locale), callback_data=encode(StopButton(False))
                ),
            ]
        ]
    )
    await message.reply_text(t("stop.confirm", context.locale), reply_markup=keyboard)


@group_admins_only
async def stop_answer(update: Update, context: BotContext) -> None:
    """The confirmation: unsubscribe (cancelling what is queued, keeping preferences) or not."""
    query = update.callback_query
    if query is None or query.message is None:
        return
    if not decode_as(query.data, StopButton).confirm:
        text = t("stop.kept", context.locale)
    else:
        match await context.services.subscriptions.unsubscribe(query.message.chat.id):
            case Left.UNSUBSCRIBED:
                text = t("stop.done", context.locale)
            case Left.NOT_SUBSCRIBED:  # a second tap, or /stop confirmed twice
                text = t("stop.not_subscribed", context.locale)
    await query.answer()
    await query.edit_message_text(text)


async def help_command(update: Update, context: BotContext) -> None:
    """Explain what the bot does and list the commands the person's role allows."""
    message, user = update.effective_message, update.effective_user
    if message is None:
        return
    role = None if user is None else await context.services.roles.role_of(user.id)
    private = message.chat.type == Chat.PRIVATE
    await message.reply_text(
        help_text(role, context.locale, private=private), parse_mode=ParseMode.HTML
    )


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(command("start", start))
    application.add_handler(command("stop", stop))
    application.add_handler(CallbackQueryHandler(stop_answer, pattern=matches(StopButton)))
    application.add_handler(command("help", help_command))
