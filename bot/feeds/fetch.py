"""HTTP fetching of feeds and article pages: conditional GET, timeouts, size cap, redirects.

One `aiohttp.ClientSession` is shared by every feed (connection reuse, one DNS cache);
redirects are followed by hand so that a permanent move can be reported to the caller and
the hop count is ours to enforce.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Self
from urllib.parse import urljoin, urlsplit

import aiohttp

from bot.feeds.encoding import decode_html
from bot.feeds.errors import (
    FeedConnectionError,
    FeedError,
    FeedHttpError,
    FeedTimeout,
    FeedTooLarge,
    TooManyRedirects,
    safe_url,
)

log = logging.getLogger(__name__)

DEFAULT_USER_AGENT = "KonTumNewsBot/0.1 (+https://kontumtv.vn)"
FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_PERMANENT = frozenset({301, 308})
_RETRY_AFTER_STATUSES = frozenset({429, 503})
_MAX_AGE = re.compile(r"(?:^|[,\s])max-age\s*=\s*\"?(\d+)", re.IGNORECASE)
_CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class FetchResult:
    status: int
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None
    final_url: str = ""
    # Set when the chain of redirects from the requested URL starts with permanent moves
    # (301/308): the caller stores this URL as the feed's new address.
    permanent_url: str | None = None
    max_age: int | None = None
    not_modified: bool = False
    content_type: str | None = None


def parse_retry_after(value: str | None, *, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP-date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # RFC 9110 dates are GMT; a naive result means "-0000"
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def parse_max_age(cache_control: str | None) -> int | None:
    if not cache_control:
        return None
    match = _MAX_AGE.search(cache_control)
    return int(match.group(1)) if match else None


def _utcnow() -> datetime:
    return datetime.now(UTC)


class FeedFetcher:
    """Fetches feeds and pages with one lazily created, shared aiohttp session."""

    def __init__(
        self,
        *,
        user_agent: str = DEFAULT_USER_AGENT,
        connect_timeout: float = 10.0,
        read_timeout: float = 20.0,
        total_timeout: float = 30.0,
        max_bytes: int = 5 * 1024 * 1024,
        max_redirects: int = 5,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.user_agent = user_agent
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.total_timeout = total_timeout
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self._clock = clock
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(
                    total=None,  # the overall deadline spans all redirect hops: see _fetch
                    connect=self.connect_timeout,
                    sock_connect=self.connect_timeout,
                    sock_read=self.read_timeout,
                ),
                headers={"User-Agent": self.user_agent},
                # Feeds need no cookies; a shared jar would only grow and leak between sites.
                cookie_jar=aiohttp.DummyCookieJar(),
            )
        return self._session

    async def fetch(self, url: str, *, etag: str | None, last_modified: str | None) -> FetchResult:
        """GET a feed. Raises a `FeedError` subclass on any failure."""
        headers = {"Accept": FEED_ACCEPT}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        result = await self._fetch(url, headers)
        if result.not_modified:
            # A 304 may omit the validators; the stored ones are still the current ones.
            return FetchResult(
                status=result.status,
                etag=result.etag or etag,
                last_modified=result.last_modified or last_modified,
                final_url=result.final_url,
                permanent_url=result.permanent_url,
                max_age=result.max_age,
                not_modified=True,
            )
        return result

    async def fetch_page(self, url: str) -> str | None:
        """An article page as text, or None when it cannot be had (the caller keeps the
        feed's own summary then). Same limits as feeds."""
        try:
            result = await self._fetch(url, {"Accept": PAGE_ACCEPT})
        except FeedError as exc:
            log.info("article page not fetched: %s", exc)
            return None
        ctype = (result.content_type or "text/html").split(";")[0].strip().lower()
        if ctype not in ("text/html", "application/xhtml+xml"):
            log.info("article page %s is %s, not HTML", safe_url(url), ctype)
            return None
        return decode_html(result.body, result.content_type)

    async def _fetch(self, url: str, headers: dict[str, str]) -> FetchResult:
        try:
            async with asyncio.timeout(self.total_timeout):
                return await self._follow(url, headers)
        except TimeoutError:
            # Both our overall deadline and aiohttp's connect/read timeouts land here.
            raise FeedTimeout(
                f"timed out fetching {safe_url(url)} "
                f"(connect {self.connect_timeout:g} s, read {self.read_timeout:g} s, "
                f"total {self.total_timeout:g} s)"
            ) from None
        except aiohttp.ClientError as exc:
            raise FeedConnectionError(
                f"cannot fetch {safe_url(url)}: {type(exc).__name__}: {_one_line(exc)}"
            ) from None

    async def _follow(self, url: str, headers: dict[str, str]) -> FetchResult:
        session = self._get_session()
        current = url
        permanent: str | None = None
        only_permanent_so_far = True
        for _ in range(self.max_redirects + 1):
            _check_scheme(current)
            async with session.get(current, headers=headers, allow_redirects=False) as resp:
                if resp.status in _REDIRECTS:
                    location = resp.headers.get("Location")
                    if not location:
                        raise FeedHttpError(resp.status, current)
                    target = urljoin(str(resp.url), location.strip())
                    if only_permanent_so_far and resp.status in _PERMANENT:
                        permanent = target
                    else:
                        only_permanent_so_far = False
                    current = target
                    continue
                return await self._finish(resp, current, permanent)
        raise TooManyRedirects(url, self.max_redirects)

    async def _finish(
        self, resp: aiohttp.ClientResponse, url: str, permanent: str | None
    ) -> FetchResult:
        base = FetchResult(
            status=resp.status,
            etag=resp.headers.get("ETag"),
            last_modified=resp.headers.get("Last-Modified"),
            final_url=str(resp.url),
            permanent_url=permanent,
            max_age=parse_max_age(resp.headers.get("Cache-Control")),
        )
        if resp.status == 304:
            return replace(base, not_modified=True)
        if resp.status in _RETRY_AFTER_STATUSES:
            wait = parse_retry_after(resp.headers.get("Retry-After"), now=self._clock())
            raise FeedHttpError(resp.status, url, retry_after=wait)
        if resp.status >= 300:
            raise FeedHttpError(resp.status, url)
        body = await self._read_capped(resp, url)
        return replace(base, body=body, content_type=resp.headers.get("Content-Type"))

    async def _read_capped(self, resp: aiohttp.ClientResponse, url: str) -> bytes:
        # Content-Length counts compressed bytes while the cap counts decoded ones, so
        # this early refusal is only a shortcut; the chunk loop is the real guard (it also
        # stops a gzip bomb, since aiohttp hands us decompressed chunks).
        if resp.content_length is not None and resp.content_length > self.max_bytes:
            resp.close()
            raise FeedTooLarge(url, self.max_bytes)
        body = bytearray()
        async for chunk in resp.content.iter_chunked(_CHUNK):
            body += chunk
            if len(body) > self.max_bytes:
                # close() drops the connection instead of draining the rest of the body.
                resp.close()
                raise FeedTooLarge(url, self.max_bytes)
        return bytes(body)


def _check_scheme(url: str) -> None:
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ("http", "https"):
        raise FeedError(f"unsupported URL scheme {scheme or '(none)'!r}: {safe_url(url)}")


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:200]
