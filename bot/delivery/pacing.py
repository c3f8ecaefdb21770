"""Interactive replies through the same limiter as the outbox, with priority.

python-telegram-bot calls ``process_request`` for every Bot API call the Application makes
(handler replies, commands menu, callbacks). Calls that put a message in a chat are booked
on the shared :class:`RateLimiter` as priority traffic, so a broadcast can never starve a
reply and replies and broadcasts together never exceed the overall limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.delivery.limiter import RateLimiter
from bot.delivery.outcome import retry_seconds

log = logging.getLogger(__name__)

# Methods that post or change a message in a chat count against Telegram's message limits.
PACED_METHODS = frozenset(
    name.lower()
    for name in (
        "sendMessage", "sendPhoto", "sendVideo", "sendDocument", "sendAnimation", "sendAudio",
        "sendVoice", "sendMediaGroup", "sendLocation", "sendContact", "sendPoll", "sendSticker",
        "copyMessage", "forwardMessage", "editMessageText", "editMessageCaption",
        "editMessageMedia", "editMessageReplyMarkup",
    )
)  # fmt: skip

JSON = bool | dict[str, Any] | list[dict[str, Any]]


class PacedReplies(BaseRateLimiter[int]):
    """Book every message-sending call as priority traffic; retry once after a 429."""

    def __init__(self, limiter: RateLimiter, *, max_retries: int = 1) -> None:
        self.limiter = limiter
        self.max_retries = max_retries

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSON]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> JSON:
        chat_id = _chat_id(data.get("chat_id"))
        paced = chat_id is not None and endpoint.lower() in PACED_METHODS
        retries = self.max_retries if rate_limit_args is None else rate_limit_args
        for attempt in range(retries + 1):
            if paced:
                assert chat_id is not None
                await self.limiter.acquire(chat_id, priority=True)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                wait = retry_seconds(error.retry_after)
                if chat_id is not None:
                    self.limiter.block_chat(chat_id, wait)
                else:
                    self.limiter.pause_all(wait)
                if attempt == retries:
                    raise
                log.info("429 on %s; retrying in %.1f s", endpoint, wait)
                await asyncio.sleep(wait)
        raise AssertionError("unreachable")


def _chat_id(value: Any) -> int | None:
    with contextlib.suppress(TypeError, ValueError):
        return int(value)
    return None
