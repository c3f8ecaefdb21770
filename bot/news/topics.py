"""Topic (WordPress category) names and the slugs used in callback data and deep links."""

from __future__ import annotations

import hashlib
import re

from bot.news.folding import fold
from bot.news.text import normalize_line

__all__ = ["SLUG_MAX", "slugify", "topic_name"]

# Telegram callback_data is at most 64 bytes and deep-link payloads allow [A-Za-z0-9_-]
# only; 48 leaves room for a short action prefix such as "sub:".
SLUG_MAX = 48
_NON_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(name: str) -> str:
    """``Quốc phòng - An ninh`` → ``quoc-phong-an-ninh``: ASCII, lowercase, hyphens, ≤ 48 chars.

    A name with no Latin letters or digits gets a stable ``t-<hash>`` slug, so it still has a
    usable, distinct key. An empty name gives ``""``.
    """
    cleaned = topic_name(name)
    if not cleaned:
        return ""
    slug = _NON_SLUG.sub("-", fold(cleaned)).strip("-")
    if not slug:
        return "t-" + hashlib.sha1(cleaned.encode("utf-8")).hexdigest()[:10]
    if len(slug) > SLUG_MAX:
        cut = slug[: SLUG_MAX + 1]
        # Prefer ending on a whole word; a single over-long word is cut hard.
        slug = cut[: cut.rfind("-")] if "-" in cut else slug[:SLUG_MAX]
        slug = slug[:SLUG_MAX].rstrip("-")
    return slug


def topic_name(raw: str) -> str:
    """Display form of a category name: entities decoded, NFC, single spaces, trimmed."""
    return normalize_line(raw)
