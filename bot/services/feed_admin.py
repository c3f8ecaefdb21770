"""The station's feeds as admins manage them: list with health, add after a test fetch, remove,
poll now.

A feed is added only once it was fetched and parsed as a feed (bounded: the fetcher's size cap
and a short total timeout), so a typo, an HTML page or a dead site is refused with its reason
instead of becoming a feed that fails every five minutes. The new row is polled by the ingest
loop on its next tick (it reads the active feeds from the database each time); its first poll
stores what the feed lists as backlog, never pushed, as for any new feed.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from urllib.parse import urlsplit

from bot.feeds.errors import (
    FeedConnectionError,
    FeedError,
    FeedHttpError,
    FeedTimeout,
    FeedTooLarge,
    NotAFeed,
    TooManyRedirects,
    safe_url,
    shown_url,
)
from bot.feeds.fetch import FeedFetcher
from bot.feeds.parse import ParsedFeed, parse_feed
from bot.services.admin_actions import Recorder, log_action
from bot.services.poll_requests import request_polls
from storage.db import Database
from storage.enums import AuditAction
from storage.models import Feed, utcnow
from storage.repositories import feeds

log = logging.getLogger(__name__)

URL_LIMIT = 2048  # feeds.url's column size
# A test fetch an admin waits for: a healthy feed answers in well under a second; 15 s is
# Telegram-chat patience, not the ingest's 30 s.
TEST_FETCH_TIMEOUT_S = 15.0
Resolver = Callable[[str, int], Awaitable[list[str]]]


class FeedRefusal(StrEnum):
    """Why ``/addfeed`` did not add a feed; each has its own sentence for the admin."""

    BAD_URL = "bad_url"  # not an http(s) URL with a host
    PRIVATE_ADDRESS = "private_address"  # loopback/private/link-local, unless allowed
    ALREADY = "already"  # polled already
    HTTP_ERROR = "http_error"  # detail: the status
    TIMEOUT = "timeout"
    UNREACHABLE = "unreachable"  # DNS or connection failure
    TOO_LARGE = "too_large"
    HTML_PAGE = "html_page"  # a web page, not its feed
    NOT_A_FEED = "not_a_feed"
    NO_ITEMS = "no_items"  # a feed, but with no usable item to show


def url_refusal(url: str) -> FeedRefusal | None:
    """Whether ``url`` can be a feed address at all (no network)."""
    if not url or len(url) > URL_LIMIT or any(ch.isspace() for ch in url):
        return FeedRefusal.BAD_URL
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        return FeedRefusal.BAD_URL
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return FeedRefusal.BAD_URL
    return None


def is_private(address: str) -> bool:
    """Loopback, private, link-local, multicast, reserved or unspecified: not the internet."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return True  # not an address we understand: not fetched
    return not ip.is_global or ip.is_multicast


async def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (the system resolver, off the event loop)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port)
    return [str(info[4][0]) for info in infos]


def fetch_refusal(error: FeedError) -> tuple[FeedRefusal, str]:
    """A failed test fetch as the admin's reason (and a detail such as the HTTP status)."""
    match error:
        case FeedHttpError():
            return FeedRefusal.HTTP_ERROR, str(error.status)
        case FeedTimeout():
            return FeedRefusal.TIMEOUT, ""
        case FeedTooLarge():
            return FeedRefusal.TOO_LARGE, ""
        case FeedConnectionError() | TooManyRedirects():
            return FeedRefusal.UNREACHABLE, ""
        case NotAFeed() if "HTML page" in str(error):
            return FeedRefusal.HTML_PAGE, ""
        case _:
            return FeedRefusal.NOT_A_FEED, ""


@dataclass(frozen=True, slots=True)
class FeedLine:
    """One feed as /feeds shows it."""

    id: int
    url: str
    title: str | None
    configured: bool  # listed in NEWSBOT_FEEDS: always present, cannot be removed here
    last_polled_at: datetime | None
    last_error: str | None
    failures: int
    articles: int
    next_poll_at: datetime


@dataclass(frozen=True, slots=True)
class Preview:
    """The newest item of a feed just added, as the admin sees it before any push."""

    title: str
    url: str | None  # an item without a link (ISSUE-12) is news too
    published_at: datetime
    items: int  # how many items the feed lists now (all kept as backlog)


@dataclass(frozen=True, slots=True)
class FeedAdded:
    feed: FeedLine
    preview: Preview


@dataclass(frozen=True, slots=True)
class FeedRefused:
    reason: FeedRefusal
    detail: str = ""


class RemoveOutcome(StrEnum):
    REMOVED = "removed"
    CONFIGURED = "configured"  # from NEWSBOT_FEEDS: the configuration decides, not a command
    NOT_FOUND = "not_found"


class FeedAdmin:
    def __init__(
        self,
        database: Database,
        configured: Sequence[str],
        *,
        allow_private: bool = False,
        summary_limit: int = 400,
        locale: str = "vi",
        timeout_s: float = TEST_FETCH_TIMEOUT_S,
        resolver: Resolver = resolve,
        clock: Callable[[], datetime] = utcnow,
        record: Recorder = log_action,
    ) -> None:
        self._database = database
        self.configured = frozenset(configured)
        self.allow_private = allow_private
        self.summary_limit = summary_limit
        self.locale = locale
        self.timeout_s = timeout_s
        self._resolve = resolver
        self._clock = clock
        self._record_action = record

    def _line(self, feed: Feed, articles: int) -> FeedLine:
        return FeedLine(
            id=feed.id,
            url=shown_url(feed.url),  # admins see the feed, never its password
            title=feed.title,
            configured=feed.url in self.configured,
            last_polled_at=feed.last_polled_at,
            last_error=feed.last_error,
            failures=feed.failures,
            articles=articles,
            next_poll_at=feed.next_poll_at,
        )

    async def list(self) -> list[FeedLine]:
        async with self._database.session() as session:
            found = await feeds.active_feeds(session)
            counts = await feeds.article_counts(session, [f.id for f in found])
            return [self._line(f, counts.get(f.id, 0)) for f in found]

    async def find(self, ref: str) -> FeedLine | None:
        """An active feed by its number in /feeds or its exact URL."""
        ref = ref.strip()
        async with self._database.session() as session:
            if ref.isdigit():
                feed = await feeds.get(session, int(ref))
            else:
                feed = await feeds.find_by_url(session, ref)
            if feed is None or not feed.active:
                return None
            counts = await feeds.article_counts(session, [feed.id])
            return self._line(feed, counts.get(feed.id, 0))

    async def add(self, actor_id: int, url: str) -> FeedAdded | FeedRefused:
        """Fetch ``url``; add it only if it parses as a feed with at least one item."""
        url = url.strip()
        refused = url_refusal(url) or await self._address_refusal(url)
        if refused is not None:
            return FeedRefused(refused)
        existing = await self.find(url)
        if existing is not None:
            return FeedRefused(FeedRefusal.ALREADY, str(existing.id))
        try:
            parsed, final_url = await self._test_fetch(url)
        except FeedError as error:
            log.info("feed %s refused: %s", safe_url(url), error)
            return FeedRefused(*fetch_refusal(error))
        if not parsed.entries:
            return FeedRefused(FeedRefusal.NO_ITEMS)
        now = self._clock()
        async with self._database.session() as session:
            feed = await feeds.add(session, final_url, title=parsed.title or None, now=now)
            line = self._line(feed, 0)
        await self._record_action(
            actor_id, AuditAction.FEED_ADD, f"feed:{line.id}", safe_url(final_url)
        )
        newest = parsed.entries[-1]  # oldest first
        preview = Preview(newest.title, newest.url, newest.published_at, len(parsed.entries))
        return FeedAdded(line, preview)

    async def _address_refusal(self, url: str) -> FeedRefusal | None:
        if self.allow_private:
            return None
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            async with asyncio.timeout(5.0):
                addresses = await self._resolve(host, port)
        except (OSError, TimeoutError):
            return FeedRefusal.UNREACHABLE
        if not addresses or any(is_private(address) for address in addresses):
            return FeedRefusal.PRIVATE_ADDRESS
        return None

    async def _test_fetch(self, url: str) -> tuple[ParsedFeed, str]:
        """The feed's bytes, parsed; the URL to store (a permanent redirect's target)."""
        timeout = self.timeout_s
        async with FeedFetcher(
            connect_timeout=min(5.0, timeout), read_timeout=timeout, total_timeout=timeout
        ) as fetcher:
            fetched = await fetcher.fetch(url, etag=None, last_modified=None)
        parsed = await asyncio.to_thread(
            parse_feed,
            fetched.body,
            fetched_at=self._clock(),
            content_type=fetched.content_type,
            summary_limit=self.summary_limit,
            base_url=fetched.final_url or url,
            locale=self.locale,
        )
        return parsed, fetched.permanent_url or url

    async def remove(self, actor_id: int, feed_id: int) -> RemoveOutcome:
        """Stop polling a feed added here; its stored articles stay."""
        async with self._database.session() as session:
            feed = await feeds.get(session, feed_id)
            if feed is None or not feed.active:
                return RemoveOutcome.NOT_FOUND
            if feed.url in self.configured:
                return RemoveOutcome.CONFIGURED
            await feeds.deactivate(session, feed_id)
            url = feed.url
        await self._record_action(
            actor_id, AuditAction.FEED_REMOVE, f"feed:{feed_id}", safe_url(url)
        )
        return RemoveOutcome.REMOVED

    async def poll_now(self, actor_id: int, feed_id: int | None = None) -> int:
        """Make every feed (or one) due now; returns how many the ingest loop will poll.

        The same request as a WordPress ping's (``Ingest.poll_now``), without its 10 s gap."""
        ids = None if feed_id is None else [feed_id]
        due = len(await request_polls(self._database, self._clock(), ids, min_gap_s=0))
        target = f"feed:{feed_id}" if feed_id is not None else "feeds"
        await self._record_action(actor_id, AuditAction.FEED_POLL_NOW, target, str(due))
        return due
