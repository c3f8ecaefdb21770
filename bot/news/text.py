"""Text normalisation shared by every piece of feed and user text."""

from __future__ import annotations

import html
import re
import unicodedata

# Some Vietnamese sites type the Icelandic eth (U+00D0/U+00F0) for the Vietnamese
# D-with-stroke (U+0110/U+0111); they look identical but break search and sorting.
_ETH_IN_WORD = re.compile(r"[\u00d0\u00f0](?=[A-Za-zÀ-ỹ])|(?<=[A-Za-zÀ-ỹ])[\u00d0\u00f0]")
# Runs of horizontal space become one plain space. A lone plain space already is one, so the
# pattern skips it: matching every word gap made this the slowest step of feed ingest.
_SPACE_CHARS = " \t\u00a0\u2000-\u200b\u202f\u205f\u3000"
_SPACES = re.compile(
    rf"[\t\u00a0\u2000-\u200b\u202f\u205f\u3000][{_SPACE_CHARS}]*| [{_SPACE_CHARS}]+"
)


def _fix_eth(match: re.Match[str]) -> str:
    return "Đ" if match.group(0) == "\u00d0" else "đ"


def normalize_text(value: str | None) -> str:
    """Unescape HTML entities, fold look-alike letters, NFC-normalise and collapse spaces."""
    if not value:
        return ""
    text = html.unescape(value)
    if "\u00d0" in text or "\u00f0" in text:  # rare; the regex scan is not free
        text = _ETH_IN_WORD.sub(_fix_eth, text)
    text = unicodedata.normalize("NFC", text)
    text = _SPACES.sub(" ", text)
    return text.strip()


def normalize_line(value: str | None) -> str:
    """``normalize_text`` that also folds line breaks: one line with single spaces.

    ``str.split()`` is C-fast and knows every Unicode space, unlike a regex substitution
    that has to visit each gap between words.
    """
    return " ".join(normalize_text(value).split())
