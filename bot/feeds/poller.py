"""The poller: every feed on its own schedule, fetched concurrently with a small bound.

A slow or dead feed only delays itself: each poll is its own task, and the loop never waits
for one before starting the next due feed. Network I/O happens outside database
transactions; storing a feed's new items and their delivery rows is one transaction.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.feeds.draft import ArticleDraft
from bot.feeds.errors import FeedError, FeedHttpError, safe_url
from bot.feeds.fetch import FeedFetcher, FetchResult
from bot.feeds.parse import ParsedFeed, parse_feed
from bot.feeds.schedule import (
    next_poll_after_failure,
    next_poll_after_success,
    should_alert_down,
    should_alert_recovered,
)
from bot.news.extract import extract_article, og_image
from bot.news.summary import summarize
from storage.db import Database
from storage.models import Feed, utcnow
from storage.repositories import articles, deliveries, feeds

log = logging.getLogger(__name__)

Alert = Callable[[str], Awaitable[None]]
PAGE_FETCHES_PER_POLL = 5  # pages fetched for entries whose feed text gives no summary


@dataclass
class PollOutcome:
    feed_id: int
    url: str
    status: str  # "stored", "not_modified", "error"
    new: int = 0
    revised: int = 0
    backlog: bool = False
    enqueued: int = 0
    error: str | None = None


class Poller:
    def __init__(
        self,
        database: Database,
        fetcher: FeedFetcher,
        *,
        interval_s: float,
        summary_limit: int = 400,
        zone: ZoneInfo | None = None,
        concurrency: int = 4,
        clock: Callable[[], datetime] = utcnow,
        rng: random.Random | None = None,
        alert: Alert | None = None,
        on_enqueued: Callable[[], None] | None = None,
    ) -> None:
        self.database = database
        self.fetcher = fetcher
        self.interval_s = interval_s
        self.summary_limit = summary_limit
        self.zone = zone or ZoneInfo("Asia/Ho_Chi_Minh")
        self.clock = clock
        self.rng = rng or random.Random()
        self.alert = alert
        self.on_enqueued = on_enqueued
        self._slots = asyncio.Semaphore(concurrency)
        # Feeds are fetched concurrently but stored one at a time: a category feed repeats
        # the main feed's stories and topics, and two transactions inserting the same
        # article or topic at once would fail one feed's poll on the unique constraints.
        self._store = asyncio.Lock()
        self._in_flight: dict[int, asyncio.Task[PollOutcome]] = {}

    async def run_forever(self, tick_s: float = 1.0) -> None:
        """Start every due feed's poll as it falls due; never wait on a slow one."""
        try:
            while True:
                await self.start_due()
                await asyncio.sleep(tick_s)
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

    async def poll_due(self) -> list[PollOutcome]:
        """Poll every due feed once and wait for all of them (tests and one-shot runs)."""
        return list(await asyncio.gather(*await self.start_due()))

    async def _guarded_poll(self, snapshot: _FeedSnapshot) -> PollOutcome:
        async with self._slots:
            try:
                return await self._poll(snapshot)
            except Exception as error:  # a bug in one feed's handling must not stop the rest
                log.exception("poll of feed %s failed unexpectedly", snapshot.id)
                return await self._record_failure(snapshot.id, f"internal error: {error!r}", None)

    async def poll(self, feed_id: int) -> PollOutcome:
        """Fetch, parse and store one feed now."""
        async with self.database.session() as session:
            feed = await feeds.get(session, feed_id)
            if feed is None:
                raise LookupError(f"feed {feed_id} does not exist")
            snapshot = _FeedSnapshot.of(feed)
        return await self._poll(snapshot)

    async def _poll(self, snapshot: _FeedSnapshot) -> PollOutcome:
        try:
            fetched = await self.fetcher.fetch(
                snapshot.url, etag=snapshot.etag, last_modified=snapshot.last_modified
            )
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
            )
        except FeedError as error:
            retry_after = error.retry_after if isinstance(error, FeedHttpError) else None
            return await self._record_failure(snapshot.id, str(error), retry_after)
        if parsed.warning:
            log.warning(
                "feed %s is malformed but readable: %s", safe_url(snapshot.url), parsed.warning
            )
        if parsed.skipped:
            log.warning(
                "feed %s: skipped %d entries without a link", safe_url(snapshot.url), parsed.skipped
            )
        parsed = await self._complete_from_pages(
            snapshot.id, parsed, fetched.final_url or snapshot.url
        )
        return await self._record_success(snapshot, fetched, parsed)

    async def _complete_from_pages(
        self, feed_id: int, parsed: ParsedFeed, feed_url: str
    ) -> ParsedFeed:
        """Entries whose feed text yields no summary get one from the article page.

        Only pages on the feed's own host are fetched: a feed item must not be able to make
        the bot request (and publish) an internal address. An entry stored before and not
        revised since is left alone: its summary is already stored, and re-reading up to
        PAGE_FETCHES_PER_POLL pages on every change of the feed would only load the site.
        """
        host = urlsplit(feed_url).hostname
        bare = [d for d in parsed.entries if not d.summary and urlsplit(d.url).hostname == host]
        if not bare:
            return parsed
        async with self.database.session() as session:
            stored = await articles.stored_hashes(session, feed_id, [d.guid for d in bare])
        bare = [d for d in bare if stored.get(d.guid) != d.content_hash][-PAGE_FETCHES_PER_POLL:]
        if not bare:
            return parsed
        replaced: dict[str, ArticleDraft] = {}
        for draft in bare:
            page = await self.fetcher.fetch_page(draft.url)
            if page is None:
                continue
            text = await asyncio.to_thread(extract_article, page, draft.url)
            paragraphs = [p for p in text.split("\n\n") if p.strip()]
            replaced[draft.guid] = dataclasses.replace(
                draft,
                text=text,
                summary=summarize(paragraphs, self.summary_limit),
                image_url=draft.image_url or og_image(page),
            )
        entries = [replaced.get(d.guid, d) for d in parsed.entries]
        return dataclasses.replace(parsed, entries=entries)

    async def _record_success(
        self, snapshot: _FeedSnapshot, fetched: FetchResult, parsed: ParsedFeed | None
    ) -> PollOutcome:
        now = self.clock()
        outcome = PollOutcome(
            snapshot.id, snapshot.url, "not_modified" if parsed is None else "stored"
        )
        async with self._store, self.database.session() as session:
            feed = await feeds.get(session, snapshot.id)
            if feed is None:
                return outcome
            if parsed is not None:
                backlog = not feed.primed
                stored = await articles.store_drafts(
                    session, feed.id, parsed.entries, now=now, backlog=backlog
                )
                outcome.new, outcome.revised, outcome.backlog = (
                    len(stored.new_ids),
                    len(stored.revised),
                    backlog,
                )
                outcome.enqueued = await self._enqueue(session, stored, now, backlog)
                # An empty first answer is not a baseline: its next items would all be pushed.
                feed.primed = feed.primed or bool(parsed.entries)
                feed.title = parsed.title or feed.title
            recovered = should_alert_recovered(feed.failures, feed.alerted_down)
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
            feed.next_poll_at = next_poll_after_success(
                now, self.interval_s, rng=self.rng, max_age=fetched.max_age
            )
        if recovered:
            await self._alert(f"✅ Nguồn tin {snapshot.url} đã hoạt động trở lại.")
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
                etag=fetched.etag,
                last_modified=fetched.last_modified,
            )
        return PollOutcome(snapshot.id, snapshot.url, "not_modified")

    @staticmethod
    async def _moved(session: AsyncSession, feed: Feed, new_url: str | None) -> bool:
        """A permanent redirect to a URL no other feed row holds updates the stored URL."""
        if not new_url or new_url == feed.url:
            return False
        return await feeds.find_by_url(session, new_url) is None

    async def _enqueue(
        self, session: AsyncSession, stored: articles.StoreResult, now: datetime, backlog: bool
    ) -> int:
        local = now.astimezone(self.zone)
        minute = local.hour * 60 + local.minute
        enqueued = 0
        if not backlog:
            for article_id in stored.new_ids:
                enqueued += await deliveries.enqueue_article(
                    session, article_id, now=now, local_minute=minute
                )
        for article in stored.revised:
            if not article.backlog:
                enqueued += await deliveries.request_edits(
                    session,
                    article.id,
                    article.revision,
                    now=now,
                    published_at=article.published_at,
                )
        return enqueued

    async def _record_failure(
        self, feed_id: int, error: str, retry_after: float | None
    ) -> PollOutcome:
        now = self.clock()
        async with self.database.session() as session:
            feed = await feeds.get(session, feed_id)
            if feed is None:
                return PollOutcome(feed_id, "", "error", error=error)
            before = feed.failures
            feed.failures = before + 1
            feed.last_error = error[:1000]
            feed.last_polled_at = now
            feed.next_poll_at = next_poll_after_failure(
                now, self.interval_s, feed.failures, rng=self.rng, retry_after=retry_after
            )
            alert = should_alert_down(before, feed.failures) and not feed.alerted_down
            if alert:
                feed.alerted_down = True
            url, failures = feed.url, feed.failures
        log.warning("feed %s failed (%d in a row): %s", safe_url(url), failures, error)
        if alert:
            await self._alert(
                f"⚠️ Nguồn tin {url} lỗi {failures} lần liên tiếp: {error}. "
                "Bot sẽ tiếp tục thử lại thưa dần."
            )
        return PollOutcome(feed_id, url, "error", error=error)

    async def _alert(self, text: str) -> None:
        if self.alert is None:
            return
        try:
            await self.alert(text)
        except Exception:  # an unreachable admin chat must not break polling
            log.exception("could not send the admin alert")


@dataclass(frozen=True)
class _FeedSnapshot:
    """What a poll needs from the feed row, read before the network call."""

    id: int
    url: str
    etag: str | None
    last_modified: str | None
    healthy: bool  # no failures in a row, so a success has nothing to announce or reset

    @classmethod
    def of(cls, feed: Feed) -> _FeedSnapshot:
        healthy = feed.failures == 0 and not feed.alerted_down
        return cls(feed.id, feed.url, feed.etag, feed.last_modified, healthy)
