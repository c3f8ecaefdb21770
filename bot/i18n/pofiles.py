"""Maintenance of the ``.po`` sources: read, write, merge JSON keys in, compile to ``.mo``.

Used by ``python -m bot.i18n`` and the tests, never by the running bot (it reads ``.mo`` only).
Files are written deterministically (sorted by id, no wrapping, dates kept) so a merge diff shows
only the messages that changed.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from bot.i18n.loader import HTML_CONTEXT, SOURCE_ROOT, catalogue_path

PROJECT = "kontum-newsbot"
LANGUAGE_NAMES = {"vi": "Vietnamese", "en": "English"}
_EPOCH = datetime(2026, 12, 1, tzinfo=UTC)
_HEADER = """\
{language} messages of kontum-newsbot{source}.
Message ids are symbolic; an entry with msgctxt "html" is Telegram HTML and the
message layer escapes its parameters. Placeholders are str.format fields ({{name}}).
After editing, run: python -m bot.i18n compile"""

# A tag of Telegram's HTML parse mode, or one of its entities: the mark of an HTML message.
_HTML_HINT = re.compile(
    r"</?(?:b|strong|i|em|u|ins|s|strike|del|a|code|pre|span|tg-spoiler|tg-emoji|blockquote)"
    r"\b[^>]*>|&(?:lt|gt|amp|quot|#[0-9]+|#x[0-9a-fA-F]+);"
)


def looks_html(text: str) -> bool:
    """Whether a message text uses Telegram HTML (how JSON imports guess the flag)."""
    return _HTML_HINT.search(text) is not None


def new_catalog(locale: str) -> Catalog:
    """An empty catalogue with this project's headers."""
    source = " (the source language)" if locale == "vi" else ""
    header = _HEADER.format(language=LANGUAGE_NAMES.get(locale, locale), source=source)
    return Catalog(
        locale=locale,
        domain="messages",
        header_comment="\n".join(f"# {line}".rstrip() for line in header.splitlines()),
        project=PROJECT,
        version="1",
        msgid_bugs_address="the kontum-newsbot issue tracker",
        creation_date=_EPOCH,
        revision_date=_EPOCH,
        last_translator="kontum-newsbot maintainers",
        language_team=LANGUAGE_NAMES.get(locale, locale),
        fuzzy=False,
    )


def read_source(locale: str, root: Path = SOURCE_ROOT) -> Catalog:
    """Parse ``<root>/<locale>/LC_MESSAGES/messages.po`` (an empty catalogue if missing)."""
    path = catalogue_path(locale, ".po", root)
    if not path.exists():
        return new_catalog(locale)
    with path.open("rb") as file:
        return read_po(file, locale=locale, abort_invalid=True)


def render_source(catalog: Catalog) -> bytes:
    buffer = BytesIO()
    write_po(buffer, catalog, width=0, sort_output=True, omit_header=False)
    return buffer.getvalue()


def write_source(catalog: Catalog, locale: str, root: Path = SOURCE_ROOT) -> Path:
    path = catalogue_path(locale, ".po", root)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(render_source(catalog))
    return path


def compiled(catalog: Catalog) -> bytes:
    """The ``.mo`` bytes of a catalogue (fuzzy and empty entries left out, as gettext does)."""
    buffer = BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


def compile_locale(locale: str, root: Path = SOURCE_ROOT) -> Path:
    """Write ``messages.mo`` beside ``messages.po``."""
    path = catalogue_path(locale, ".mo", root)
    path.write_bytes(compiled(read_source(locale, root)))
    return path


def locales_in(root: Path = SOURCE_ROOT) -> list[str]:
    """Every locale that has a ``.po`` source under ``root``."""
    return sorted(p.parent.parent.name for p in root.glob("*/LC_MESSAGES/messages.po"))


def entry_key(message: Message) -> str:
    return message.id if isinstance(message.id, str) else message.id[0]


def messages_of(catalog: Catalog) -> dict[str, Message]:
    """Messages by id, header left out."""
    return {entry_key(m): m for m in catalog if m.id}


@dataclass
class ImportReport:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def import_json(
    json_path: Path,
    locale: str,
    root: Path = SOURCE_ROOT,
    html: frozenset[str] = frozenset(),
    plain: frozenset[str] = frozenset(),
) -> ImportReport:
    """Merge a ``{key: text}`` JSON catalogue into ``locale``'s ``.po`` and recompile it.

    New keys are added, keys whose text differs take the JSON text, nothing is deleted. Texts
    are stored in NFC. A new key is HTML when its text uses Telegram HTML tags or entities,
    unless named in ``plain``; keys named in ``html``/``plain`` get that flag whatever they were.
    """
    data: Any = json.loads(json_path.read_text("utf-8"))
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in data.items()
    ):
        raise ValueError(f"{json_path}: expected a JSON object of message id -> text")
    catalog = read_source(locale, root)
    existing = messages_of(catalog)
    report = ImportReport()
    for key, raw in sorted(data.items()):
        text = unicodedata.normalize("NFC", raw)
        old = existing.get(key)
        if old is not None and not isinstance(old.id, str):
            report.skipped.append(key)  # a plural entry: JSON cannot express its forms
            continue
        was_html = old is not None and old.context == HTML_CONTEXT
        is_html = key in html or (
            key not in plain and (was_html if old is not None else looks_html(text))
        )
        if old is None:
            report.added.append(key)
        elif old.string == text and was_html == is_html:
            report.unchanged.append(key)
            continue
        else:
            report.changed.append(key)
            catalog.delete(key, context=old.context)
        context = HTML_CONTEXT if is_html else None
        comments = old.auto_comments if old is not None else []
        catalog.add(key, text, context=context, auto_comments=comments)
    report.html = sorted(k for k, m in messages_of(catalog).items() if m.context == HTML_CONTEXT)
    write_source(catalog, locale, root)
    compile_locale(locale, root)
    return report
