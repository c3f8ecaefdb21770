"""The station's WordPress site: feed, article pages, conditional GET, switchable failures."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import html
import random
import re
import time
import typing
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from typing import Any, Literal

from aiohttp import web
from multidict import CIMultiDict, CIMultiDictProxy

from .paths import station_file
from .station_comments import CommentsEndpoint

RSS = "application/rss+xml; charset=UTF-8"
HTML = "text/html; charset=UTF-8"
FailMode = Literal[
    "500", "404", "timeout", "stall", "garbage", "huge", "html", "429", "503", "slow", "reset"
]
FAIL_MODES: tuple[str, ...] = typing.get_args(FailMode)
_ITEM_RE = re.compile(r"<item>(.*?)</item>", re.DOTALL)
_TAG_RE = {
    name: re.compile(rf"<{name}[^>]*>(?:<!\[CDATA\[)?(.*?)(?:\]\]>)?</{name}>", re.DOTALL)
    for name in ("title", "link", "guid", "content:encoded", "description")
}
_POST_ID_RE = re.compile(r"[?&]p=(\d+)")
_SITE = "https://kontumtv.vn"
_CHUNK = b"<item><title>x</title></item>\n" * 2048  # ~60 KiB of feed-looking filler


@dataclass(slots=True)
class Page:
    body: bytes
    content_type: str
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    etag: str = ""
    mtime: int = 0

    def __post_init__(self) -> None:
        self.etag = '"' + hashlib.sha1(self.body).hexdigest()[:20] + '"'
        self.mtime = int(time.time())

    @property
    def last_modified(self) -> str:
        return formatdate(self.mtime, usegmt=True)


@dataclass(slots=True)
class Failure:
    mode: str
    size_mb: float = 50.0
    retry_after: int = 120
    delay: float = 2.0
    times: int | None = None
    declare_length: bool = False


@dataclass(slots=True)
class StationRequest:
    method: str
    path: str
    path_qs: str
    headers: CIMultiDictProxy[str]
    at: float


def _sniff(body: bytes) -> str:
    head = body[:200].lstrip().lower()
    return RSS if head.startswith((b"<?xml", b"<rss")) else HTML


class Station:
    """WordPress-like site. A path may carry a query (``/?p=24866``); that is matched first."""

    def __init__(self, local_links: bool = False) -> None:
        self.url = ""
        self.local_links = local_links
        self.pages: dict[str, Page] = {}
        self.failures: dict[str, Failure] = {}
        self.redirects: dict[str, tuple[str, int]] = {}
        self.requests: list[StationRequest] = []
        self.validators_on_304 = True  # False: a broken server that drops ETag/Last-Modified on 304
        self.conditional = True  # False: a server that ignores If-None-Match/If-Modified-Since
        self.comments_api = CommentsEndpoint()
        self._closing: asyncio.Event | None = None
        self._defaults: dict[str, Page] = {}

    # --- the comments endpoint's knobs, at the station level for convenience ---------------
    @property
    def wp_users(self) -> dict[str, str]:
        return self.comments_api.wp_users

    @wp_users.setter
    def wp_users(self, users: dict[str, str]) -> None:
        self.comments_api.wp_users = users

    @property
    def comments(self) -> list[dict[str, Any]]:
        return self.comments_api.comments

    # --- configuration ----------------------------------------------------------------------
    def load_fixtures(self) -> None:
        feed = station_file("kontumtv-feed.xml").read_text(encoding="utf-8")
        article = station_file("kontumtv-article.html").read_text(encoding="utf-8")
        if self.local_links and self.url:
            feed, article = feed.replace(_SITE, self.url), article.replace(_SITE, self.url)
        self._defaults = {"/feed": Page(feed.encode(), RSS), "/feed/": Page(feed.encode(), RSS)}
        for item in _ITEM_RE.findall(feed):
            link = _first(_TAG_RE["link"], item)
            post = _POST_ID_RE.search(_first(_TAG_RE["guid"], item))
            if not link or post is None:
                continue
            post_id = int(post.group(1))
            self.comments_api.posts.add(post_id)
            path = "/" + link.split("://", 1)[-1].split("/", 1)[-1]
            body = article if post_id == 24866 else _simple_page(item)
            page = Page(body.encode(), HTML)
            self._defaults[path] = self._defaults[f"/?p={post_id}"] = page
            self._defaults[path.rstrip("/") + "/"] = page

    def set(
        self,
        path: str,
        body: bytes | str,
        content_type: str | None = None,
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> Page:
        data = body.encode("utf-8") if isinstance(body, str) else body
        page = Page(data, content_type or _sniff(data), status, dict(headers or {}))
        self.pages[path] = page
        return page

    def fail(
        self,
        path: str,
        mode: FailMode,
        *,
        size_mb: float = 50.0,
        retry_after: int = 120,
        delay: float = 2.0,
        times: int | None = None,
        declare_length: bool = False,
    ) -> None:
        """Make ``path`` misbehave; ``times`` None = until cleared, else that many requests."""
        if mode not in FAIL_MODES:
            raise ValueError(f"unknown mode {mode!r}; one of {FAIL_MODES}")
        self.failures[path] = Failure(mode, size_mb, retry_after, delay, times, declare_length)

    def clear(self, path: str) -> None:
        for table in (self.pages, self.failures, self.redirects):
            table.pop(path, None)

    def redirect(self, path: str, to: str, status: int = 301) -> None:
        self.redirects[path] = (to, status)

    def feed_bytes(self) -> bytes:
        return self._defaults["/feed"].body

    def requests_to(self, path: str) -> list[StationRequest]:
        return [r for r in self.requests if path in (r.path, r.path_qs)]

    # --- serving ----------------------------------------------------------------------------
    def app(self) -> web.Application:
        app = web.Application(client_max_size=8 * 1024 * 1024)
        app.router.add_route("POST", "/wp-json/wp/v2/comments", self._comments)
        app.router.add_route("*", "/{tail:.*}", self._serve)
        return app

    def close(self) -> None:
        if self._closing is not None:
            self._closing.set()

    async def _comments(self, request: web.Request) -> web.StreamResponse:
        self._log(request)
        failure = self._take_failure(request.path)  # fail("/wp-json/wp/v2/comments", "503")
        if failure is not None:
            return await self._failure(request, failure)
        return await self.comments_api.handle(request, self.url)

    def _take_failure(self, key: str) -> Failure | None:
        failure = self.failures.get(key)
        if failure is not None and failure.times is not None:
            failure.times -= 1
            if failure.times <= 0:
                del self.failures[key]
        return failure

    def _log(self, request: web.Request) -> None:
        self.requests.append(
            StationRequest(
                request.method, request.path, request.path_qs, request.headers, time.time()
            )
        )

    def _lookup(self, table: dict[str, Any], request: web.Request) -> Any:
        found = table.get(request.path_qs)
        return found if found is not None else table.get(request.path)

    async def _serve(self, request: web.Request) -> web.StreamResponse:
        self._log(request)
        for key in (request.path_qs, request.path):
            failure = self._take_failure(key)
            if failure is not None:
                return await self._failure(request, failure)
        target = self._lookup(self.redirects, request)
        if target is not None:
            location = target[0] if "://" in target[0] else self.url + target[0]
            return web.Response(status=target[1], headers={"Location": location})
        return self._page(request)

    def _page(self, request: web.Request) -> web.StreamResponse:
        page: Page | None = self._lookup(self.pages, request) or self._lookup(
            self._defaults, request
        )
        if page is None:
            return web.Response(status=404, text=_NOT_FOUND_PAGE, content_type="text/html")
        headers = CIMultiDict(page.headers)
        if page.status == 200:
            headers["ETag"] = page.etag
            headers["Last-Modified"] = page.last_modified
            if self.conditional and _not_modified(request, page):
                if not self.validators_on_304:
                    del headers["ETag"], headers["Last-Modified"]
                return web.Response(status=304, headers=headers)
        headers["Content-Type"] = page.content_type
        return web.Response(status=page.status, body=page.body, headers=headers)

    async def _hang(self) -> None:
        if self._closing is None:
            self._closing = asyncio.Event()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._closing.wait(), 3600)

    async def _failure(self, request: web.Request, failure: Failure) -> web.StreamResponse:
        mode = failure.mode
        if mode in ("500", "404"):
            text = _NOT_FOUND_PAGE if mode == "404" else "<h1>Internal Server Error</h1>"
            return web.Response(status=int(mode), text=text, content_type="text/html")
        if mode in ("429", "503"):
            return web.Response(
                status=int(mode), text="Too busy", headers={"Retry-After": str(failure.retry_after)}
            )
        if mode == "html":
            return web.Response(
                body=self._defaults["/?p=24866"].body, content_type="text/html", charset="utf-8"
            )
        if mode == "garbage":
            body = random.Random(request.path_qs).randbytes(8192)
            return web.Response(body=body, headers={"Content-Type": RSS})
        if mode == "slow":
            await asyncio.sleep(failure.delay)
            return self._page(request)
        if mode == "timeout":
            await self._hang()
            return web.Response(status=504)
        if mode == "reset":
            if request.transport is not None:
                request.transport.close()
            return web.Response(status=500)
        return await self._stream(request, failure)

    async def _stream(self, request: web.Request, failure: Failure) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": RSS})
        if failure.mode == "stall":
            body = self.feed_bytes()
            response.content_length = len(body)
            await response.prepare(request)
            await response.write(body[: len(body) // 3])
            await self._hang()
            return response
        total = int(failure.size_mb * 1024 * 1024)
        if failure.declare_length:
            response.content_length = total
        await response.prepare(request)
        sent = 0
        try:
            while sent < total:
                chunk = _CHUNK[: total - sent]
                await response.write(chunk)
                sent += len(chunk)
            await response.write_eof()
        except (ConnectionResetError, ConnectionError):
            pass  # the client gave up, which is what a size cap should do
        return response


def _first(pattern: re.Pattern[str], text: str) -> str:
    match = pattern.search(text)
    return match.group(1).strip() if match else ""


def _not_modified(request: web.Request, page: Page) -> bool:
    tags = request.headers.get("If-None-Match")
    if tags is not None:
        candidates = {t.strip().removeprefix("W/") for t in tags.split(",")}
        return "*" in candidates or page.etag in candidates
    since = request.headers.get("If-Modified-Since")
    if since is None:
        return False
    try:
        return int(parsedate_to_datetime(since).timestamp()) >= page.mtime
    except (TypeError, ValueError):
        return False


def _simple_page(item: str) -> str:
    title = _first(_TAG_RE["title"], item)
    content = _first(_TAG_RE["content:encoded"], item) or _first(_TAG_RE["description"], item)
    return (
        f'<!DOCTYPE html><html lang="vi"><head><meta charset="UTF-8"><title>{title}</title></head>'
        f'<body><article><h1 class="entry-title">{title}</h1>'
        f'<div class="entry-content">{content}</div></article></body></html>'
    )


_NOT_FOUND_PAGE = (
    "<!DOCTYPE html><html><head><title>Không tìm thấy trang</title></head>"
    f"<body><h1>{html.escape('Oops! Trang này không tồn tại.')}</h1></body></html>"
)
