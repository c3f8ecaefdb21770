"""Webhook delivery, as Telegram does it: while a webhook is set, each queued update is POSTed
to its URL (with ``X-Telegram-Bot-Api-Secret-Token`` when a secret was given) and dropped
from the queue on a 2xx answer; other answers are retried."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import aiohttp

from .core import Core

RETRY_S = 0.2  # Telegram retries far slower; tests only need "retried, not lost"


class WebhookPusher:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.answers: list[int] = []  # HTTP status of every POST, in order
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="sandbox-webhook")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        updates = self.core.world.updates
        async with aiohttp.ClientSession() as http:
            while True:
                hook = self.core.profile.webhook
                if hook is None or not updates.items:
                    updates.arrived.clear()
                    # setWebhook does not signal: look again now and then. (Not wait_for:
                    # its helper task would look like a task the bot left behind.)
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(RETRY_S):
                            await updates.arrived.wait()
                    continue
                if not await self._post(http, hook, updates.items[0]):
                    await asyncio.sleep(RETRY_S)

    async def _post(self, http: aiohttp.ClientSession, hook: dict[str, Any], update: Any) -> bool:
        headers = {}
        if hook.get("secret_token"):
            headers["X-Telegram-Bot-Api-Secret-Token"] = hook["secret_token"]
        try:
            async with http.post(hook["url"], json=update, headers=headers) as answer:
                self.answers.append(answer.status)
                ok = 200 <= answer.status < 300
        except aiohttp.ClientError:
            return False
        updates = self.core.world.updates
        if ok and updates.items and updates.items[0] is update:
            updates.items.pop(0)
        return ok
