"""Which configured feeds an update ping names, and the request to poll them now.

A ping names its site by URLs (home, feed). Only the host decides: the ping's URLs are
compared, never fetched; the feeds polled are the station's own rows, by their stored URLs.
``www.`` and the default port do not count (WordPress's home may be ``https://www.site/``
while the feed was configured as ``https://site/feed``).
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from sqlalchemy import select

from bot.services.ingest import Ingest
from storage.db import Database
from storage.models import Feed

_DEFAULT_PORTS = {"http": 80, "https": 443}


def site_key(url: str) -> str | None:
    """``host[:port]`` of a URL, lower case, without ``www.`` or a default port; None if none."""
    try:
        parts = urlsplit(url.strip())
        host, port = parts.hostname, parts.port
    except ValueError:  # an invalid port or IPv6 literal: not a site we follow
        return None
    if parts.scheme not in _DEFAULT_PORTS or not host:
        return None
    host = host.removeprefix("www.")
    if port is not None and port != _DEFAULT_PORTS[parts.scheme]:
        return f"{host}:{port}"
    return host


def feeds_of_site(feeds: Sequence[tuple[int, str]], urls: Sequence[str]) -> list[int]:
    """The ids of ``(id, url)`` feeds on the same site as any of ``urls``."""
    sites = {key for key in map(site_key, urls) if key is not None}
    return [feed_id for feed_id, url in feeds if site_key(url) in sites]


class SitePings:
    """``await pings(urls)``: poll the feeds of the site these URLs name; returns their ids."""

    def __init__(self, database: Database, ingest: Ingest) -> None:
        self.database = database
        self.ingest = ingest

    async def __call__(self, urls: Sequence[str]) -> list[int]:
        async with self.database.session() as session:
            rows = (await session.execute(select(Feed.id, Feed.url).where(Feed.active))).all()
        matched = feeds_of_site([(row.id, row.url) for row in rows], urls)
        if not matched:
            return []
        return await self.ingest.poll_now(matched)
