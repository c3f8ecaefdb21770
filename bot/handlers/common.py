"""Pieces every handler module shares: which updates run commands, how a person is named."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update, User
from telegram.ext import CommandHandler, filters

from bot.context import BotContext
from bot.i18n import t

# New messages only: an edited message never runs a command (editing an old message into
# /stop must not unsubscribe), and channel posts are not commands to this bot.
NEW_MESSAGES = filters.UpdateType.MESSAGE

Callback = Callable[[Update, BotContext], Coroutine[Any, Any, None]]


def command(name: str, callback: Callback) -> CommandHandler[BotContext, None]:
    """A CommandHandler for new messages only (PTB also handles edited ones by default)."""
    return CommandHandler(name, callback, filters=NEW_MESSAGES)


def display_name(user: User | None, locale: str) -> str:
    """How we address a person in a message: their first name, raw (HTML messages escape it)."""
    if user is not None and user.first_name:
        return user.first_name
    return t("name.fallback", locale)
