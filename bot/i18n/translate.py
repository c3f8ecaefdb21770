"""Translation: a message id, a locale and parameters in; text (or safe Telegram HTML) out."""

from __future__ import annotations

import logging
from typing import Any

from bot.i18n.deferred import Deferred
from bot.i18n.formatting import format_number
from bot.i18n.loader import Catalogue, Entry, load
from bot.i18n.markup import Markup, escape, html_param

log = logging.getLogger("bot.i18n")

LOCALES = ("vi", "en")
DEFAULT_LOCALE = "vi"


class UnknownMessage(KeyError):
    """A stored message id no catalogue has (e.g. removed since the payload was queued)."""


def pick_locale(language_code: str | None, default: str = DEFAULT_LOCALE) -> str:
    """Map a Telegram ``language_code`` (``en-GB``, ``vi``…) to a supported locale."""
    if language_code:
        base = language_code.split("-")[0].lower()
        if base in LOCALES:
            return base
    return default


def t(key: str, locale: str = DEFAULT_LOCALE, **params: Any) -> str:
    """Translate ``key`` into ``locale`` (Vietnamese when the locale or the message is missing).

    An HTML message escapes its parameters and comes back as :class:`Markup`; a plain one is
    returned as text, nothing escaped.
    """
    found = _lookup(key, locale)
    if found is None:
        return key
    text, html = _translate(*found, None, params)
    return Markup(text) if html else text


def tn(key: str, n: int, locale: str = DEFAULT_LOCALE, **params: Any) -> str:
    """Translate a plural message for count ``n``; ``{n}`` is ``n`` written for the locale."""
    found = _lookup(key, locale)
    if found is None:
        return key
    text, html = _translate(*found, n, params)
    return Markup(text) if html else text


def t_html(key: str, locale: str = DEFAULT_LOCALE, **params: Any) -> Markup:
    """``key`` as Telegram HTML whatever the message is: a plain message is escaped whole, so
    a caller that always sends with ``parse_mode=HTML`` can use any message."""
    found = _lookup(key, locale)
    if found is None:
        return escape(key)
    text, html = _translate(*found, None, params)
    return Markup(text) if html else escape(text)


def render(message: Deferred, locale: str = DEFAULT_LOCALE) -> Markup:
    """A :class:`Deferred` message as Telegram HTML in ``locale`` (escaped as :func:`t_html`).

    Raises :class:`UnknownMessage` (a ``KeyError``) when no catalogue has the id, and
    :class:`MissingParameter` (a ``KeyError``) when the message needs a parameter the payload
    lacks: a stored payload is refused, not sent as a bare id or a ``{name}`` to every reader.
    """
    found = _lookup(message.key, locale)
    if found is None:
        raise UnknownMessage(message.key)
    text, html = _translate(*found, message.n, dict(message.params), strict=True)
    return Markup(text) if html else escape(text)


def _lookup(key: str, locale: str) -> tuple[Entry, Catalogue] | None:
    wanted = locale if locale in LOCALES else DEFAULT_LOCALE
    cat = load(wanted)
    entry = cat.entries.get(key)
    if entry is not None:
        return entry, cat
    if wanted != DEFAULT_LOCALE:
        cat = load(DEFAULT_LOCALE)
        entry = cat.entries.get(key)
        if entry is not None:
            log.error("message %s missing in %s; answering in %s", key, wanted, DEFAULT_LOCALE)
            return entry, cat
    # tests/core/test_i18n.py keeps this from happening; showing the id beats crashing a reply.
    log.error("message %s missing from every catalogue", key)
    return None


class MissingParameter(KeyError):
    """A stored message lacks a parameter its template needs."""


class _Params(dict[str, Any]):
    """Parameters for ``str.format_map``: a forgotten one is logged and left as ``{name}``."""

    def __missing__(self, name: str) -> str:
        log.error("message parameter %s not given", name)
        return "{" + name + "}"


class _StrictParams(dict[str, Any]):
    def __missing__(self, name: str) -> str:
        raise MissingParameter(name)


def _translate(
    entry: Entry, cat: Catalogue, n: int | None, params: dict[str, Any], *, strict: bool = False
) -> tuple[str, bool]:
    """The formatted text and whether it is HTML."""
    template = entry.forms[0]
    if n is not None:
        index = cat.plural_index(n) if entry.plural else 0
        template = entry.forms[min(index, len(entry.forms) - 1)]
        params = {"n": format_number(n, cat.locale), **params}
    if "{" not in template:
        return template, entry.html
    given = {k: html_param(v) for k, v in params.items()} if entry.html else params
    values = _StrictParams(given) if strict else _Params(given)
    try:
        return template.format_map(values), entry.html
    except MissingParameter:
        raise
    except (ValueError, LookupError, AttributeError):
        # tests/core/test_i18n.py checks every template; a bad one must not crash a reply.
        log.exception("message template %r does not format", template)
        return template, entry.html
