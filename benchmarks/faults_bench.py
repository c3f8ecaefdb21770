"""The fault benchmark's harness: one scenario's bot, proxy, feeds and chat range, and the
waits every scenario shares (until N chats have a message, until the outbox settles).

``benchmarks.faults`` holds the scenarios and says what each number means; this module only
sets things up and watches. Times are ``time.monotonic()``, the system-wide CLOCK_MONOTONIC,
so they compare directly with the sandbox's message times.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.fanout import SandboxProcess
from benchmarks.fault_proxy import FaultProxy
from benchmarks.faults_bot import LOCKED, BotUnderTest, prepare_subscribers
from benchmarks.faults_feed import FeedServer, Item, station_feed

POLL_INTERVAL_S = 3
# Disjoint chat-id ranges, so the sandbox's per-chat counts tell the scenarios apart.
RANGES = {"outage": 7_000_000, "slow": 7_100_000, "burst": 7_200_000, "signup": 7_300_000}

Note = Callable[[str], None]


@dataclass
class Run:
    """One scenario's bot, proxy and chat range."""

    name: str
    bot: BotUnderTest
    proxy: FaultProxy
    first: int
    count: int
    started: float


class Bench:
    def __init__(self, sb: SandboxProcess, feeds: FeedServer, directory: Path, note: Note):
        self.sb, self.feeds, self.directory, self.note = sb, feeds, directory, note
        self.runs: list[Run] = []

    # --- set-up and tear-down ---------------------------------------------------------------
    @contextlib.asynccontextmanager
    async def scenario(self, name: str, count: int, feeds: dict[str, bytes]) -> AsyncIterator[Run]:
        """Subscribers in the sandbox and the database, feeds served, proxy up, bot polling."""
        first = RANGES[name]
        directory = self.directory / name
        directory.mkdir()
        for path, body in feeds.items():
            self.feeds.set(path, body)
        proxy = FaultProxy(self.sb.api)
        await proxy.start()
        settings = {
            "NEWSBOT_TELEGRAM_API_URL": proxy.url,
            "NEWSBOT_DATABASE_URL": "",
            "NEWSBOT_FEEDS": ",".join(self.feeds.url + path for path in feeds),
            "NEWSBOT_POLL_INTERVAL": str(POLL_INTERVAL_S),
            "NEWSBOT_SEND_RATE": "30",
            "NEWSBOT_LOG_LEVEL": "INFO",
        }
        bot = BotUnderTest(directory, settings)
        settings["NEWSBOT_DATABASE_URL"] = bot.database_url
        run = Run(name, bot, proxy, first, count, time.monotonic())
        try:
            await self.sb.users(first, count)
            await prepare_subscribers(bot.database_url, first, count)
            await bot.start(self.sb.token)
            self.runs.append(run)
            await self._until_polled_twice(run, list(feeds))
            self.note(f"{name}: bot up, {count} subscribers, feeds primed")
            yield run
        finally:
            await bot.stop()
            await proxy.stop()

    async def _until_polled_twice(self, run: Run, paths: list[str], limit_s: float = 120) -> None:
        """A feed's second request means its first poll (the backlog) was stored."""
        deadline = time.monotonic() + limit_s
        while any(self.feeds.requests(path) < 2 for path in paths):
            if not run.bot.running or time.monotonic() > deadline:
                raise RuntimeError(f"the bot did not start polling:\n{run.bot.tail()}")
            await asyncio.sleep(0.2)

    # --- measuring --------------------------------------------------------------------------
    async def summary(self, run: Run) -> dict[str, Any]:
        return await self.sb.summary(run.first, run.count)

    async def until_received(self, run: Run, at_least: int, limit_s: float) -> dict[str, Any]:
        deadline = time.monotonic() + limit_s
        while True:
            summary = await self.summary(run)
            if summary["chats"] >= at_least:
                return summary
            if not run.bot.running or time.monotonic() > deadline:
                raise RuntimeError(
                    f"{run.name}: {summary['chats']} of {at_least} chats reached in time:\n"
                    f"{run.bot.tail()}"
                )
            await asyncio.sleep(0.25)

    async def settle(self, run: Run, limit_s: float, quiet_s: float = 5.0) -> dict[str, Any]:
        """Until everyone has it and the outbox is empty, or nothing is left to send and nothing
        arrived for ``quiet_s``, or ``limit_s``; then a short wait for late copies."""
        started = time.monotonic()
        deadline = started + limit_s
        last_seen, last_received, reason = started, -1, "bound"
        last_note = started
        while time.monotonic() < deadline:
            summary = await self.summary(run)
            open_rows = await run.bot.open_rows()
            now = time.monotonic()
            if summary["received"] != last_received:
                last_seen, last_received = now, summary["received"]
            if summary["missing"] == 0 and open_rows == 0:
                reason = "all delivered"
                break
            if open_rows == 0 and now - last_seen >= quiet_s:
                reason = "nothing left to send"
                break
            if open_rows is None and summary["missing"] == 0 and now - last_seen >= 2 * quiet_s:
                reason = "all delivered (outbox unreadable)"
                break
            if now - last_note >= 15:
                self.note(
                    f"{run.name}: settling, {summary['chats']}/{run.count} chats, "
                    f"{open_rows} rows open"
                )
                last_note = now
            await asyncio.sleep(1.0)
        await asyncio.sleep(3.0)  # a copy already in flight still counts
        return {"reason": reason, "settle_s": round(time.monotonic() - started, 1)}

    async def wrap_up(self, run: Run) -> dict[str, Any]:
        return {
            "outbox": await run.bot.outbox(),
            "proxy": run.proxy.stats.to_json(),
            "lock_errors": len(run.bot.records_mentioning(LOCKED)),
        }

    def publish(self, path: str, items: list[Item]) -> str:
        return self.feeds.set(path, station_feed(items))


def wall_s(run: Run) -> float:
    return round(time.monotonic() - run.started, 1)
