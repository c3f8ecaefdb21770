"""Thin Telegram adapters, one module per audience; ``register_all`` wires them in order."""

from __future__ import annotations

from telegram.ext import Application


def register_all(application: Application) -> None:  # type: ignore[type-arg]
    """Every handler of the bot, fallbacks last, and the error handler."""
    from bot.handlers import broadcast as broadcasts
    from bot.handlers import (
        buttons,
        comments,
        errors,
        fallbacks,
        membership,
        moderation,
        reading,
        settings,
        subscriber,
        topics,
    )
    from bot.handlers import stats as statistics

    comments.register(application)  # before /start: /start c_<id> is a deep link
    moderation.register(application)
    subscriber.register(application)
    reading.register(application)
    settings.register(application)
    topics.register(application)
    membership.register(application)
    broadcasts.register(application)  # its announcement catcher is a group of its own
    statistics.register(application)
    comments.register_replies(application)  # free text: after every feature, before fallbacks
    # Fallbacks after every feature's own handlers (same group: the first match wins).
    fallbacks.register(application)
    buttons.register_fallbacks(application)
    application.add_error_handler(errors.on_error)
