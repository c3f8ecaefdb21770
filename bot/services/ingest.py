"""Ingest: every feed on its own schedule, fetched concurrently with a small bound, stored
in bounded transactions, announced to readers once, its health reported to the admins on time.

A slow or dead feed only delays itself: each poll is its own task, and the loop never waits
for one before starting the next due feed. This module is the loop and the schedule over all
feeds (and requests to poll some now); one feed's poll is ``bot.services.feed_poll``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.feeds.fetch import FeedFetcher
from bot.feeds.requested import MIN_GAP_S
from bot.feeds.schedule import RepeatFilter
from bot.i18n import DEFAULT_LOCALE
from bot.services.feed_poll import Alert, FeedPolls, FeedSnapshot, PollOutcome
from bot.services.poll_requests import request_polls
from bot.services.poll_stats import PollStats
from storage.db import Database
from storage.models import utcnow
from storage.repositories import feeds

log = logging.getLogger(__name__)

# The same warning for the same feed is logged at most once an hour (with a count of repeats).
REPEAT_WARNING_EVERY_S = 3600.0


class Ingest(FeedPolls):
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
            snapshots = [FeedSnapshot.of(feed) for feed in due]
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
        requested = await request_polls(self.database, self.clock(), feed_ids, min_gap_s=min_gap_s)
        if requested:
            self._wake.set()
        return requested

    async def poll_due(self) -> list[PollOutcome]:
        """Poll every due feed once and wait for all of them (tests and one-shot runs)."""
        return list(await asyncio.gather(*await self.start_due()))

    async def _guarded_poll(self, snapshot: FeedSnapshot) -> PollOutcome:
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
            snapshot = FeedSnapshot.of(feed)
        outcome = await self._poll(snapshot)
        self.stats.poll_finished(snapshot.url, outcome.status)
        return outcome
