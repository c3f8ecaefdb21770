"""Failover benchmark: three ``newsbot run`` processes on one PostgreSQL database; the leader
is SIGKILLed in the middle of a 5,000-subscriber fan-out.

    python -m benchmarks.failover --json

Processes, all on 127.0.0.1: the sandbox (``benchmarks.fanout_sandbox``: the spec-strict fake
Bot API, which stores every message with the time it arrived; limits off), three real
``newsbot run`` on a fresh PostgreSQL database (``NEWSBOT_BENCH_PG_URL``'s server), and this
driver. The driver bulk-inserts the subscribers and enqueues one article for all of them
before the bots start (``benchmarks.fanout.prepare``); the bots send at 300/s. When a fifth of
the fan-out has arrived, the leader (the process that logged it leads) is SIGKILLed.

Prints one JSON line (goals in brackets):
- ``failover_s`` [<= 30, aim <= 10]: from the kill until the sandbox stores a message again
  (the dead leader's own requests in flight are left to land first: the count it reached
  ``SETTLE_S`` after the kill is the baseline);
- ``failover_missing`` [0]: subscribers without the article once the outbox has no pending or
  sending row (the dead leader's leased rows come back when their 120 s lease ends);
- ``failover_duplicates`` [<= ``inflight_bound``, 48 = in_flight + record_batch]: extra copies;
- ``new_leader``: which of the standbys took over; ``settled_s``: kill to the last message.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from benchmarks.fanout import postgres_database, prepare, sandbox_process
from bot.delivery.sender import SenderConfig
from storage.db import Database
from storage.enums import DeliveryStatus
from storage.models import Delivery
from tests.e2e.botproc import BotProcess, env_for, start_bot

SUBSCRIBERS = 5_000
FIRST_CHAT = 7_000_000
PROCESSES = 3
SEND_RATE = 300
KILL_AT = 0.2  # the share of the fan-out delivered when the leader is killed
SETTLE_S = 0.3  # the dead leader's requests already on the wire land within this
SETTLE_BOUND_S = 240.0  # the killed leader's leases (120 s) expire well within this
LEADS = "this process is the leader"


async def waiting_rows(database: Database) -> int:
    waiting = (DeliveryStatus.PENDING, DeliveryStatus.SENDING)
    async with database.session() as session:
        count = await session.scalar(
            select(func.count()).select_from(Delivery).where(Delivery.status.in_(waiting))
        )
    return int(count or 0)


async def until(predicate: Any, limit_s: float, step_s: float = 0.05) -> bool:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if await predicate():
            return True
        await asyncio.sleep(step_s)
    return False


async def run(directory: Path, subscribers: int) -> dict[str, Any]:
    async with sandbox_process() as sb, postgres_database() as url:
        await sb.limits()
        await sb.users(FIRST_CHAT, subscribers)
        await prepare(url, FIRST_CHAT, subscribers)
        await sb.reset()
        env = env_for(
            sb.api, sb.station, url, token=sb.token,
            NEWSBOT_POLL_INTERVAL="300", NEWSBOT_SEND_RATE=str(SEND_RATE),
        )  # fmt: skip
        bots: list[BotProcess] = []
        for n in range(PROCESSES):
            bots.append(await start_bot(env, directory / f"bot-{n}.log", directory))
        database = Database(url)
        try:
            return await _measure(sb, bots, database, subscribers)
        finally:
            await database.dispose()
            for bot in bots:
                if bot.process.returncode is None:
                    await bot.stop(signal.SIGTERM, 20)


async def _count(sb: Any) -> int:
    return int((await sb.get("/count"))["messages"])


async def _measure(
    sb: Any, bots: list[BotProcess], database: Database, subscribers: int
) -> dict[str, Any]:
    async def leader_known() -> bool:
        return any(LEADS in bot.output() for bot in bots)

    if not await until(leader_known, 90):
        raise RuntimeError("no process became the leader: " + bots[0].output()[-2000:])
    (leader,) = [bot for bot in bots if LEADS in bot.output()]

    async def sending() -> bool:
        return await _count(sb) >= subscribers * KILL_AT

    if not await until(sending, 120):
        raise RuntimeError("the fan-out did not start: " + leader.output()[-2000:])
    leader.process.send_signal(signal.SIGKILL)
    killed_at = time.monotonic()
    await leader.process.wait()
    at_kill = await _count(sb)
    await asyncio.sleep(SETTLE_S)
    baseline = await _count(sb)

    async def sending_again() -> bool:
        return await _count(sb) > baseline

    resumed = await until(sending_again, 60, step_s=0.02)
    failover_s = time.monotonic() - killed_at if resumed else None
    standbys = [bot for bot in bots if bot is not leader]
    new_leader = [n for n, bot in enumerate(bots) if bot in standbys and LEADS in bot.output()]

    async def settled() -> bool:
        return await waiting_rows(database) == 0

    await until(settled, SETTLE_BOUND_S, step_s=0.5)
    await asyncio.sleep(1.0)  # the last recorded sends' messages are stored by now
    summary = await sb.summary(FIRST_CHAT, subscribers)
    config = SenderConfig()
    return {
        "subscribers": subscribers,
        "processes": len(bots),
        "send_rate": SEND_RATE,
        "failover_s": None if failover_s is None else round(failover_s, 2),
        "failover_missing": summary["missing"],
        "failover_duplicates": summary["duplicates"],
        "inflight_bound": config.in_flight + config.record_batch,
        "delivered_at_kill": at_kill,
        "new_leader": new_leader,
        "settled_s": round(summary["last_at"] - killed_at, 1) if summary["last_at"] else None,
        "waiting_rows_left": await waiting_rows(database),
    }


async def main(subscribers: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        return await run(Path(tmp), subscribers)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true", help="print only the JSON line")
    parser.add_argument("--subscribers", type=int, default=SUBSCRIBERS)
    args = parser.parse_args()
    result = asyncio.run(main(args.subscribers))
    if not args.json:
        print("failover benchmark:", file=sys.stderr)
    print(json.dumps(result))
