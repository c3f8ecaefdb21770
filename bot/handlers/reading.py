"""Reading on demand: /latest, /search and its ◀ ▶ page buttons."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler

from bot.callbacks import InvalidCallback, SearchPageButton, decode_as, encode, matches
from bot.context import BotContext
from bot.handlers.common import command
from bot.i18n import Markup, format_datetime, t, t_html
from bot.services.reading import Headline, LatestProblem, ResultPage, parse_latest, search_words

log = logging.getLogger(__name__)

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def _lines(headlines: tuple[Headline, ...] | list[Headline], context: BotContext) -> Markup:
    zone = context.services.settings.timezone
    return Markup("\n".join(_headline(headline, context.locale, zone) for headline in headlines))


def _headline(headline: Headline, locale: str, zone: str) -> Markup:
    """One line of a reading list; a feed item without a link is listed without one."""
    title = headline.title or t("article.untitled", locale)
    when = format_datetime(headline.published_at, locale, zone)
    if headline.url is None:
        return t_html("reading.headline_unlinked", locale, title=title, when=when)
    return t_html("reading.headline", locale, title=title, url=headline.url, when=when)


async def latest(update: Update, context: BotContext) -> None:
    """The newest headlines: ``/latest``, ``/latest 3``, ``/latest all``."""
    chat, message = update.effective_chat, update.effective_message
    if chat is None or message is None:
        return
    request = parse_latest(list(context.args or []))
    match request:
        case LatestProblem.NOT_A_NUMBER:
            text = t_html("latest.not_a_number", context.locale)
        case LatestProblem.OUT_OF_RANGE:
            text = t_html("latest.out_of_range", context.locale)
        case _:
            headlines = await context.services.reading.latest(chat.id, request)
            if not headlines:
                text = t_html("latest.empty", context.locale)
            else:
                text = t_html("latest.list", context.locale, lines=_lines(headlines, context))
    await message.reply_text(text, parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW)


def _page_text(page: ResultPage, context: BotContext) -> Markup:
    return t_html(
        "search.results",
        context.locale,
        query=" ".join(page.words),
        total=page.total,
        page=page.page + 1,
        pages=page.pages,
        lines=_lines(page.hits, context),
    )


def _page_keyboard(page: ResultPage, context: BotContext) -> InlineKeyboardMarkup | None:
    buttons: list[InlineKeyboardButton] = []
    try:
        query = ".".join(page.words)
        if page.has_previous:
            data = encode(SearchPageButton(page.page - 1, query))
            buttons.append(InlineKeyboardButton(t("search.previous", context.locale), None, data))
        if page.has_next:
            data = encode(SearchPageButton(page.page + 1, query))
            buttons.append(InlineKeyboardButton(t("search.next", context.locale), None, data))
    except (InvalidCallback, ValueError):
        # Words outside a-z0-9 (another script) cannot travel in button data: first page only.
        log.info("search page buttons left out for a query of %d words", len(page.words))
        return None
    return InlineKeyboardMarkup([buttons]) if buttons else None


async def search(update: Update, context: BotContext) -> None:
    """Search the stored articles: ``/search <words>``, accents and case ignored."""
    message = update.effective_message
    if message is None:
        return
    words = search_words(" ".join(context.args or []))
    page = await context.services.reading.search(words) if words else None
    if page is None:
        text, keyboard = t_html("search.usage", context.locale), None
    elif not page.hits:
        text, keyboard = t_html("search.none", context.locale, query=" ".join(words)), None
    else:
        text, keyboard = _page_text(page, context), _page_keyboard(page, context)
    await message.reply_text(
        text, parse_mode=ParseMode.HTML, reply_markup=keyboard, link_preview_options=NO_PREVIEW
    )


async def search_page(update: Update, context: BotContext) -> None:
    """◀ ▶ under search results: show that page in the same message."""
    query = update.callback_query
    if query is None:
        return
    button = decode_as(query.data, SearchPageButton)
    page = await context.services.reading.search(tuple(button.query.split(".")), button.page)
    if page is None or not page.hits:
        await query.answer(t("search.stale", context.locale), show_alert=True)
        return
    await query.answer()
    try:
        await query.edit_message_text(
            _page_text(page, context),
            parse_mode=ParseMode.HTML,
            reply_markup=_page_keyboard(page, context),
            link_preview_options=NO_PREVIEW,
        )
    except BadRequest as error:  # "message is not modified": a double tap on the same page
        log.info("search page not edited: %s", error.message)


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(command("latest", latest))
    application.add_handler(command("search", search))
    application.add_handler(CallbackQueryHandler(search_page, pattern=matches(SearchPageButton)))
