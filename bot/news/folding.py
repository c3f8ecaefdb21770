"""Accent-folded search form of Vietnamese text.

Readers type queries with or without diacritics, and editors mix the old and new tone-mark
placements (``hòa``/``hoà``, ``thủy``/``thuỷ``); folding both sides to bare ASCII-ish letters
makes all of these match.
"""

from __future__ import annotations

import re
import unicodedata

from bot.news.text import normalize_text

__all__ = ["fold", "fold_query"]

_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")
# Everything that is not a letter or digit separates words ("_" is a word char for \w).
_SEPARATORS = re.compile(r"[\W_]+")
# D-with-stroke has no decomposition in Unicode, so NFD leaves it alone.
_STROKE_D = str.maketrans({"đ": "d", "Đ": "d"})


def fold(text: str) -> str:
    """Lowercase, strip diacritics (``đ`` → ``d``), punctuation and runs of spaces to one space."""
    if not text:
        return ""
    value = unicodedata.normalize("NFD", normalize_text(text)).translate(_STROKE_D)
    value = _COMBINING.sub("", value).lower()
    return _SEPARATORS.sub(" ", value).strip()


def fold_query(q: str) -> str:
    """Fold a user's search query exactly like stored text, so the two compare directly."""
    return fold(q)
