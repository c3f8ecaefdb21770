"""Delivery settings: typed forms (/quiet, /digest, /lang) and the /settings buttons."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler

from bot.callbacks import (
    DigestOffButton,
    DigestTimeButton,
    ImagesButton,
    LanguageButton,
    ModeButton,
    QuietOffButton,
    QuietPresetButton,
    decode,
    encode,
    matches,
)
from bot.context import BotContext
from bot.guard import group_admins_only
from bot.handlers.common import command
from bot.i18n import t
from bot.services.preferences import (
    DIGEST_PRESETS,
    OFF,
    QUIET_PRESETS,
    DeliveryMode,
    QuietHours,
    ReaderSettings,
    clock_text,
    parse_digest,
    parse_language,
    parse_quiet,
)

log = logging.getLogger(__name__)


async def _reply(update: Update, text: str) -> None:
    if update.effective_message is not None:
        await update.effective_message.reply_text(text)


def _chat_id(update: Update) -> int | None:
    return update.effective_chat.id if update.effective_chat is not None else None


@group_admins_only
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


@group_admins_only
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


@group_admins_only
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
    register_panel(application)


def describe(settings: ReaderSettings, locale: str) -> str:
    """A reader's settings in a few lines, as a returning reader is shown them."""
    if settings.all_topics:
        topics = t("settings.topics_all", locale)
    else:
        topics = t("settings.topics_some", locale, count=settings.topics)
    match settings.mode:
        case DeliveryMode.INSTANT:
            mode = t("settings.mode_instant", locale)
        case DeliveryMode.BOTH:
            mode = t("settings.mode_both", locale, time=clock_text(settings.digest_at or 0))
        case DeliveryMode.DIGEST:
            mode = t("settings.mode_digest", locale, time=clock_text(settings.digest_at or 0))
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


def _button(label: str, payload: object, chosen: bool = False) -> InlineKeyboardButton:
    return InlineKeyboardButton(f"✅ {label}" if chosen else label, callback_data=encode(payload))


def panel(settings: ReaderSettings, locale: str) -> tuple[str, InlineKeyboardMarkup]:
    """The /settings message: the settings in words and a button for each change (the
    current choice ticked ✅): delivery mode, digest time, quiet hours, images, language."""
    images = t("settings.images_on" if settings.images else "settings.images_off", locale)
    text = t("settings.panel", locale, summary=describe(settings, locale), images=images)
    mode = settings.mode
    rows = [
        [
            _button(t("settings.button_instant", locale), ModeButton(DeliveryMode.INSTANT.value),
                    mode is DeliveryMode.INSTANT),
            _button(t("settings.button_digest", locale), ModeButton(DeliveryMode.DIGEST.value),
                    mode is DeliveryMode.DIGEST),
            _button(t("settings.button_both", locale), ModeButton(DeliveryMode.BOTH.value),
                    mode is DeliveryMode.BOTH),
        ]
    ]  # fmt: skip
    if settings.digest_at is not None:
        rows.append(
            [
                _button(clock_text(at), DigestTimeButton(at), settings.digest_at == at)
                for at in DIGEST_PRESETS
            ]
        )
    quiet_row = [
        _button(
            t("settings.button_quiet", locale, start=clock_text(q.start), end=clock_text(q.end)),
            QuietPresetButton(q.start, q.end),
            settings.quiet == q,
        )
        for q in QUIET_PRESETS
    ]
    quiet_row.append(
        _button(t("settings.button_quiet_none", locale), QuietOffButton(), settings.quiet is None)
    )
    rows.append(quiet_row)
    images = t(
        "settings.button_images_off" if settings.images else "settings.button_images_on", locale
    )
    other = "vi" if settings.language == "en" else "en"
    language = t(
        "settings.button_english" if other == "en" else "settings.button_vietnamese", locale
    )
    rows += [
        [_button(images, ImagesButton(not settings.images))],
        [_button(language, LanguageButton(other))],
    ]
    return text, InlineKeyboardMarkup(rows)


@group_admins_only
async def settings_command(update: Update, context: BotContext) -> None:
    """Show the chat's settings with a button for each change."""
    chat_id, message = _chat_id(update), update.effective_message
    if chat_id is None or message is None:
        return
    current = await context.services.preferences.current(chat_id)
    if current is None:
        await message.reply_text(t("settings.not_subscribed", context.locale))
        return
    text, keyboard = panel(current, context.locale)
    await message.reply_text(text, reply_markup=keyboard)


@group_admins_only
async def settings_button(update: Update, context: BotContext) -> None:
    """A /settings button: change that one setting and redraw the panel in place."""
    query = update.callback_query
    if query is None or query.message is None:
        return
    chat_id, preferences = query.message.chat.id, context.services.preferences
    match decode(query.data):
        case ImagesButton(on=on):
            changed = await preferences.set_images(chat_id, on)
        case LanguageButton(locale=locale):
            changed = await preferences.set_language(chat_id, locale)
        case QuietOffButton():
            changed = await preferences.set_quiet(chat_id, OFF)
        case QuietPresetButton(start=start, end=end):
            changed = await preferences.set_quiet(chat_id, QuietHours(start, end))
        case ModeButton(mode=mode):
            changed = await preferences.set_mode(chat_id, DeliveryMode(mode))
        case DigestTimeButton(minute=minute):
            changed = await preferences.set_digest(chat_id, minute)
        case _:  # DigestOffButton, on panels drawn before the mode buttons
            changed = await preferences.set_digest(chat_id, OFF)
    if changed is None:
        await query.answer(t("settings.not_subscribed", context.locale), show_alert=True)
        return
    await query.answer()
    text, keyboard = panel(changed, changed.language)
    try:
        await query.edit_message_text(text, reply_markup=keyboard)
    except BadRequest as error:  # "message is not modified": the same button tapped twice
        log.info("settings panel not edited: %s", error.message)


_SETTINGS_BUTTONS = (
    ImagesButton,
    LanguageButton,
    QuietOffButton,
    DigestOffButton,
    QuietPresetButton,
    ModeButton,
    DigestTimeButton,
)


def _is_settings_button(data: object) -> bool:
    return any(matches(payload)(data) for payload in _SETTINGS_BUTTONS)


def register_panel(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(command("settings", settings_command))
    application.add_handler(CallbackQueryHandler(settings_button, pattern=_is_settings_button))
