"""The daily digest job: at each reader's digest time, one "Bản tin tổng hợp" through the outbox.

Every tick (:meth:`DigestJob.run_once`) looks at each *bucket* of readers (same time zone and
digest time, see ``storage.repositories.digests``) whose edition is due
(``bot.services.digest_schedule``). Within a bucket, readers are grouped by what their
edition says: (topics, language, window). Each group is laid out once (headlines grouped by
topic, split into messages that fit Telegram's 4,096 units) and queued for all its readers in
bulk INSERT … SELECTs, as ``MessageKind.DIGEST`` rows with the ref
``digest:<local date>:<part>``. The bucket's ``last_digest_at`` is stored in the same
transaction, so an edition is made once: a restart re-makes nothing, a second run waits for
the bucket's lock (PostgreSQL) and finds nothing due, and a missed slot is caught up (within
``CATCH_UP``) at the next tick. An empty window sends nothing. The readers are read already
grouped (``digests.due_groups``): for 100,000 readers one row each cost 1.4 s of Python.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.delivery.utf16 import truncate_utf16, utf16_len
from bot.i18n import t
from bot.services.digest_schedule import (
    CATCH_UP,
    Edition,
    due_edition,
    is_made,
    window_start,
    zone_of,
)
from storage.db import Database
from storage.models import utcnow
from storage.repositories import deliveries, digests
from storage.repositories.digests import Bucket, DueGroup, Headline

__all__ = ["DIGEST_BUDGET", "DigestJob", "Section", "sections_for", "split_sections"]

log = logging.getLogger(__name__)

# Telegram's limit is 4,096 UTF-16 units of visible text; the title line ("📰 Bản tin tổng
# hợp (2/3)", ~25 units) and slack for a catalogue wording change stay outside the budget.
DIGEST_BUDGET = 4096 - 200
TITLE_LIMIT = 300  # the renderer cuts a headline at this many units; the layout counts so
TOPICLESS = -1  # the section of stories without a topic ("Tin khác"), for all-topics readers


@dataclass(frozen=True, slots=True)
class Section:
    """One topic's headlines in an edition."""

    topic: str
    items: tuple[Headline, ...]

    def payload(self) -> dict[str, Any]:
        return {
            "topic": self.topic,
            "items": [{"title": item.title, "url": item.url} for item in self.items],
        }


def sections_for(
    headlines: Sequence[Headline], topics: frozenset[int] | None, other: str
) -> list[Section]:
    """A reader's headlines grouped by topic: each story once, under its first topic the
    reader follows (``topics`` None: every topic, and topicless stories under ``other``);
    sections in name order with ``other`` last, stories newest first as given."""
    grouped: dict[tuple[int, str], list[Headline]] = defaultdict(list)
    for headline in headlines:
        mine = [pair for pair in headline.topics if topics is None or pair[0] in topics]
        if mine:
            grouped[mine[0]].append(headline)
        elif topics is None:
            grouped[(TOPICLESS, other)].append(headline)
    order = sorted(grouped, key=lambda pair: (pair[0] == TOPICLESS, pair[1].casefold()))
    return [Section(name, tuple(grouped[(tid, name)])) for tid, name in order]


def _item_cost(headline: Headline) -> int:
    # "\n• " + the headline as the renderer cuts it.
    return 3 + utf16_len(truncate_utf16(headline.title, TITLE_LIMIT))


def split_sections(sections: Sequence[Section], budget: int = DIGEST_BUDGET) -> list[list[Section]]:
    """Cut an edition into messages of at most ``budget`` visible units each, between
    headlines; a topic cut in two is continued under its name in the next message."""
    parts: list[list[Section]] = []
    current: list[Section] = []
    used = 0
    for section in sections:
        header = 2 + utf16_len(section.topic)  # a blank line, then the topic's name
        items: list[Headline] = []
        for headline in section.items:
            cost = _item_cost(headline) + (0 if items else header)
            if used + cost > budget and (current or items):
                if items:
                    current.append(Section(section.topic, tuple(items)))
                parts.append(current)
                current, items, used = [], [], 0
                cost = _item_cost(headline) + header
            items.append(headline)
            used += cost
        if items:
            current.append(Section(section.topic, tuple(items)))
    if current:
        parts.append(current)
    return parts


def _payloads(parts: list[list[Section]]) -> list[dict[str, Any]]:
    return [
        {"sections": [s.payload() for s in part], "part": number, "parts": len(parts)}
        for number, part in enumerate(parts, start=1)
    ]


class DigestJob:
    """Leader-only background work: queue the digests that are due, every ``tick_s``."""

    def __init__(
        self,
        database: Database,
        *,
        timezone: str = "Asia/Ho_Chi_Minh",
        clock: Callable[[], datetime] = utcnow,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        on_enqueued: Callable[[], None] | None = None,
        tick_s: float = 20.0,
        catch_up: timedelta = CATCH_UP,
    ) -> None:
        self.database = database
        self.timezone = timezone
        self.clock = clock
        self.sleep = sleep
        self.on_enqueued = on_enqueued
        self.tick_s = tick_s
        self.catch_up = catch_up
        self.stats: dict[str, int] = {"editions": 0, "queued": 0, "renders": 0}

    async def run_forever(self) -> None:
        while True:
            await self.run_once()
            await self.sleep(self.tick_s)

    async def run_once(self) -> int:
        """Queue every due edition; returns the number of messages queued. A bucket that
        fails is logged and retried at the next tick; the others go on."""
        now = self.clock()
        async with self.database.session() as session:
            found = await digests.buckets(session)
        queued = 0
        for bucket in found:
            edition = due_edition(
                now, bucket.minute, zone_of(bucket.timezone, self.timezone),
                catch_up=self.catch_up,
            )  # fmt: skip
            if edition is None:
                continue
            try:
                queued += await self._make(bucket, edition, now)
            except Exception:
                log.exception("digest for %s at %s failed; retried next tick", bucket, edition.at)
        if queued and self.on_enqueued is not None:
            self.on_enqueued()
        return queued

    async def _make(self, bucket: Bucket, edition: Edition, now: datetime) -> int:
        """One bucket's edition in one transaction: rows queued and ``last_digest_at`` set
        together, so it is made exactly once (a second run, even in another process, waits
        for the bucket's lock and then finds nothing due)."""
        async with self.database.session() as session:
            await digests.lock_bucket(session, bucket)
            found = await digests.due_groups(session, bucket, edition.at)
            if not found:
                return 0
            groups: dict[tuple[frozenset[int] | None, str, datetime], list[int]] = defaultdict(list)
            for group in found:
                if not is_made(edition, group.last_digest_at):
                    groups[_group_of(group, edition)].extend(group.chat_ids)
            # Every write re-checks that the reader is still due: one who left or chose
            # another time since the read is neither queued nor marked by this edition.
            still = digests.still_due(bucket, edition.at)
            windows: dict[datetime, list[Headline]] = {}
            queued = 0
            for (topics, locale, since), chat_ids in groups.items():
                if since not in windows:
                    windows[since] = await digests.headlines(session, since, edition.at)
                sections = sections_for(windows[since], topics, t("digest.other", locale))
                if not sections:
                    continue  # no news in this reader's topics: no digest
                self.stats["renders"] += 1
                queued += await deliveries.enqueue_digest(
                    session, chat_ids, _payloads(split_sections(sections)),
                    day=edition.day.isoformat(), now=now, expires_at=edition.at + self.catch_up,
                    still=still,
                )  # fmt: skip
            await digests.mark_made(session, bucket, edition.at)
        self.stats["editions"] += 1
        self.stats["queued"] += queued
        readers = sum(len(chat_ids) for chat_ids in groups.values())
        log.info("digest %s %s: %d readers, %d messages", bucket, edition.day, readers, queued)
        return queued


def _group_of(group: DueGroup, edition: Edition) -> tuple[frozenset[int] | None, str, datetime]:
    return group.topics, group.language, window_start(edition, group.last_digest_at)
