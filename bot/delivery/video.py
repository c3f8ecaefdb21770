"""Bulletins as Telegram videos: how each video URL is sent, decided once per URL.

Telegram fetches a video by URL only up to 20 MB; a bot may upload up to 50 MB (2,000 MB
through a local Bot API server). So per video URL, before a batch fans out:

* a stored ``file_id`` (``video_files``: shared by every recipient, channel and process, kept
  across restarts) -> every recipient gets it by id;
* up to the URL limit (or size unknown and not ours to check) -> by URL; the first success
  gives a file_id, which the rest of the fan-out uses;
* above that, up to the upload limit, on the feed's own host -> the first recipient's send
  downloads it once (streamed, size-capped, same host only) and uploads it; the other
  recipients wait for that one send and then get its file_id;
* otherwise, or once Telegram refused the file -> the push is today's text message with a
  link preview. A push is never lost to its video.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from urllib.parse import urljoin, urlsplit

import aiohttp

from bot.delivery.render import ArticleView, is_web_url
from storage.db import Database
from storage.repositories import video_files

log = logging.getLogger(__name__)

MB = 1024 * 1024
URL_LIMIT = 20 * MB  # Telegram downloads files by URL up to 20 MB
UPLOAD_LIMIT = 50 * MB  # bots upload videos up to 50 MB
LOCAL_UPLOAD_LIMIT = 2000 * MB  # through a local Bot API server
_CHUNK = 256 * 1024
_REDIRECTS = 3
_MEMORY = 2048  # video URLs remembered in this process before the oldest are forgotten


class How(StrEnum):
    FILE_ID = "file_id"
    URL = "url"
    UPLOAD = "upload"
    TEXT = "text"


@dataclass(frozen=True, slots=True)
class Plan:
    how: How
    value: str  # the file_id (FILE_ID) or the video URL
    host: str | None = None  # UPLOAD: the only host the download may touch
    reason: str | None = None  # TEXT: why not a video


class Unavailable(Exception):
    """The video cannot be downloaded for upload (too big, another host, HTTP error)."""

    def __init__(self, reason: str, *, permanent: bool = True) -> None:
        super().__init__(reason)
        self.permanent = permanent  # False: a network error or 5xx, worth a try another time


@dataclass(frozen=True, slots=True)
class Limits:
    url: int = URL_LIMIT
    upload: int = UPLOAD_LIMIT


def upload_limit_for(api_url: str) -> int:
    """A ``NEWSBOT_TELEGRAM_API_URL`` other than Telegram's own is a local Bot API server."""
    host = (urlsplit(api_url).hostname or "").lower()
    return UPLOAD_LIMIT if host in ("", "api.telegram.org") else LOCAL_UPLOAD_LIMIT


class Videos:
    """The sender's video step: plans per URL, the capped download, and what was learned."""

    def __init__(
        self,
        database: Database,
        *,
        limits: Limits | None = None,
        timeout_s: float = 600.0,
    ) -> None:
        self.database = database
        self.limits = limits or Limits()
        self.timeout_s = timeout_s
        self._plans: dict[str, Plan] = {}
        self._session: aiohttp.ClientSession | None = None
        self.downloads = 0  # files downloaded for upload (for /metrics and tests)

    # ------------------------------------------------------------------ planning

    def current(self, url: str) -> Plan | None:
        return self._plans.get(url)

    async def plan(self, views: Iterable[ArticleView], now: datetime) -> dict[str, Plan]:
        """How each video of ``views`` goes now; never raises (a failure means text)."""
        wanted: dict[str, ArticleView] = {}
        for view in views:
            url = (view.video_url or "").strip()
            if url and is_web_url(url) and url not in wanted:
                wanted[url] = view
        if not wanted:
            return {}
        try:
            await self._learn(wanted, now)
        except Exception:  # a database hiccup: this batch's bulletins go as text
            log.exception("could not plan the videos of a batch; sending them as text")
            return {}
        return {url: self._plans[url] for url in wanted if url in self._plans}

    async def _learn(self, wanted: dict[str, ArticleView], now: datetime) -> None:
        # Not final yet (by URL, to upload): another sender process may have stored a
        # file_id meanwhile, so those are looked up again, as are URLs never seen.
        unknown = [url for url in wanted if self._open(url)]
        if not unknown:
            return
        async with self.database.session() as session:
            known = await video_files.known(session, unknown)
            fresh = [u for u in unknown if u not in self._plans and u not in known]
            feeds = await video_files.feed_urls(session, [wanted[u].id for u in fresh])
        for url in unknown:
            stored = known.get(url)
            if stored is not None and stored.file_id:
                self._keep(url, Plan(How.FILE_ID, stored.file_id))
            elif stored is not None and stored.failure:
                self._keep(url, Plan(How.TEXT, url, reason=stored.failure))
            elif url not in self._plans:
                feed = feeds.get(wanted[url].id, "")
                # Decided from the size and the limits, never stored: a limit that changes
                # (a local Bot API server) changes the decision at the next start.
                self._keep(url, await self._by_size(url, wanted[url].video_size, feed))

    async def _by_size(self, url: str, size: int | None, feed_url: str) -> Plan:
        home = _host(feed_url)
        ours = home is not None and _host(url) == home
        if size is None and ours:
            size = await self._head_size(url)
        if size is None or size <= self.limits.url:
            return Plan(How.URL, url)
        if size > self.limits.upload:
            return Plan(How.TEXT, url, reason=f"too big to send: {size // MB} MB")
        if not ours:
            return Plan(How.TEXT, url, reason="over 20 MB on another host: not downloaded")
        return Plan(How.UPLOAD, url, host=home)

    def _open(self, url: str) -> bool:
        plan = self._plans.get(url)
        return plan is None or plan.how in (How.URL, How.UPLOAD)

    def _keep(self, url: str, plan: Plan) -> None:
        if len(self._plans) >= _MEMORY:
            self._plans.clear()  # the table still knows every file_id and failure
        self._plans[url] = plan

    # ------------------------------------------------------------------ learning

    async def learned(self, url: str, file_id: str, now: datetime) -> None:
        """Telegram gave ``file_id`` for ``url``: every later recipient gets it by id."""
        known = self._plans.get(url)
        if known is not None and known.how is How.FILE_ID:
            return  # the first sends of a fan-out by URL all answer with an id: keep one
        self._keep(url, Plan(How.FILE_ID, file_id))
        await self._store(url, now, file_id=file_id)

    async def failed(self, url: str, reason: str, now: datetime, *, keep: bool = True) -> None:
        """The video cannot be sent: the rest of its pushes are text messages; ``keep``
        remembers it past this process (Telegram refused the file, the cap was passed)."""
        self._keep(url, Plan(How.TEXT, url, reason=reason))
        if keep:
            await self._store(url, now, failure=reason)

    async def forget(self, url: str) -> None:
        """A stored file_id was refused (another bot token, a reset server): plan anew."""
        self._plans.pop(url, None)
        try:
            async with self.database.session() as session:
                await video_files.forget(session, url)
        except Exception:
            log.exception("could not forget the file_id of %s", url)

    async def _store(
        self, url: str, now: datetime, *, file_id: str | None = None, failure: str | None = None
    ) -> None:
        try:
            async with self.database.session() as session:
                await video_files.remember(session, url, now=now, file_id=file_id, failure=failure)
        except Exception:  # kept in memory for this process; the push itself goes on
            log.exception("could not store what was learned about video %s", url)

    # ------------------------------------------------------------------ downloading

    async def download(self, plan: Plan) -> bytes:
        """The whole file, read once with a cap at the upload limit, from ``plan.host`` only
        (redirects too). Raises :class:`Unavailable`."""
        assert plan.how is How.UPLOAD and plan.host is not None
        cap = self.limits.upload
        url = plan.value
        session = self._client()
        try:
            for _ in range(_REDIRECTS + 1):
                if _host(url) != plan.host:
                    raise Unavailable(f"video moved to another host ({_host(url)}): not fetched")
                async with session.get(url, allow_redirects=False) as response:
                    if response.status in (301, 302, 303, 307, 308):
                        url = urljoin(url, response.headers.get("Location", ""))
                        continue
                    if response.status != 200:
                        raise Unavailable(
                            f"video download answered HTTP {response.status}",
                            permanent=response.status < 500,
                        )
                    if (response.content_length or 0) > cap:
                        raise Unavailable(f"video is {response.content_length} bytes: over the cap")
                    data = bytearray()
                    async for chunk in response.content.iter_chunked(_CHUNK):
                        data += chunk
                        if len(data) > cap:
                            raise Unavailable(f"video passed {cap // MB} MB while downloading")
                    self.downloads += 1
                    return bytes(data)
            raise Unavailable("video download: too many redirects")
        except (aiohttp.ClientError, TimeoutError) as error:
            reason = f"video download failed: {type(error).__name__}"
            raise Unavailable(reason, permanent=False) from error

    async def _head_size(self, url: str) -> int | None:
        """Content-Length of ``url`` (our feed's host only), or None when it does not say."""
        try:
            timeout = aiohttp.ClientTimeout(total=5)  # once per URL and process
            async with self._client().head(url, timeout=timeout) as response:
                if response.status == 200 and _host(str(response.url)) == _host(url):
                    return response.content_length
        except (aiohttp.ClientError, TimeoutError, ValueError):
            pass
        return None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.timeout_s, sock_read=60),
                cookie_jar=aiohttp.DummyCookieJar(),
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
            await asyncio.sleep(0)


def _host(url: str) -> str | None:
    try:
        parts = urlsplit(url)
        host = parts.hostname
        port = parts.port
    except ValueError:
        return None
    if not host:
        return None
    return f"{host.lower()}:{port}" if port else host.lower()
