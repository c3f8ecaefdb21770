"""python-telegram-bot transport on one aiohttp session.

PTB's default ``HTTPXRequest`` costs ~1.7 ms of CPU per Bot API call on the station's machine;
this costs a fraction of that, which is what lets one process send at Telegram's full rate.
It plugs in through PTB's supported hook, :class:`telegram.request.BaseRequest`; PTB keeps
doing the JSON parsing and the mapping of HTTP statuses to ``BadRequest``/``RetryAfter``/….

Use one instance for sending (pool ~100) and another for ``getUpdates`` (pool ~8)::

    Bot(token, base_url=..., request=AiohttpRequest(), get_updates_request=AiohttpRequest(8))

Failures say how far the request got, because that decides whether a retry can duplicate a
message: :class:`Unsent` (no connection, or no free pool slot: nothing was written, a retry is
safe), :class:`AnswerTimedOut` and :class:`AnswerLost` (the request was written; Telegram may
have acted on it). A 5 s read timeout against Telegram answering in 6 s sent 128 of 200
articles twice, so the outbox's Bot reads for ``send_timeout`` (30 s) while a dead host is
still found out by the short connect timeout.
"""

from __future__ import annotations

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

_FORM = {"Content-Type": "application/x-www-form-urlencoded"}


class Unsent(NetworkError):
    """The request never left this machine: connecting failed or timed out, or no pool slot
    became free in time. Telegram cannot have seen it."""

    __slots__ = ()


class AnswerTimedOut(TimedOut):
    """The request was written but no answer came within the read (or total) timeout."""

    __slots__ = ()


class AnswerLost(NetworkError):
    """The connection broke after the request was written (reset, closed, a torn answer)."""

    __slots__ = ()


class AiohttpRequest(BaseRequest):
    """:class:`~telegram.request.BaseRequest` on :mod:`aiohttp`, with HTTPXRequest's defaults.

    Timeouts map onto aiohttp as: ``connect_timeout`` -> ``sock_connect``; ``pool_timeout +
    connect_timeout`` -> ``connect`` (aiohttp's ``connect`` includes waiting for a pooled
    connection); ``read_timeout`` -> ``sock_read``. aiohttp has no write timeout, so the sum of
    all four bounds the whole request (``total``) instead; ``None`` anywhere means no limit.
    """

    __slots__ = (
        "_connect_timeout",
        "_media_write_timeout",
        "_pool_size",
        "_pool_timeout",
        "_read_timeout",
        "_session",
        "_write_timeout",
    )

    def __init__(
        self,
        connection_pool_size: int = 100,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        """Default read timeout (PTB adds the long-poll ``timeout`` to it for getUpdates)."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Open the session (a session must be created inside the running event loop)."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                # The Bot API sets no cookies; skipping the jar saves work on every response.
                cookie_jar=aiohttp.DummyCookieJar(),
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        """Close the session and its pooled connections."""
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Send one request; return (HTTP status, body). PTB interprets both."""
        if self._session is None:
            # Like HTTPXRequest, work even when the caller skipped initialize().
            await self.initialize()
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is shut down")

        has_files = request_data is not None and request_data.contains_files
        # DEFAULT_NONE means "not passed": use our default. An explicit None means "no limit".
        read = _pick(read_timeout, self._read_timeout)
        write_default = self._media_write_timeout if has_files else self._write_timeout
        write = _pick(write_timeout, write_default)
        connect = _pick(connect_timeout, self._connect_timeout)
        pool = _pick(pool_timeout, self._pool_timeout)
        timeout = aiohttp.ClientTimeout(
            total=_sum(read, write, connect, pool),
            connect=_sum(connect, pool),
            sock_connect=connect,
            sock_read=read,
        )

        body: aiohttp.FormData | bytes | None = None
        headers = None
        if request_data is not None:
            if has_files:
                body = _multipart(request_data)
            else:
                # Every non-string value is already a JSON string here, as the Bot API expects.
                body = request_data.url_encoded_parameters().encode()
                headers = _FORM

        try:
            async with session.request(
                method, url, data=body, headers=headers, timeout=timeout
            ) as response:
                return response.status, await response.read()
        # aiohttp raises ConnectionTimeoutError for any timeout before a connection is held
        # (pool wait, DNS, TCP and TLS connect) and ClientConnectorError when connecting
        # failed: in both cases not a byte of the request was written.
        except (aiohttp.ConnectionTimeoutError, aiohttp.ClientConnectorError) as exc:
            raise Unsent(f"not connected: {_describe(exc, url)}") from exc
        except TimeoutError as exc:  # sock_read, or total while writing/reading
            raise AnswerTimedOut(f"no answer in time: {_describe(exc, url)}") from exc
        except aiohttp.ClientError as exc:
            raise AnswerLost(f"answer lost: {_describe(exc, url)}") from exc


def _describe(exc: BaseException, url: str) -> str:
    """``aiohttp.<Error>: text`` without the request URL: its path holds the bot token, and
    these texts end up in ``last_error``, logs and admin alerts."""
    text = str(exc) or repr(exc)
    path = url.split("://", 1)[-1].partition("/")[2]
    if path:
        text = text.replace(path, "…")
    return f"aiohttp.{type(exc).__name__}: {text}"


def _pick(value: ODVInput[float], default: float | None) -> float | None:
    return default if isinstance(value, DefaultValue) else value


def _sum(*values: float | None) -> float | None:
    return None if any(v is None for v in values) else sum(v for v in values if v is not None)


def _multipart(request_data: RequestData) -> aiohttp.FormData:
    form = aiohttp.FormData(default_to_multipart=True)
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in request_data.multipart_data.items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form
