"""Waiting for what is not there yet: capped exponential backoff and a start-up retry loop.

Pure pieces (the delay sequence) and one small loop, so the runtime's start-up, its supervisor
and the update source all back off the same way and are tested with a fake sleep.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import TypeVar

from bot.backoff import exponential

log = logging.getLogger(__name__)

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]


class NotReady(Exception):
    """A dependency cannot be used yet; the message (one line, no secret) says why."""


class StartupError(Exception):
    """Start-up cannot go on; the message is one sentence for the operator."""


class Stopped(Exception):
    """A stop was requested while waiting."""


@dataclass(frozen=True, slots=True)
class Backoff:
    """1, 2, 4, … seconds, capped: a server booting without its uplink is back within a
    minute or two, and a 30 s cap means the bot notices within 30 s of the network's return."""

    first_s: float = 1.0
    cap_s: float = 30.0
    factor: float = 2.0

    def delays(self) -> Iterator[float]:
        attempt = 1
        while True:
            yield exponential(attempt, base=self.first_s, cap=self.cap_s, factor=self.factor)
            attempt += 1


START_BACKOFF = Backoff()


async def sleep_or_stop(seconds: float, stop: asyncio.Event | None, sleep: Sleep) -> None:
    """Sleep, but raise ``Stopped`` as soon as ``stop`` is set."""
    if stop is None:
        await sleep(seconds)
        return
    if stop.is_set():
        raise Stopped
    waiter = asyncio.ensure_future(stop.wait())
    sleeper = asyncio.ensure_future(sleep(seconds))
    try:
        await asyncio.wait({waiter, sleeper}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (waiter, sleeper):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    if stop.is_set():
        raise Stopped


async def until_ready(
    what: str,
    attempt: Callable[[], Awaitable[T]],
    *,
    stop: asyncio.Event | None = None,
    backoff: Backoff = START_BACKOFF,
    sleep: Sleep = asyncio.sleep,
) -> T:
    """Run ``attempt`` until it succeeds; ``NotReady`` is logged in one line and retried.

    Any other exception (``StartupError`` above all) propagates at once: waiting cannot fix it.
    """
    delays = backoff.delays()
    tries = 0
    while True:
        tries += 1
        try:
            result = await attempt()
        except NotReady as error:
            delay = next(delays)
            log.warning("%s: %s; retrying in %g s (attempt %d)", what, error, delay, tries)
            await sleep_or_stop(delay, stop, sleep)
            continue
        if tries > 1:
            log.info("%s: ready after %d attempts", what, tries)
        return result
