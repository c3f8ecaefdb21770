"""Compiled gettext catalogues (``locales/<lang>/LC_MESSAGES/messages.mo``), loaded with Babel.

Message ids are symbolic (``start.welcome``) and every locale translates them, Vietnamese
included. An entry with ``msgctxt "html"`` is Telegram HTML: :func:`bot.i18n.t` escapes the
parameters it places into it. The context is the one piece of per-entry metadata gettext keeps
in a compiled ``.mo`` (flags and comments are dropped by compilation), so it is what marks HTML.
"""

from __future__ import annotations

import gettext
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from io import BytesIO
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo

DOMAIN = "messages"
HTML_CONTEXT = "html"
LOCALES_DIR = "locales"


@dataclass(frozen=True, slots=True)
class Entry:
    """One translated message: a single text, or one text per plural form."""

    forms: tuple[str, ...]
    html: bool
    plural: bool


@dataclass(frozen=True, slots=True)
class Catalogue:
    """All messages of one locale, with that locale's plural rule."""

    locale: str
    entries: Mapping[str, Entry]
    nplurals: int
    plural_expr: str  # the C expression of the Plural-Forms header, e.g. "(n != 1)"
    plural_index: Callable[[int], int] = field(compare=False)

    def get(self, key: str) -> Entry | None:
        return self.entries.get(key)

    def __contains__(self, key: object) -> bool:
        return key in self.entries

    def __len__(self) -> int:
        return len(self.entries)


# The source tree's catalogues, which the maintenance commands edit.
SOURCE_ROOT = Path(__file__).resolve().parent / LOCALES_DIR


def catalogue_path(locale: str, suffix: str, root: Path = SOURCE_ROOT) -> Path:
    """``<root>/<locale>/LC_MESSAGES/messages<suffix>`` (``suffix``: ``.po`` or ``.mo``)."""
    return root / locale / "LC_MESSAGES" / f"{DOMAIN}{suffix}"


def from_catalog(catalog: Catalog, locale: str) -> Catalogue:
    """Index a Babel catalogue (read from a ``.mo`` or a ``.po``) by message id."""
    entries: dict[str, Entry] = {}
    for message in catalog:
        if not message.id:
            continue  # the header
        if message.context not in (None, HTML_CONTEXT):
            raise ValueError(f"{locale}: {message.id!r} has unknown msgctxt {message.context!r}")
        plural = not isinstance(message.id, str)
        key: str = message.id if isinstance(message.id, str) else message.id[0]
        string: Any = message.string
        forms = (string,) if isinstance(string, str) else tuple(string)
        entries[key] = Entry(forms=forms, html=message.context == HTML_CONTEXT, plural=plural)
    return Catalogue(
        locale=locale,
        entries=entries,
        nplurals=catalog.num_plurals,
        plural_expr=catalog.plural_expr,
        plural_index=gettext.c2py(catalog.plural_expr),
    )


def read_compiled(data: bytes, locale: str) -> Catalogue:
    """Parse the bytes of a ``.mo`` file."""
    return from_catalog(read_mo(BytesIO(data)), locale)


@cache
def load(locale: str) -> Catalogue:
    """The installed catalogue of ``locale`` (read once per process)."""
    # Through importlib.resources, so an installed package (even a zipped one) finds its files.
    mo = resources.files(__package__).joinpath(LOCALES_DIR, locale, "LC_MESSAGES", f"{DOMAIN}.mo")
    return read_compiled(mo.read_bytes(), locale)
