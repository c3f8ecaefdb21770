"""Ingest: every feed on its own schedule, fetched concurrently with a small bound, stored
in bounded transactions, announced to readers once, its health reported to the admins on time.

A slow or dead feed only delays itself: each poll is its own task, and the loop never waits
for one before starting the next due feed. Network I/O happens outside database
transactions. A poll stores its items in chunks (`store_in_chunks`), then announces them
(`announce`: at most `pushes_per_poll` pushes, the rest as one notice), and only then
advances the feed's state. A poll that dies half-way has stored some articles, announced none
and left the feed as it was: the next poll fetches everything again, finds those articles
stored (nothing doubles) and announces them with its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
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
from bot.feeds.requested import MIN_GAP_S, after_poll, requested_poll_at
from bot.feeds.schedule import (
    RepeatFilter,
    failing_since,
    failure_backoff_cap,
    next_poll_after_failure,
    next_poll_after_success,
    should_alert_down,
    should_alert_recovered,
)
from bot.i18n import DEFAULT_LOCALE, format_datetime, t
from bot.services.announce import announce
from bot.services.ingest_store import LateTopics, StoredEntries, store_in_chunks
from bot.services.pages import complete_from_pages
from bot.services.poll_stats import PollStats
from storage.db import Database
from storage.models import Feed, utcnow
from storage.repositories import feeds

log = logging.getLogger(__name__)

Alert = Callable[[str], Awaitable[None]]
# The same warning for the same feed is logged at most once an hour (with a count of repeats).
REPEAT_WARNING_EVERY_S = 3600.0


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


class Ingest:
    def __init__(
        self,
        database: Database,
        fetcher: FeedFetcher,
        *,
        interval_s: float,
        summary_limit: int = 400,
        zone: ZoneInfo | None = None,
        locale: str = DEFAULT_LOCALE,
        concurrency: int = 4,
        alert_after_s: float = 1800.0,
        pushes_per_poll: int = 5,
        freshness_hours: float = 24.0,
        clock: Callable[[], datetime] = utcnow,
        rng: random.Random | None = None,
        alert: Alert | None = None,
        on_enqueued: Callable[[], None] | None = None,
        timer: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.database = database
        self.fetcher = fetcher
        self.interval_s = interval_s
        self.summary_limit = summary_limit
        self.zone = zone or ZoneInfo("Asia/Ho_Chi_Minh")
        self.locale = locale  # the station's: stored placeholder titles and admin alerts
        self.alert_after_s = alert_after_s
        self.pushes_per_poll = pushes_per_poll
        self.freshness = timedelta(hours=freshness_hours)
        self.clock = clock
        self.rng = rng or random.Random()
        self.alert = alert
        self.on_enqueued = on_enqueued
        self._slots = asyncio.Semaphore(concurrency)
        # Feeds are fetched concurrently but each chunk is stored alone: a category feed
        # repeats the main feed's stories and topics, and two transactions inserting the same
        # article or topic at once would fail one feed's poll on the unique constraints.
        self._store = asyncio.Lock()
        self._in_flight: dict[int, asyncio.Task[PollOutcome]] = {}
        self._repeats = RepeatFilter(REPEAT_WARNING_EVERY_S)
        self.stats = PollStats()  # for /metrics
        self.timer = timer
        self._wake = asyncio.Event()  # set by poll_now: look for due feeds before the tick ends

    async def run_forever(self, tick_s: float = 1.0) -> None:
        """Start every due feed's poll as it falls due; never wait on a slow one."""
        try:
            while True:
                await self.start_due()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), tick_s)
                self._wake.clear()
        finally:
            # A stopped loop stops its polls: none may outlive the database it writes to.
            polls = list(self._in_flight.values())
            for task in polls:
                task.cancel()
            await asyncio.gather(*polls, return_exceptions=True)

    async def start_due(self) -> list[asyncio.Task[PollOutcome]]:
        async with self.database.session() as session:
            due = await feeds.due_feeds(session, self.clock(), exclude=list(self._in_flight))
            snapshots = [_FeedSnapshot.of(feed) for feed in due]
        started = []
        for snapshot in snapshots:
            task = asyncio.create_task(self._guarded_poll(snapshot), name=f"poll-{snapshot.id}")
            self._in_flight[snapshot.id] = task
            task.add_done_callback(self._forget)
            started.append(task)
        return started

    def _forget(self, task: asyncio.Task[PollOutcome]) -> None:
        for feed_id, running in list(self._in_flight.items()):
            if running is task:
                del self._in_flight[feed_id]

    async def poll_now(self, feed_ids: Sequence[int], *, min_gap_s: float = MIN_GAP_S) -> list[int]:
        """Ask for these feeds to be polled at once (debounced: see ``bot.feeds.requested``).

        The request is the feed row's next poll time, so it reaches the leader's loop from any
        process (a standby took the ping): the loop reads due feeds every second, and at once
        when the request was made in this process. Returns the active feeds requested.
        """
        now = self.clock()
        requested = []
        async with self.database.session() as session:
            for feed_id in dict.fromkeys(feed_ids):
                feed = await feeds.get(session, feed_id)
                if feed is None or not feed.active:
                    continue
                feed.next_poll_at = requested_poll_at(
                    now, feed.last_polled_at, feed.next_poll_at, min_gap_s
                )
                requested.append(feed_id)
        if requested:
            self._wake.set()
        return requested

    async def poll_due(self) -> list[PollOutcome]:
        """Poll every due feed once and wait for all of them (tests and one-shot runs)."""
        return list(await asyncio.gather(*await self.start_due()))

    async def _guarded_poll(self, snapshot: _FeedSnapshot) -> PollOutcome:
        async with self._slots:
            try:
                outcome = await self._poll(snapshot)
            except Exception as error:  # a bug in one feed's handling must not stop the rest
                log.exception(
                    "poll of feed %s failed unexpectedly",
                    snapshot.id,
                    extra={"feed_id": snapshot.id},
                )
                outcome = await self._record_failure(
                    snapshot.id, f"internal error: {error!r}", None
                )
            self.stats.poll_finished(snapshot.url, outcome.status)
            return outcome

    async def poll(self, feed_id: int) -> PollOutcome:
        """Fetch, parse and store one feed now."""
        async with self.database.session() as session:
            feed = await feeds.get(session, feed_id)
            if feed is None:
                raise LookupError(f"feed {feed_id} does not exist")
            snapshot = _FeedSnapshot.of(feed)
        outcome = await self._poll(snapshot)
        self.stats.poll_finished(snapshot.url, outcome.status)
        return outcome

    async def _poll(self, snapshot: _FeedSnapshot) -> PollOutcome:
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
        self, snapshot: _FeedSnapshot, fetched: FetchResult, parsed: ParsedFeed | None
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
        self, snapshot: _FeedSnapshot, fetched: FetchResult
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

    async def _record_unusable(self, snapshot: _FeedSnapshot, reason: str) -> PollOutcome:
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
class _FeedSnapshot:
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
    def of(cls, feed: Feed) -> _FeedSnapshot:
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
