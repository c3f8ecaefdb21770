"""How updates reach the application: an ``UpdateSource``; long polling is the one we have.

A source turns what Telegram sends into ``telegram.Update`` objects on the application's
update queue. Webhook mode (the operations issue) is another implementation of the same two
methods; the runtime starts and stops whichever source the composition root built.

Updates are parsed one by one (``parse_updates``): python-telegram-bot parses a whole
``getUpdates`` answer at once, so one update it cannot parse failed the whole batch, its offset
was never confirmed, and the bot fetched the same batch forever (answering nobody, logging
tens of MB a minute). Here the bad update is logged once, counted, skipped and confirmed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from telegram import Bot, Update
from telegram.error import Conflict, RetryAfter, TelegramError
from telegram.warnings import PTBUserWarning

from bot.delivery.outcome import retry_seconds
from bot.retry import START_BACKOFF, Backoff, Sleep

log = logging.getLogger(__name__)

# We call getUpdates through do_api_request on purpose: it returns the raw JSON, which we
# parse one update at a time. PTB warns on every such call that a typed method exists.
warnings.filterwarnings(
    "ignore",
    message=r"Please use 'Bot\.getUpdates' instead of 'Bot\.do_api_request",
    category=PTBUserWarning,
)

RAW_LOG_CHARS = 300  # a poison update is logged once, this much of it (it is user text)


class UpdateSource(Protocol):
    """Where updates come from. ``start`` returns once updates flow; ``stop`` is idempotent."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Rejected:
    """An update python-telegram-bot could not parse."""

    update_id: int | None
    error: str
    raw: str


def parse_updates(raw: Sequence[Any], bot: Bot) -> tuple[list[Update], list[Rejected]]:
    """Parse each update on its own; the ones PTB cannot parse are returned as ``Rejected``."""
    updates: list[Update] = []
    rejected: list[Rejected] = []
    for item in raw:
        try:
            update = Update.de_json(item, bot)
            if update is None:
                raise ValueError("empty update")
            updates.append(update)
        except Exception as error:  # PTB raises TypeError, KeyError, AttributeError, …
            rejected.append(Rejected(_update_id(item), f"{type(error).__name__}: {error}",
                                     repr(item)[:RAW_LOG_CHARS]))  # fmt: skip
    return updates, rejected


def next_offset(raw: Sequence[Any], current: int | None) -> int | None:
    """The offset that confirms every update of this answer, parsed or not."""
    ids = [i for i in map(_update_id, raw) if i is not None]
    if not ids:
        return current
    return max(max(ids) + 1, current or 0)


def _update_id(item: Any) -> int | None:
    value = item.get("update_id") if isinstance(item, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class LongPolling:
    """``getUpdates`` in a loop: network errors back off (capped), poison updates are skipped.

    Fetches with the application's own bot (its getUpdates connection pool), puts parsed
    updates on the application's queue, and on stop confirms what it fetched so a restart
    does not see those updates again.
    """

    def __init__(
        self,
        bot: Bot,
        queue: asyncio.Queue[object],
        *,
        timeout_s: int = 30,
        allowed_updates: Sequence[str] = Update.ALL_TYPES,
        backoff: Backoff = START_BACKOFF,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.bot = bot
        self.queue = queue
        self.timeout_s = timeout_s
        self.allowed_updates = list(allowed_updates)
        self.backoff = backoff
        self.sleep = sleep
        self.offset: int | None = None
        self.skipped = 0  # poison updates skipped since start (for logs now, metrics later)
        self.received = 0
        self._task: asyncio.Task[None] | None = None
        self._confirmed: int | None = None

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="long-polling")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        if self.offset is not None and self.offset != self._confirmed:
            # Confirm what we fetched (PTB's Updater does the same); best effort, bounded.
            with contextlib.suppress(TelegramError, TimeoutError):
                async with asyncio.timeout(2):
                    await self._get(timeout_s=0)

    async def _run(self) -> None:
        # A webhook left set (by another deployment) makes getUpdates answer 409 forever.
        await self._retrying(self._delete_webhook)
        while True:
            raw = await self._retrying(self._get)
            self.received += len(raw)
            self.handle(raw)

    def handle(self, raw: Sequence[Any]) -> None:
        """Queue what parses, log and count what does not, and move the offset past both."""
        self.skipped += queue_parsed(raw, self.bot, self.queue, self.skipped)
        self.offset = next_offset(raw, self.offset)

    async def _delete_webhook(self) -> list[Any]:
        await self.bot.delete_webhook()
        return []

    async def _get(self, timeout_s: int | None = None) -> list[Any]:
        wait = self.timeout_s if timeout_s is None else timeout_s
        offset = self.offset
        result = await self.bot.do_api_request(
            "getUpdates",
            api_kwargs={
                "offset": offset,
                "timeout": wait,
                "allowed_updates": self.allowed_updates,
            },
            # The long poll itself plus the usual margin for a slow answer.
            read_timeout=wait + 10,
        )
        self._confirmed = offset
        return list(result) if isinstance(result, list) else []

    async def _retrying(self, call: Any) -> list[Any]:
        result: list[Any] = await retrying(call, backoff=self.backoff, sleep=self.sleep)
        return result


def queue_parsed(raw: Sequence[Any], bot: Bot, queue: asyncio.Queue[object], skipped: int) -> int:
    """Put what parses on the application's queue; log what does not; return how many not."""
    updates, rejected = parse_updates(raw, bot)
    for n, bad in enumerate(rejected, start=skipped + 1):
        log.error(
            "skipped update %s that python-telegram-bot cannot parse (%s; %d skipped so "
            "far): %s",
            bad.update_id, bad.error, n, bad.raw,
        )  # fmt: skip
    for update in updates:
        queue.put_nowait(update)
    return len(rejected)


async def retrying(
    call: Any, *, backoff: Backoff = START_BACKOFF, sleep: Sleep = asyncio.sleep
) -> Any:
    """One Bot API call, retried after network errors with one log line each."""
    delays = backoff.delays()
    failures = 0
    while True:
        try:
            result = await call()
        except RetryAfter as error:
            await sleep(retry_seconds(error.retry_after))
            continue
        except Conflict as error:
            delay = next(delays)
            log.warning("getUpdates conflict (%s); retrying in %g s", error.message, delay)
        except TelegramError as error:  # NetworkError, TimedOut, 5xx
            failures += 1
            delay = next(delays)
            log.warning("Telegram unreachable (%s); retrying in %g s", error.message, delay)
        else:
            if failures:
                log.info("Telegram reachable again after %d failed attempts", failures)
            return result
        await sleep(delay)
