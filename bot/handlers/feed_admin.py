"""Admins' feed screens: /feeds (health of every feed), /addfeed, /removefeed, /pollnow. All
behind the guard."""

from __future__ import annotations

from datetime import datetime

from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.ext import Application, CallbackQueryHandler

from bot import callbacks
from bot.admin_buttons import FeedButton, FeedOp
from bot.context import BotContext
from bot.delivery.render import is_web_url
from bot.delivery.utf16 import html_visible_len
from bot.guard import requires
from bot.handlers.common import command
from bot.i18n import Markup, format_datetime, format_number, t, t_html
from bot.services.feed_admin import (
    FeedAdded,
    FeedLine,
    FeedRefusal,
    FeedRefused,
    RemoveOutcome,
)
from storage.enums import Role

# A feed's last error as stored can be a long one-liner; the list shows its start.
ERROR_LIMIT = 200
# Below Telegram's 4,096 characters: a feed's block is at most ~2,600 (a 2,048-character URL,
# a 500-character title, the error's 200), so a message never outgrows the limit.
PAGE_LIMIT = 3500


def _when(moment: datetime | None, context: BotContext) -> str:
    if moment is None:
        return t("feeds.never", context.locale)
    return format_datetime(moment, context.locale, tz=context.services.settings.timezone)


def feed_text(line: FeedLine, context: BotContext) -> Markup:
    locale = context.locale
    if line.last_error:
        health = t("feeds.health_error", locale, error=line.last_error[:ERROR_LIMIT])
    else:
        health = t("feeds.health_ok", locale)
    origin = t("feeds.from_config", locale) if line.configured else t("feeds.from_admin", locale)
    return t_html(
        "feeds.line",
        locale,
        number=str(line.id),
        title=line.title or t("feeds.untitled", locale),
        url=line.url,
        origin=origin,
        last_poll=_when(line.last_polled_at, context),
        next_poll=_when(line.next_poll_at, context),
        articles=format_number(line.articles, locale),
        health=health,
    )


def _button(label: str, payload: object) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=callbacks.encode(payload))


def list_buttons(lines: list[FeedLine], locale: str) -> InlineKeyboardMarkup:
    rows = []
    for line in lines:
        number = str(line.id)
        row = [_button(t("feeds.button.poll", locale, number=number),
                       FeedButton(line.id, FeedOp.POLL))]  # fmt: skip
        if not line.configured:
            row.append(_button(t("feeds.button.remove", locale, number=number),
                               FeedButton(line.id, FeedOp.REMOVE)))  # fmt: skip
        rows.append(row)
    return InlineKeyboardMarkup(rows)


def confirm_buttons(line: FeedLine, locale: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                _button(t("feeds.button.remove_yes", locale),
                        FeedButton(line.id, FeedOp.REMOVE_YES)),
                _button(t("feeds.button.keep", locale), FeedButton(line.id, FeedOp.KEEP)),
            ]
        ]
    )  # fmt: skip


def refusal_text(refused: FeedRefused, locale: str) -> str:
    match refused.reason:
        case FeedRefusal.BAD_URL:
            return t("feeds.refused.bad_url", locale)
        case FeedRefusal.PRIVATE_ADDRESS:
            return t("feeds.refused.private_address", locale)
        case FeedRefusal.ALREADY:
            return t("feeds.refused.already", locale, number=refused.detail)
        case FeedRefusal.HTTP_ERROR:
            return t("feeds.refused.http_error", locale, status=refused.detail)
        case FeedRefusal.TIMEOUT:
            return t("feeds.refused.timeout", locale)
        case FeedRefusal.UNREACHABLE:
            return t("feeds.refused.unreachable", locale)
        case FeedRefusal.TOO_LARGE:
            return t("feeds.refused.too_large", locale)
        case FeedRefusal.HTML_PAGE:
            return t("feeds.refused.html_page", locale)
        case FeedRefusal.NOT_A_FEED:
            return t("feeds.refused.not_a_feed", locale)
        case FeedRefusal.NO_ITEMS:
            return t("feeds.refused.no_items", locale)


def added_text(added: FeedAdded, context: BotContext) -> Markup:
    preview = added.preview
    return t_html(
        "feeds.added",
        context.locale,
        title=added.feed.title or added.feed.url,
        url=added.feed.url,
        number=str(added.feed.id),
        item=preview.title,
        # A link Telegram would refuse in an href (a hostile feed's javascript:) is not shown.
        link=preview.url if preview.url and is_web_url(preview.url) else added.feed.url,
        published=_when(preview.published_at, context),
        count=format_number(preview.items, context.locale),
    )


# ------------------------------------------------------------------------------- commands


@requires(Role.ADMIN)
async def list_feeds(update: Update, context: BotContext) -> None:
    """/feeds: every feed with its URL, title, last and next poll, last error, articles."""
    message = update.effective_message
    if message is None:
        return
    lines = await context.services.feed_admin.list()
    if not lines:
        await message.reply_text(t("feeds.none", context.locale))
        return
    header = t_html("feeds.header", context.locale, count=str(len(lines)))
    for part in pages(header, [(line, feed_text(line, context)) for line in lines]):
        await message.reply_text(
            "\n\n".join(text for _, text in part if text),
            parse_mode=ParseMode.HTML,
            reply_markup=list_buttons([line for line, _ in part if line], context.locale),
            disable_web_page_preview=True,
        )


def pages(
    header: str, blocks: list[tuple[FeedLine, str]]
) -> list[list[tuple[FeedLine | None, str]]]:
    """The list cut into messages within Telegram's length limit, whole feeds per message (a
    station with twenty feeds and long errors gets two messages, not a refused one)."""
    parts: list[list[tuple[FeedLine | None, str]]] = [[(None, header)]]
    size = html_visible_len(header)
    for line, text in blocks:
        length = html_visible_len(text) + 2
        if size + length > PAGE_LIMIT and len(parts[-1]) > 0:
            parts.append([])
            size = 0
        parts[-1].append((line, text))
        size += length
    return parts


@requires(Role.ADMIN)
async def add_feed(update: Update, context: BotContext) -> None:
    """/addfeed URL: fetch it, add it only if it is a feed, and show its newest item."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    if not context.args:
        await message.reply_text(t("feeds.add_usage", context.locale))
        return
    result = await context.services.feed_admin.add(user.id, context.args[0])
    if isinstance(result, FeedRefused):
        await message.reply_text(refusal_text(result, context.locale))
        return
    await message.reply_text(
        added_text(result, context), parse_mode=ParseMode.HTML, disable_web_page_preview=True
    )


@requires(Role.ADMIN)
async def remove_feed(update: Update, context: BotContext) -> None:
    """/removefeed N or URL: ask for confirmation (a button); configured feeds stay."""
    message = update.effective_message
    if message is None:
        return
    if not context.args:
        await message.reply_text(t("feeds.remove_usage", context.locale))
        return
    line = await context.services.feed_admin.find(context.args[0])
    if line is None:
        await message.reply_text(t("feeds.unknown", context.locale, ref=context.args[0]))
    elif line.configured:
        await message.reply_text(t("feeds.configured", context.locale, url=line.url))
    else:
        await message.reply_text(
            t("feeds.remove_confirm", context.locale, url=line.url),
            reply_markup=confirm_buttons(line, context.locale),
            disable_web_page_preview=True,
        )


@requires(Role.ADMIN)
async def poll_now(update: Update, context: BotContext) -> None:
    """/pollnow [N]: poll every feed (or feed N) at once."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    feed_id = None
    if context.args:
        line = await context.services.feed_admin.find(context.args[0])
        if line is None:
            await message.reply_text(t("feeds.unknown", context.locale, ref=context.args[0]))
            return
        feed_id = line.id
    due = await context.services.feed_admin.poll_now(user.id, feed_id)
    await message.reply_text(t("feeds.polling", context.locale, count=format_number(due)))


# ------------------------------------------------------------------------------- buttons


async def _show(message: object, text: str, markup: InlineKeyboardMarkup | None) -> None:
    if isinstance(message, Message) and message.text_html != text:
        await message.edit_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)


@requires(Role.ADMIN)
async def feed_tapped(update: Update, context: BotContext) -> None:
    """🔄 / 🗑 under /feeds, and the removal's confirmation."""
    query = update.callback_query
    if query is None:
        return
    tapped = callbacks.decode_as(query.data, FeedButton)
    admin, locale, actor = context.services.feed_admin, context.locale, query.from_user.id
    line = await admin.find(str(tapped.feed_id))
    if line is None:
        await query.answer(t("feeds.gone", locale), show_alert=True)
        return
    match tapped.op:
        case FeedOp.POLL:
            await admin.poll_now(actor, line.id)
            await query.answer(t("feeds.polling", locale, count=format_number(1)))
        case FeedOp.REMOVE:
            await query.answer()
            if line.configured:
                await _show(query.message, t_html("feeds.configured", locale, url=line.url), None)
                return
            text = t_html("feeds.remove_confirm", locale, url=line.url)
            await _show(query.message, text, confirm_buttons(line, locale))
        case FeedOp.REMOVE_YES:
            match await admin.remove(actor, line.id):
                case RemoveOutcome.REMOVED:
                    await query.answer()
                    await _show(query.message, t_html("feeds.removed", locale, url=line.url), None)
                case RemoveOutcome.CONFIGURED:
                    await query.answer(t("feeds.configured", locale, url=line.url), show_alert=True)
                case RemoveOutcome.NOT_FOUND:
                    await query.answer(t("feeds.gone", locale), show_alert=True)
        case FeedOp.KEEP:
            await query.answer()
            await _show(query.message, t_html("feeds.kept", locale, url=line.url), None)


def admin_menu(locale: str) -> list[BotCommand]:
    """This module's entries of the admins' command menu (for the per-role menu)."""
    return [
        BotCommand("feeds", t("command.feeds", locale)),
        BotCommand("addfeed", t("command.addfeed", locale)),
        BotCommand("removefeed", t("command.removefeed", locale)),
        BotCommand("pollnow", t("command.pollnow", locale)),
    ]


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(command("feeds", list_feeds))
    application.add_handler(command("addfeed", add_feed))
    application.add_handler(command("removefeed", remove_feed))
    application.add_handler(command("pollnow", poll_now))
    application.add_handler(
        CallbackQueryHandler(feed_tapped, pattern=callbacks.matches(FeedButton))
    )
