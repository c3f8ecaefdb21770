"""Messages in Vietnamese first, English beside it: gettext catalogues loaded with Babel.

Call ``t("start.welcome", locale, name=first_name)`` and ``tn("key", n, locale)``; for text
stored now and sent later in each reader's language (outbox payloads), store
``deferred("key", **params).to_json()`` and ``render(Deferred.from_json(data), locale)`` it.
The id must be a literal string (a test finds every ``t``/``tn``/``t_html``/``deferred``/
``deferred_n`` call in ``bot/`` and checks both catalogues have it). Templates use
``str.format`` placeholders.

Escaping belongs here, not to callers: an HTML message (``msgctxt "html"`` in the ``.po``)
escapes every parameter it receives, so callers pass raw user and feed text; wrap markup that
is already safe in :class:`Markup`. HTML messages are returned as :class:`Markup`, so one can be
a parameter of another. Plain-text messages never escape. ``t_html`` and ``render`` always
return Telegram HTML: a plain message is escaped whole.

The catalogues live in ``locales/<lang>/LC_MESSAGES/messages.po``; edit them, then run
``python -m bot.i18n compile`` (``python -m bot.i18n --help`` lists the maintenance commands).
"""

from __future__ import annotations

from bot.i18n.deferred import Deferred, deferred, deferred_n
from bot.i18n.formatting import (
    STATION_TZ,
    format_date,
    format_datetime,
    format_number,
    format_time,
)
from bot.i18n.loader import Catalogue, load
from bot.i18n.markup import Markup, escape
from bot.i18n.translate import (
    DEFAULT_LOCALE,
    LOCALES,
    MissingParameter,
    UnknownMessage,
    pick_locale,
    render,
    t,
    t_html,
    tn,
)

__all__ = [
    "DEFAULT_LOCALE",
    "LOCALES",
    "STATION_TZ",
    "Deferred",
    "Markup",
    "MissingParameter",
    "UnknownMessage",
    "catalogue",
    "deferred",
    "deferred_n",
    "escape",
    "format_date",
    "format_datetime",
    "format_number",
    "format_time",
    "pick_locale",
    "render",
    "t",
    "t_html",
    "tn",
]


def catalogue(locale: str) -> Catalogue:
    """One locale's compiled catalogue."""
    return load(locale)
