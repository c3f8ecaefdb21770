"""Delivery settings by typed forms: /quiet, /digest, /lang."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application

from bot.context import BotContext
from bot.handlers.common import command
from bot.i18n import t
from bot.services.preferences import (
    OFF,
    QuietHours,
    ReaderSettings,
    clock_text,
    parse_digest,
    parse_language,
    parse_quiet,
)


async def _reply(update: Update, text: str) -> None:
    if update.effective_message is not None:
        await update.effective_message.reply_text(text)


def _chat_id(update: Update) -> int | None:
    return update.effective_chat.id if update.effective_chat is not None else None


async def quiet(update: Update, context: BotContext) -> None:
    """Quiet hours: ``/quiet 22-6`` or ``/quiet off``."""
    chat_id, wanted = _chat_id(update), parse_quiet(list(context.args or []))
    if chat_id is None:
        return
    if wanted is None:
        await _reply(update, t("quiet.usage", context.locale))
        return
    if not await context.services.preferences.set_quiet(chat_id, wanted):
        await _reply(update, t("settings.not_subscribed", context.locale))
    elif isinstance(wanted, QuietHours):
        start, end = clock_text(wanted.start), clock_text(wanted.end)
        await _reply(update, t("quiet.set", context.locale, start=start, end=end))
    else:
        await _reply(update, t("quiet.off", context.locale))


async def digest(update: Update, context: BotContext) -> None:
    """The daily digest: ``/digest 7:00`` or ``/digest off``."""
    chat_id, wanted = _chat_id(update), parse_digest(list(context.args or []))
    if chat_id is None:
        return
    if wanted is None:
        await _reply(update, t("digest.usage", context.locale))
        return
    if not await context.services.preferences.set_digest(chat_id, wanted):
        await _reply(update, t("settings.not_subscribed", context.locale))
    elif wanted is OFF:
        await _reply(update, t("digest.off", context.locale))
    else:
        await _reply(update, t("digest.set", context.locale, time=clock_text(int(wanted))))


async def language(update: Update, context: BotContext) -> None:
    """The language of the news: ``/lang vi`` or ``/lang en``."""
    chat_id, wanted = _chat_id(update), parse_language(list(context.args or []))
    if chat_id is None:
        return
    if wanted is None:
        await _reply(update, t("lang.usage", context.locale))
    elif not await context.services.preferences.set_language(chat_id, wanted):
        await _reply(update, t("settings.not_subscribed", context.locale))
    else:
        await _reply(update, t("lang.set", wanted))  # confirmed in the language chosen


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(command("quiet", quiet))
    application.add_handler(command("digest", digest))
    application.add_handler(command("lang", language))


def describe(settings: ReaderSettings, locale: str) -> str:
    """A reader's settings in a few lines, as a returning reader is shown them."""
    if settings.all_topics:
        topics = t("settings.topics_all", locale)
    else:
        topics = t("settings.topics_some", locale, count=settings.topics)
    if settings.digest_at is None:
        mode = t("settings.mode_instant", locale)
    elif settings.instant:
        mode = t("settings.mode_both", locale, time=clock_text(settings.digest_at))
    else:
        mode = t("settings.mode_digest", locale, time=clock_text(settings.digest_at))
    if settings.quiet is None:
        quiet_hours = t("settings.quiet_none", locale)
    else:
        start, end = clock_text(settings.quiet.start), clock_text(settings.quiet.end)
        quiet_hours = t("settings.quiet_range", locale, start=start, end=end)
    language_name = (
        t("language.en", locale) if settings.language == "en" else t("language.vi", locale)
    )
    return t(
        "settings.summary",
        locale,
        topics=topics,
        mode=mode,
        quiet=quiet_hours,
        language=language_name,
    )
