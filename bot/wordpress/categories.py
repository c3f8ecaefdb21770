"""The station's sections as WordPress knows them: its top-level categories that have posts.

Public data (no credentials): ``GET /wp-json/wp/v2/categories?parent=0&hide_empty=true``,
most used first. Names arrive HTML-escaped (``Quốc phòng &amp; An ninh``); the picker's slugs
are made from the names exactly as the feeds' ``<category>`` names are, so a section's button
matches the articles filed under it whatever slug WordPress gave it.
"""

from __future__ import annotations

import html
import logging
from typing import Any

import aiohttp

log = logging.getLogger(__name__)

TIMEOUT = aiohttp.ClientTimeout(total=10)
# WordPress's default category holds what editors forgot to file: never a section to offer.
_DEFAULT_SLUGS = frozenset({"uncategorized", "khong-phan-loai", "chua-phan-loai"})
PER_PAGE = 100  # WordPress's maximum; a station has a dozen sections


def section_names(data: Any) -> list[str] | None:
    """The category names of one REST answer, most posts first; None for a malformed answer."""
    if not isinstance(data, list):
        return None
    found: list[tuple[int, str]] = []
    for item in data:
        if not isinstance(item, dict):
            continue
        name, count, parent = item.get("name"), item.get("count"), item.get("parent", 0)
        if not isinstance(name, str) or not name.strip() or parent not in (0, None):
            continue
        if item.get("slug") in _DEFAULT_SLUGS or not isinstance(count, int) or count <= 0:
            continue
        found.append((count, html.unescape(name)))
    found.sort(key=lambda pair: -pair[0])  # stable: WordPress's order among equals
    return [name for _, name in found]


async def fetch_sections(site_url: str) -> list[str] | None:
    """The site's sections, or None when WordPress did not answer usefully (logged)."""
    url = f"{site_url.rstrip('/')}/wp-json/wp/v2/categories"
    params = {
        "parent": "0",
        "hide_empty": "true",
        "per_page": str(PER_PAGE),
        "orderby": "count",
        "order": "desc",
        "_fields": "id,name,slug,count,parent",
    }
    try:
        async with (
            aiohttp.ClientSession(timeout=TIMEOUT) as session,
            session.get(url, params=params) as response,
        ):
            if response.status != 200:
                log.warning("WordPress categories: HTTP %s", response.status)
                return None
            data = await response.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError, ValueError) as error:
        log.warning("WordPress categories: %s", type(error).__name__)
        return None
    names = section_names(data)
    if names is None:
        log.warning("WordPress categories: the answer is not a list of categories")
    return names
