"""The aiohttp server: ``GET /healthz``, ``GET /metrics`` and whatever POST routes an update
source adds (the webhook). It starts before the database is waited for, so a prober sees 503
(not a refused connection) while the bot waits for its dependencies."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.web import metrics
from bot.web.status import StatusSources, health_body, judge

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class WebServer:
    def __init__(
        self, host: str, port: int, status: StatusSources, *, stale_after_s: float
    ) -> None:
        self.host = host
        self.port = port
        self.status = status
        self.stale_after_s = stale_after_s
        self.app = web.Application(client_max_size=1024 * 1024)  # an update is a few kB
        self.app.router.add_get("/healthz", self.healthz)
        self.app.router.add_get("/metrics", self.metrics)
        self._runner: web.AppRunner | None = None
        self.url = ""  # http://host:port once started (the bound port when port is 0)

    def add_post(self, path: str, handler: Handler) -> None:
        self.app.router.add_post(path, handler)

    async def start(self) -> None:
        if self._runner is not None:
            return
        runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=2.0)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        try:
            await site.start()
        except OSError:
            await runner.cleanup()
            raise
        self._runner = runner
        bound = runner.addresses[0][1]
        self.url = f"http://{self.host}:{bound}"
        log.info("web server listening on %s (/healthz, /metrics)", self.url)

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def healthz(self, request: web.Request) -> web.Response:
        snapshot = await self.status.snapshot()
        health = judge(snapshot, self.stale_after_s)
        return web.json_response(
            health_body(snapshot, health), status=200 if health.healthy else 503
        )

    async def metrics(self, request: web.Request) -> web.Response:
        body = metrics.render(await self.status.snapshot())
        return web.Response(body=body, headers={"Content-Type": metrics.CONTENT_TYPE})
