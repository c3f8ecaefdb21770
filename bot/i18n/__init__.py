"""Messages in Vietnamese first, English beside it: gettext catalogues loaded with Babel.

Call ``t("start.welcome", locale, name=first_name)`` and ``tn("key", n, locale)``. The key
must be a literal string (a test finds every call in ``bot/`` and checks both catalogues have
it). Templates use ``str.format`` placeholders.

Escaping belongs here, not to callers: an HTML message (``msgctxt "html"`` in the ``.po``)
escapes every parameter it receives, so callers pass raw user and feed text; wrap markup that
is already safe in :class:`Markup`. HTML messages are returned as :class:`Markup`, so one can be
a parameter of another. Plain-text messages never escape.

The catalogues live in ``locales/<lang>/LC_MESSAGES/messages.po``; edit them, then run
``python -m bot.i18n compile`` (``python -m bot.i18n --help`` lists the maintenance commands).
"""

from __future__ import annotations

import logging
from typing import Any

from bot.i18n.catalogue import Catalogue, Entry, load
from bot.i18n.formatting import (
    STATION_TZ,
    format_date,
    format_datetime,
    format_number,
    format_time,
)
from bot.i18n.markup import Markup, escape, html_param

__all__ = [
    "DEFAULT_LOCALE",
    "LOCALES",
    "STATION_TZ",
    "Markup",
    "catalogue",
    "escape",
    "format_date",
    "format_datetime",
    "format_number",
    "format_time",
    "pick_locale",
    "t",
    "tn",
]

log = logging.getLogger(__name__)

LOCALES = ("vi", "en")
DEFAULT_LOCALE = "vi"


def catalogue(locale: str) -> Catalogue:
    """One locale's compiled catalogue."""
    return load(locale)


def pick_locale(language_code: str | None, default: str = DEFAULT_LOCALE) -> str:
    """Map a Telegram ``language_code`` (``en-GB``, ``vi``…) to a supported locale."""
    if language_code:
        base = language_code.split("-")[0].lower()
        if base in LOCALES:
            return base
    return default


def t(key: str, locale: str = DEFAULT_LOCALE, **params: Any) -> str:
    """Translate ``key`` into ``locale`` (Vietnamese when the locale or the message is missing)."""
    found = _lookup(key, locale)
    if found is None:
        return key
    entry, _ = found
    return _render(entry.forms[0], entry.html, params)


def tn(key: str, n: int, locale: str = DEFAULT_LOCALE, **params: Any) -> str:
    """Translate a plural message for count ``n``; ``{n}`` is ``n`` written for the locale."""
    found = _lookup(key, locale)
    if found is None:
        return key
    entry, cat = found
    index = cat.plural_index(n) if entry.plural else 0
    form = entry.forms[min(index, len(entry.forms) - 1)]
    return _render(form, entry.html, {"n": format_number(n, cat.locale), **params})


def _lookup(key: str, locale: str) -> tuple[Entry, Catalogue] | None:
    wanted = locale if locale in LOCALES else DEFAULT_LOCALE
    for loc in dict.fromkeys((wanted, DEFAULT_LOCALE)):
        cat = load(loc)
        entry = cat.get(key)
        if entry is not None and entry.forms[0]:
            if loc != wanted:
                log.error("message %s missing in %s; answering in %s", key, wanted, loc)
            return entry, cat
    # tests/core/test_i18n.py keeps this from happening; showing the id beats crashing a reply.
    log.error("message %s missing from every catalogue", key)
    return None


class _Params(dict[str, Any]):
    """Parameters for ``str.format_map``: a forgotten one is logged and left as ``{name}``."""

    def __missing__(self, name: str) -> str:
        log.error("message parameter %s not given", name)
        return "{" + name + "}"


def _render(template: str, html: bool, params: dict[str, Any]) -> str:
    values = _Params({k: html_param(v) for k, v in params.items()} if html else params)
    text = template
    if "{" in template:
        try:
            text = template.format_map(values)
        except (ValueError, LookupError, AttributeError):
            # tests/core/test_i18n.py checks every template; a bad one must not crash a reply.
            log.exception("message template %r does not format", template)
    return Markup(text) if html else text
