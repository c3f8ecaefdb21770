"""One feed's poll: fetch, parse, store, announce, then record the feed's new state.

A poll stores its items in chunks (``store_in_chunks``), then announces them (``announce``:
at most ``pushes_per_poll`` pushes, the rest as one notice), and only then advances the feed's
state. A poll that dies half-way has stored some articles, announced none and left the feed
as it was: the next poll fetches everything again, finds those articles stored (nothing
doubles) and announces them with its own. Network I/O happens outside database transactions.

``FeedPolls`` is the part of :class:`bot.services.ingest.Ingest` that handles one feed; the
loop and schedule over all feeds are in ``bot.services.ingest``.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.feeds.draft import ArticleDraft
from bot.feeds.errors import FeedError, FeedHttpError, safe_url
from bot.feeds.fetch import FeedFetcher, FetchResult
from bot.feeds.parse import ParsedFeed, parse_feed
from bot.feeds.requested import MIN_GAP_S, after_poll
from bot.feeds.schedule import (
    RepeatFilter,
    failing_since,
    failure_backoff_cap,
    next_poll_after_failure,
    next_poll_after_success,
    should_alert_down,
    should_alert_recovered,
)
from bot.i18n import format_datetime, t
from bot.services.announce import announce
from bot.services.ingest_store import LateTopics, StoredEntries, store_in_chunks
from bot.services.pages import complete_from_pages
from bot.services.poll_stats import PollStats
from storage.db import Database
from storage.models import Feed
from storage.repositories import feeds

log = logging.getLogger("bot.services.ingest")  # the ingest's log lines, as before the split

Alert = Callable[[str], Awaitable[None]]


class PollStatus(StrEnum):
    STORED = "stored"  # a usable answer, stored
    NOT_MODIFIED = "not_modified"
    EMPTY = "empty"  # the feed answered but holds no usable item: counts as failing
    ERROR = "error"


@dataclass
class PollOutcome:
    feed_id: int
    url: str
    status: PollStatus
    new: int = 0
    revised: int = 0
    backlog: bool = False
    enqueued: int = 0  # delivery rows written: pushes, the burst summary, edit requests
    pushed: int = 0  # articles pushed one by one
    summarised: int = 0  # articles announced only in the burst summary
    skipped: int = 0  # entries with neither title nor text (nothing to tell a reader)
    error: str | None = None


class FeedPolls:
    """One feed's poll and its bookkeeping; the state is :class:`~bot.services.ingest.Ingest`'s."""

    database: Database
    fetcher: FeedFetcher
    interval_s: float
    summary_limit: int
    zone: ZoneInfo
    locale: str
    alert_after_s: float
    pushes_per_poll: int
    freshness: timedelta
    clock: Callable[[], datetime]
    rng: random.Random
    alert: Alert | None
    on_enqueued: Callable[[], None] | None
    stats: PollStats
    timer: Callable[[], float]
    _store: asyncio.Lock
    _repeats: RepeatFilter

    async def _poll(self, snapshot: FeedSnapshot) -> PollOutcome:
        try:
            began = self.timer()
            try:
                fetched = await self.fetcher.fetch(
                    snapshot.url, etag=snapshot.etag, last_modified=snapshot.last_modified
                )
            finally:  # failures too: a feed that times out is what the histogram is for
                self.stats.fetch_seconds.observe(self.timer() - began)
            if fetched.not_modified and snapshot.healthy and not fetched.permanent_url:
                return await self._record_not_modified(snapshot, fetched)
            if fetched.not_modified:
                return await self._record_success(snapshot, fetched, None)
            parsed = await asyncio.to_thread(
                parse_feed,
                fetched.body,
                fetched_at=self.clock(),
                content_type=fetched.content_type,
                summary_limit=self.summary_limit,
                base_url=fetched.final_url or snapshot.url,
                locale=self.locale,
            )
        except FeedError as error:
            retry_after = error.retry_after if isinstance(error, FeedHttpError) else None
            return await self._record_failure(snapshot.id, str(error), retry_after)
        if parsed.warning:
            self._warn(
                snapshot.id,
                ("malformed", parsed.warning),
                "feed %s is malformed but readable: %s",
                safe_url(snapshot.url),
                parsed.warning,
            )
        if parsed.skipped:
            self._warn(
                snapshot.id,
                ("skipped",),
                "feed %s: skipped %d entries without a title or text",
                safe_url(snapshot.url),
                parsed.skipped,
            )
        if not parsed.entries:
            reason = (
                f"no usable item: {parsed.skipped} entries without a title or text"
                if parsed.skipped
                else "no usable item: the feed lists no entries"
            )
            unusable = await self._record_unusable(snapshot, reason)
            unusable.skipped = parsed.skipped
            return unusable
        parsed = await complete_from_pages(
            self.database,
            self.fetcher,
            snapshot.id,
            parsed,
            feed_url=fetched.final_url or snapshot.url,
            summary_limit=self.summary_limit,
        )
        outcome = await self._record_success(snapshot, fetched, parsed)
        outcome.skipped = parsed.skipped
        return outcome

    async def store_entries(
        self, feed_id: int, drafts: Sequence[ArticleDraft], *, now: datetime, backlog: bool
    ) -> StoredEntries:
        """Store a poll's drafts in bounded transactions (see `store_in_chunks`)."""
        return await store_in_chunks(
            self.database, self._store, feed_id, drafts, now=now, backlog=backlog,
            late=LateTopics(self.freshness),
        )  # fmt: skip

    async def _record_success(
        self, snapshot: FeedSnapshot, fetched: FetchResult, parsed: ParsedFeed | None
    ) -> PollOutcome:
        now = self.clock()
        status = PollStatus.NOT_MODIFIED if parsed is None else PollStatus.STORED
        outcome = PollOutcome(snapshot.id, snapshot.url, status)
        backlog = not snapshot.primed
        if parsed is not None:
            stored = await self.store_entries(snapshot.id, parsed.entries, now=now, backlog=backlog)
            outcome.new, outcome.revised, outcome.backlog = len(stored.new), stored.revised, backlog
            outcome.enqueued = stored.edits + stored.late_pushes
            if not backlog:
                announced = await announce(
                    self.database,
                    snapshot.id,
                    stored.new,
                    since=snapshot.succeeded_at,
                    limit=self.pushes_per_poll,
                    source=parsed.title or snapshot.title or _host(snapshot.url),
                    site_url=parsed.link,
                    now=now,
                    expires_at=now + self.freshness,
                )
                outcome.pushed, outcome.summarised = announced.pushed, announced.summarised
                outcome.enqueued += announced.enqueued
            if stored.new or stored.revised:
                # One line per poll that brought news; its article ids as a field of their own.
                log.info(
                    "feed %s: %d new, %d revised, %d pushed, %d in a summary",
                    snapshot.id,
                    outcome.new,
                    outcome.revised,
                    outcome.pushed,
                    outcome.summarised,
                    extra={"feed_id": snapshot.id, "article_ids": sorted(stored.new)[:200]},
                )
        # Last, once everything is stored and announced: the feed's validators and times.
        async with self._store, self.database.session() as session:
            feed = await feeds.get(session, snapshot.id)
            if feed is None:
                return outcome
            if parsed is not None:
                feed.primed = True
                feed.title = parsed.title or feed.title
            recovered = should_alert_recovered(feed.alerted_down)
            feed.etag = fetched.etag or feed.etag
            feed.last_modified = fetched.last_modified or feed.last_modified
            if await self._moved(session, feed, fetched.permanent_url):
                log.info(
                    "feed %s moved to %s", safe_url(feed.url), safe_url(str(fetched.permanent_url))
                )
                feed.url = str(fetched.permanent_url)
            feed.failures = 0
            feed.last_error = None
            feed.alerted_down = False
            feed.last_polled_at = feed.last_success_at = now
            feed.next_poll_at = after_poll(
                feed.next_poll_at,
                snapshot.due_at,
                next_poll_after_success(
                    now, self.interval_s, rng=self.rng, max_age=fetched.max_age
                ),
                now,
            )
        self._repeats.forget(snapshot.id)
        if recovered:
            await self._alert(t("alert.feed_up", self.locale, url=safe_url(snapshot.url)))
        if outcome.enqueued and self.on_enqueued is not None:
            self.on_enqueued()
        return outcome

    async def _record_not_modified(
        self, snapshot: FeedSnapshot, fetched: FetchResult
    ) -> PollOutcome:
        """The common case, a 304 from a healthy feed: one UPDATE, no rows loaded."""
        now = self.clock()
        async with self.database.session() as session:
            await feeds.record_not_modified(
                session,
                snapshot.id,
                now=now,
                next_poll_at=next_poll_after_success(
                    now, self.interval_s, rng=self.rng, max_age=fetched.max_age
                ),
                # A poll requested while this one ran is kept (see bot.feeds.requested).
                scheduled_at=snapshot.due_at,
                requested_poll_at=now + timedelta(seconds=MIN_GAP_S),
                etag=fetched.etag,
                last_modified=fetched.last_modified,
            )
        return PollOutcome(snapshot.id, snapshot.url, PollStatus.NOT_MODIFIED)

    @staticmethod
    async def _moved(session: AsyncSession, feed: Feed, new_url: str | None) -> bool:
        """A permanent redirect to a URL no other feed row holds updates the stored URL."""
        if not new_url or new_url == feed.url:
            return False
        holder = await feeds.find_by_url(session, new_url)
        return holder is None or holder.id == feed.id  # moved back to where it was listed

    async def _record_unusable(self, snapshot: FeedSnapshot, reason: str) -> PollOutcome:
        """The feed answered, but with nothing usable: not an error of the site's server (no
        backoff, validators not kept so the next poll reads it again), yet no success either:
        "failing since" keeps running, and admins hear of it like of an error."""
        now = self.clock()
        async with self.database.session() as session:
            feed = await feeds.get(session, snapshot.id)
            if feed is None:
                return PollOutcome(snapshot.id, snapshot.url, PollStatus.EMPTY, error=reason)
            feed.last_error = reason
            feed.last_polled_at = now
            feed.next_poll_at = next_poll_after_success(now, self.interval_s, rng=self.rng)
            down = self._down_alert(feed, now, reason)
        self._warn(snapshot.id, ("unusable", reason), "feed %s: %s", safe_url(snapshot.url), reason)
        if down is not None:
            await self._alert(down)
        return PollOutcome(snapshot.id, snapshot.url, PollStatus.EMPTY, error=reason)

    async def _record_failure(
        self, feed_id: int, error: str, retry_after: float | None
    ) -> PollOutcome:
        now = self.clock()
        async with self.database.session() as session:
            feed = await feeds.get(session, feed_id)
            if feed is None:
                return PollOutcome(feed_id, "", PollStatus.ERROR, error=error)
            feed.failures += 1
            feed.last_error = error[:1000]
            feed.last_polled_at = now
            feed.next_poll_at = next_poll_after_failure(
                now,
                self.interval_s,
                feed.failures,
                rng=self.rng,
                retry_after=retry_after,
                cap_s=failure_backoff_cap(self.interval_s, self.alert_after_s),
            )
            down = self._down_alert(feed, now, error)
            url, failures = feed.url, feed.failures
        self._warn(
            feed_id,
            ("failed", error),
            "feed %s failed (%d in a row): %s",
            safe_url(url),
            failures,
            error,
        )
        if down is not None:
            await self._alert(down)
        return PollOutcome(feed_id, url, PollStatus.ERROR, error=error)

    def _down_alert(self, feed: Feed, now: datetime, reason: str) -> str | None:
        """The admins' "down" message if this poll is the one to send it (marks the feed)."""
        since = failing_since(feed.last_success_at, feed.created_at)
        if not should_alert_down(now, since, self.alert_after_s, alerted=feed.alerted_down):
            return None
        feed.alerted_down = True
        return t(
            "alert.feed_down",
            self.locale,
            url=safe_url(feed.url),
            since=format_datetime(since, self.locale, tz=self.zone),
            error=reason,
        )

    def _warn(self, feed_id: int, reason: tuple[str, ...], message: str, *args: Any) -> None:
        """A warning about a feed, rate-limited per feed and reason (see RepeatFilter)."""
        held = self._repeats.admit((feed_id, *reason), self.clock())
        if held is None:
            return
        if held:
            message += " (%d more like it not logged)"
            args = (*args, held)
        log.warning(message, *args, extra={"feed_id": feed_id})

    async def _alert(self, text: str) -> None:
        if self.alert is None:
            return
        try:
            await self.alert(text)
        except Exception:  # an unreachable admin chat must not break polling
            log.exception("could not send the admin alert")


def _host(url: str) -> str:
    return urlsplit(url).hostname or url


@dataclass(frozen=True)
class FeedSnapshot:
    """What a poll needs from the feed row, read before the network call."""

    id: int
    url: str
    title: str | None
    etag: str | None
    last_modified: str | None
    primed: bool
    healthy: bool  # no failures in a row, so a success has nothing to announce or reset
    # The last success (or when the feed was added): articles stored after it and not
    # announced come from a poll that died half-way.
    succeeded_at: datetime
    # The row's next poll time when the poll started: a later change is a requested poll.
    due_at: datetime

    @classmethod
    def of(cls, feed: Feed) -> FeedSnapshot:
        healthy = feed.failures == 0 and not feed.alerted_down and feed.last_error is None
        return cls(
            feed.id,
            feed.url,
            feed.title,
            feed.etag,
            feed.last_modified,
            feed.primed,
            healthy,
            failing_since(feed.last_success_at, feed.created_at),
            feed.next_poll_at,
        )
