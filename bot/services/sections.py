"""Which sections the topic picker offers: the station's WordPress categories, else the
configured list, else the topics its feeds use most.

A feed's ``<category>`` list mixes sections and tags (a busy WordPress site has hundreds of
tags), so the feeds are the last resort and capped; WordPress's REST API knows which of them
are categories. Its answer is cached (a station adds a section a few times a year) and a
failed fetch is retried after a few minutes, never on every /start.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Sequence

from bot.news.topics import slugify, topic_name
from storage.db import Database
from storage.repositories import reader_topics
from storage.repositories.articles import TopicRef

log = logging.getLogger(__name__)

# Twelve buttons in rows of two fill a phone screen; more is a list nobody reads.
MAX_SECTIONS = 12
CACHE_S = 3600.0
RETRY_S = 300.0

Fetch = Callable[[], Awaitable[Sequence[str] | None]]


def refs_of(names: Sequence[str]) -> tuple[TopicRef, ...]:
    """Display names as topic refs, deduplicated by slug (the identity), in order."""
    refs = [TopicRef(topic_name(name), slugify(name)) for name in names]
    return tuple({ref.slug: ref for ref in refs if ref.slug}.values())


class Sections:
    def __init__(
        self,
        database: Database,
        configured: Sequence[str],
        *,
        fetch: Fetch | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._database = database
        self._configured = refs_of(configured)
        self._fetch = fetch
        self._clock = clock
        self._cached: tuple[TopicRef, ...] = ()
        self._fresh_until = float("-inf")

    async def current(self) -> tuple[TopicRef, ...]:
        """The sections to offer now (cached; empty only while the station has no topics)."""
        now = self._clock()
        if now < self._fresh_until:
            return self._cached
        found: tuple[TopicRef, ...] = ()
        failed = False
        if self._fetch is not None:
            found = refs_of(await self._fetch() or ())[:MAX_SECTIONS]
            failed = not found
            if failed:
                log.warning("WordPress categories unavailable: the picker offers the fallback")
        if not found:
            found = self._configured
        if not found:
            async with self._database.session() as session:
                found = tuple(await reader_topics.most_used(session, MAX_SECTIONS))
            failed = failed or not found  # no article yet: look again soon
        # A good answer holds an hour (sections change a few times a year); a failure is asked
        # again after five minutes, never on every /start.
        self._cached = found
        self._fresh_until = now + (RETRY_S if failed else CACHE_S)
        return found
