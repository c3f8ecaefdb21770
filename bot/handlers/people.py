"""Remember who talks to the bot (id, @username, name), before any feature handles the update.

Owners name staff by @username (``/addadmin @lan``), which Telegram cannot resolve for a bot:
the bot can only know the usernames of people who wrote to it. A staff member whose command
menu Telegram refused before they had opened the bot gets it here, at their first message.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import Application, TypeHandler

from bot.context import BotContext
from bot.handlers.role_menu import menu_owed, refresh_menu
from bot.services.people import Person

log = logging.getLogger(__name__)

# Before every feature's group (0): a command is handled knowing its sender.
GROUP = -10


async def remember_sender(update: Update, context: BotContext) -> None:
    """Store the sender's @username and name, and their staff menu if it is still owed."""
    user = update.effective_user
    if user is None or user.is_bot:
        return
    person = Person(user.id, user.username, user.full_name or "")
    try:
        await context.services.people.seen(person)
    except Exception:  # best-effort: the command itself must still be answered, once
        log.warning("could not remember user %s", user.id, exc_info=True)
        return
    if menu_owed(context.bot_data, user.id):
        role = await context.services.roles.role_of(user.id)
        await refresh_menu(context.bot, context.bot_data, user.id, role)


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(TypeHandler(Update, remember_sender), group=GROUP)
