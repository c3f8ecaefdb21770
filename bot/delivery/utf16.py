"""Telegram's length arithmetic: UTF-16 code units of the text *after* entity parsing.

Telegram counts message and caption limits (4096 / 1024) in UTF-16 code units of the
visible text: tags are not counted and ``&amp;`` counts as one ``&``. Python strings count
code points, so an emoji outside the BMP (``📖``) is 1 in ``len()`` but 2 for Telegram, while
precomposed Vietnamese letters (``ệ``) are 1 in both.
"""

from __future__ import annotations

import html
import re
import unicodedata

# Only valid for HTML we produce ourselves: html.escape() turns every '>' inside attribute
# values into '&gt;', so a tag never contains a literal '>' before its end.
_TAG = re.compile(r"<[^>]*>")


def utf16_len(text: str) -> int:
    """Number of UTF-16 code units in ``text`` (astral characters count twice)."""
    # Counting astral code points is cheaper than encoding the whole string.
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def html_visible_text(markup: str) -> str:
    """The text Telegram shows for ``markup`` in HTML parse mode: tags dropped, entities decoded."""
    return html.unescape(_TAG.sub("", markup))


def html_visible_len(markup: str) -> int:
    """Telegram's length of an HTML message: UTF-16 units of :func:`html_visible_text`."""
    return utf16_len(html_visible_text(markup))


def truncate_utf16(text: str, limit: int, *, ellipsis: str = "…") -> str:
    """Shorten plain ``text`` to at most ``limit`` UTF-16 units, at a word boundary if possible.

    Works on plain text (escape afterwards), so it can never split a tag or an entity. Never
    splits a surrogate pair (Python strings hold code points) nor a base letter from a
    following combining mark.
    """
    if utf16_len(text) <= limit:
        return text
    room = limit - utf16_len(ellipsis)
    if room <= 0:
        return ellipsis if utf16_len(ellipsis) <= limit else ""
    # Longest prefix that fits, walking code points (astral ones cost 2). The whole text
    # does not fit, so this stops before its end.
    used = 0
    cut = 0
    while used + (2 if ord(text[cut]) > 0xFFFF else 1) <= room:
        used += 2 if ord(text[cut]) > 0xFFFF else 1
        cut += 1
    # Prefer the last whitespace within the prefix, unless that throws away most of it
    # (one very long "word", e.g. a URL): then a hard cut reads better than a stub.
    space = max(text.rfind(" ", 0, cut + 1), text.rfind("\n", 0, cut + 1))
    if space > cut // 2:
        cut = space
    else:
        while cut > 0 and unicodedata.combining(text[cut]):
            cut -= 1
    head = text[:cut].rstrip(" \n\t,;:-–—")
    return head + ellipsis
