"""Thin Telegram adapters, one module per audience; ``register_all`` wires them in order."""

from __future__ import annotations

from telegram.ext import Application


def register_all(application: Application) -> None:  # type: ignore[type-arg]
    """Every handler of the bot, fallbacks last, and the error handler."""
    from bot.handlers import (
        audit,
        buttons,
        channel_admin,
        comments,
        errors,
        fallbacks,
        feed_admin,
        membership,
        moderation,
        people,
        reading,
        settings,
        staff,
        subscriber,
        topics,
    )
    from bot.handlers import broadcast as broadcasts
    from bot.handlers import stats as statistics

    comments.register(application)  # before /start: /start c_<id> is a deep link
    moderation.register(application)
    subscriber.register(application)
    reading.register(application)
    settings.register(application)
    topics.register(application)
    membership.register(application)
    people.register(application)  # its own group, before every feature's
    staff.register(application)
    audit.register(application)
    channel_admin.register(application)
    feed_admin.register(application)
    broadcasts.register(application)  # its announcement catcher is a group of its own
    statistics.register(application)
    comments.register_replies(application)  # free text: after every feature, before fallbacks
    # Fallbacks after every feature's own handlers (same group: the first match wins).
    fallbacks.register(application)
    buttons.register_fallbacks(application)
    application.add_error_handler(errors.on_error)
