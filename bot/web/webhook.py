"""Webhook mode: Telegram POSTs each update to our web server; an ``UpdateSource`` like
long polling.

``start`` registers the webhook (``setWebhook`` with a ``secret_token``) and every request
must carry that secret in ``X-Telegram-Bot-Api-Secret-Token``: anything else gets 403 and is
not read. Updates are parsed by the same ``parse_updates`` as long polling, so a poison update
is logged, counted and answered 200 (Telegram would otherwise resend it forever). ``stop``
leaves the webhook set: Telegram keeps the updates that arrive meanwhile for the next process;
a switch back to polling deletes it (``LongPolling`` calls deleteWebhook first).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
from collections.abc import Sequence
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Bot, Update

from bot.retry import START_BACKOFF, Backoff, Sleep
from bot.updates import queue_parsed, retrying
from bot.web.server import WebServer

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
DEFAULT_PORT = 8080


def derived_secret(token: str) -> str:
    """A secret every process of one bot agrees on without configuration; it reveals nothing
    of the token (a keyed hash) and fits Telegram's alphabet (hex)."""
    return hmac.new(token.encode(), b"newsbot webhook secret", hashlib.sha256).hexdigest()


def webhook_path(url: str) -> str:
    return urlsplit(url).path or "/"


class Webhook:
    def __init__(
        self,
        bot: Bot,
        queue: asyncio.Queue[object],
        server: WebServer,
        *,
        url: str,
        secret: str,
        allowed_updates: Sequence[str] = Update.ALL_TYPES,
        backoff: Backoff = START_BACKOFF,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.bot = bot
        self.queue = queue
        self.server = server
        self.url = url
        self._secret = secret.encode()
        self.allowed_updates = list(allowed_updates)
        self.backoff = backoff
        self.sleep = sleep
        self.received = 0
        self.skipped = 0
        self.refused = 0  # requests without the right secret
        self._accepting = False
        self._task: asyncio.Task[None] | None = None
        server.add_post(webhook_path(url), self.receive)

    async def start(self) -> None:
        """Accept updates now; register the webhook in the background (retried)."""
        self.accept()
        if self._task is None:
            self._task = asyncio.create_task(self._register(), name="set-webhook")

    def accept(self) -> None:
        """Take the updates POSTed from now on (``start`` does it and registers the webhook)."""
        self._accepting = True

    async def stop(self) -> None:
        self._accepting = False
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _register(self) -> None:
        async def call() -> bool:
            return await self.bot.set_webhook(
                self.url,
                secret_token=self._secret.decode(),
                allowed_updates=self.allowed_updates,
            )

        await retrying(call, backoff=self.backoff, sleep=self.sleep)
        log.info("webhook registered at %s", self.url)

    async def receive(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._secret):
            self.refused += 1
            log.warning(
                "refused a webhook request without the right secret from %s", request.remote
            )
            return web.Response(status=403)
        if not self._accepting:  # stopping: Telegram retries later, another process takes it
            return web.Response(status=503)
        try:
            raw = json.loads(await request.read())
        except (ValueError, UnicodeDecodeError):
            raw = None
        if not isinstance(raw, dict):
            self.skipped += 1
            log.error("skipped a webhook request whose body is not a JSON object")
            return web.Response(status=200)
        self.received += 1
        self.skipped += queue_parsed([raw], self.bot, self.queue, self.skipped)
        return web.Response(status=200)
