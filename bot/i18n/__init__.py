"""Message catalogues: Vietnamese first, English beside it.

Catalogues are JSON files (``vi.json``, ``en.json``) keyed by message id; values are
``str.format`` templates. Every key must exist in both (a test checks it).
"""

from __future__ import annotations

import json
import unicodedata
from functools import cache
from importlib import resources
from typing import Any

LOCALES = ("vi", "en")
DEFAULT_LOCALE = "vi"


@cache
def catalogue(locale: str) -> dict[str, str]:
    """Load one locale's catalogue, NFC-normalised."""
    raw = resources.files(__package__).joinpath(f"{locale}.json").read_text("utf-8")
    data: dict[str, str] = json.loads(raw)
    return {key: unicodedata.normalize("NFC", value) for key, value in data.items()}


def pick_locale(language_code: str | None, default: str = DEFAULT_LOCALE) -> str:
    """Map a Telegram ``language_code`` (``en-GB``, ``vi``…) to a supported locale."""
    if language_code:
        base = language_code.split("-")[0].lower()
        if base in LOCALES:
            return base
    return default


def t(key: str, locale: str = DEFAULT_LOCALE, **params: Any) -> str:
    """Translate ``key`` into ``locale``, falling back to Vietnamese."""
    template = catalogue(locale if locale in LOCALES else DEFAULT_LOCALE).get(key)
    if template is None:
        template = catalogue(DEFAULT_LOCALE)[key]
    return template.format(**params) if params else template
