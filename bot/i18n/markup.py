"""Telegram-HTML safety for message parameters.

HTML messages (``msgctxt "html"`` in the catalogues) escape every parameter they receive; a
caller that already holds safe markup (a link it built, another HTML message) wraps it in
:class:`Markup` so it is placed as it is. Plain-text messages never escape anything.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

# The four characters Telegram's HTML parse mode gives a meaning to; ``'`` needs no entity
# because every attribute we write is double-quoted.
_ENTITIES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})


class Markup(str):
    """Text that is already valid Telegram HTML and must not be escaped again."""

    __slots__ = ()


def escape(text: str) -> Markup:
    """Escape ``text`` for Telegram HTML; :class:`Markup` passes through unchanged."""
    if isinstance(text, Markup):
        return text
    return Markup(str(text).translate(_ENTITIES))


def html_param(value: Any) -> Any:
    """A parameter as an HTML message receives it: text escaped, numbers left for format specs."""
    if isinstance(value, Markup | int | float | Decimal):
        return value
    return escape(value if isinstance(value, str) else str(value))
