"""A fault-injecting HTTP proxy between the bot and the sandbox's Bot API (127.0.0.1 only).

    proxy = FaultProxy("http://127.0.0.1:8081")   # the sandbox's Bot API
    url = await proxy.start()                      # give the bot NEWSBOT_TELEGRAM_API_URL=url
    proxy.fail_all()     # an outage: every call answers HTTP 500 with Telegram's JSON error
    proxy.hold(8.0)      # slow answers: send* calls are forwarded at once, answered 8 s later
    proxy.heal()         # pass everything through again
    await proxy.stop()

Faults, as a real outage or an overloaded Telegram shows them to a client:

* **outage** (:meth:`fail_all`): no call is forwarded, so nothing is processed upstream; each
  gets ``500 {"ok": false, "error_code": 500, "description": "Internal Server Error"}``.
  ``getUpdates`` long polls already waiting upstream are cut at once with the same answer
  (a lost uplink breaks them too); any other call already forwarded finishes normally.
* **slow** (:meth:`hold`): a call whose method starts with one of ``hold_methods`` (default
  ``send``: sendMessage, sendPhoto, …) is forwarded immediately, so the message *is* stored
  upstream, and its answer is held for the given seconds before it is returned. The hold is
  decided when the call arrives: calls that arrived during the slow spell keep their full
  hold after :meth:`heal`. A client that gives up early simply never reads the answer.

Everything else passes through unchanged (status, body, content type). ``stats`` counts calls
per method and what was done to them. ``sleep`` is injectable so tests can release held
answers on cue instead of waiting real time.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum

import aiohttp
from aiohttp import web

Sleep = Callable[[float], Awaitable[None]]
OUTAGE_BODY = json.dumps(
    {"ok": False, "error_code": 500, "description": "Internal Server Error"}
).encode()
_BAD_GATEWAY = json.dumps({"ok": False, "error_code": 502, "description": "Bad Gateway"}).encode()
_JSON = "application/json"


class Mode(StrEnum):
    PASS = "pass"
    OUTAGE = "outage"
    SLOW = "slow"


@dataclass
class ProxyStats:
    calls: Counter[str] = field(default_factory=Counter)  # every call, by method
    failed: Counter[str] = field(default_factory=Counter)  # answered 500 by the outage
    held: Counter[str] = field(default_factory=Counter)  # forwarded, answer held
    cut_long_polls: int = 0  # getUpdates cut by an outage while waiting upstream
    upstream_errors: int = 0  # the sandbox could not be reached (answered 502)

    def to_json(self) -> dict[str, object]:
        return {
            "calls": dict(self.calls),
            "failed": dict(self.failed),
            "held": dict(self.held),
            "cut_long_polls": self.cut_long_polls,
            "upstream_errors": self.upstream_errors,
        }


def method_of(path: str) -> str:
    """``/bot<token>/sendMessage`` -> ``sendMessage`` (the token is never kept)."""
    return path.rstrip("/").rsplit("/", 1)[-1]


class FaultProxy:
    def __init__(
        self,
        upstream: str,
        *,
        hold_methods: tuple[str, ...] = ("send",),
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.upstream = upstream.rstrip("/")
        self.hold_methods = tuple(m.lower() for m in hold_methods)
        self.url = ""
        self.stats = ProxyStats()
        self.mode = Mode.PASS
        self._hold_s = 0.0
        self._sleep = sleep
        self._outage = asyncio.Event()
        self._client: aiohttp.ClientSession | None = None
        self._runner: web.AppRunner | None = None

    # --- switches ---------------------------------------------------------------------------
    def fail_all(self) -> None:
        self.mode = Mode.OUTAGE
        self._outage.set()

    def hold(self, seconds: float) -> None:
        self.mode, self._hold_s = Mode.SLOW, seconds
        self._outage.clear()

    def heal(self) -> None:
        self.mode = Mode.PASS
        self._outage.clear()

    # --- lifecycle --------------------------------------------------------------------------
    async def start(self, port: int = 0) -> str:
        self._client = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0),
            # getUpdates long polls for 30 s upstream; nothing else is slow unless we make it.
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=10, sock_read=120),
            cookie_jar=aiohttp.DummyCookieJar(),
            auto_decompress=False,
        )
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        # handler_cancellation off: a client that gives up must not cancel the forward, as
        # Telegram finishes a send whether or not the client is still listening.
        self._runner = web.AppRunner(
            app, access_log=None, handler_cancellation=False, shutdown_timeout=0.5
        )
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        return self.url

    async def stop(self) -> None:
        self._outage.set()  # release any long poll still waiting
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._client is not None:
            await self._client.close()
            self._client = None

    # --- serving ----------------------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.Response:
        method = method_of(request.path)
        self.stats.calls[method] += 1
        if self.mode is Mode.OUTAGE:
            self.stats.failed[method] += 1
            return web.Response(status=500, body=OUTAGE_BODY, content_type=_JSON)
        hold_s = self._hold_s if self._held(method) else 0.0
        body = await request.read()
        if method.lower() == "getupdates":
            answer = await self._forward_unless_outage(request, body, method)
        else:
            answer = await self._forward(request, body)
        if hold_s > 0:
            self.stats.held[method] += 1
            await self._sleep(hold_s)
        return answer

    def _held(self, method: str) -> bool:
        return self.mode is Mode.SLOW and method.lower().startswith(self.hold_methods)

    async def _forward(self, request: web.Request, body: bytes) -> web.Response:
        assert self._client is not None
        headers = {}
        if "Content-Type" in request.headers:
            headers["Content-Type"] = request.headers["Content-Type"]
        try:
            async with self._client.request(
                request.method, self.upstream + request.path_qs, data=body, headers=headers
            ) as upstream:
                payload = await upstream.read()
                content_type = upstream.headers.get("Content-Type", _JSON)
                return web.Response(
                    status=upstream.status, body=payload, headers={"Content-Type": content_type}
                )
        except (aiohttp.ClientError, TimeoutError):
            self.stats.upstream_errors += 1
            return web.Response(status=502, body=_BAD_GATEWAY, content_type=_JSON)

    async def _forward_unless_outage(
        self, request: web.Request, body: bytes, method: str
    ) -> web.Response:
        forward = asyncio.ensure_future(self._forward(request, body))
        outage = asyncio.ensure_future(self._outage.wait())
        try:
            await asyncio.wait({forward, outage}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            outage.cancel()
        if forward.done():
            return forward.result()
        # Cut: updates the sandbox may have handed out are not confirmed by the bot (no offset
        # moved), so they come again on the next successful poll; nothing is lost.
        forward.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await forward
        self.stats.cut_long_polls += 1
        self.stats.failed[method] += 1
        return web.Response(status=500, body=OUTAGE_BODY, content_type=_JSON)
