"""``publish_to_push_s`` for ``python -m benchmarks.ingest``: the sandbox station publishes a
post and pings the bot the way WordPress core does; seconds until the first subscriber's
message arrives, median of ``RUNS``, with the poll interval left at 300 s.

A real ``newsbot run`` (a subprocess, SQLite, its web server on a free port) against the
in-process sandbox. The bot's first poll stores the fixture backlog (never pushed); then each
run publishes a new post (a new first item in the feed), sends ``weblogUpdates.extendedPing``
and waits for the push in the subscriber's chat. Runs are ``GAP_S`` apart: the bot polls a
feed at most once every 10 s however many pings come, and the benchmark measures a ping that
is not held by that debounce (a station publishes far less often).
"""

from __future__ import annotations

import asyncio
import socket
import statistics
import time
from email.utils import formatdate
from pathlib import Path

import aiohttp

from storage.db import Database
from storage.models import Subscriber
from tests.e2e.botproc import BotProcess, env_for, start_bot
from tests.ingest.conftest import new_item
from tests.sandbox import Sandbox
from tests.sandbox.wordpress_ping import publish_and_ping

RUNS = 10
GAP_S = 10.5  # just past the 10 s debounce since the previous poll
SUBSCRIBER = 1001


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _wait_first_poll(base: str, bot: BotProcess, limit_s: float = 60.0) -> None:
    deadline = time.monotonic() + limit_s
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            if bot.process.returncode is not None:
                raise RuntimeError(f"the bot exited:\n{bot.output()[-3000:]}")
            try:
                async with http.get(f"{base}/healthz") as answer:
                    if (await answer.json()).get("last_poll_age_s") is not None:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError(f"no first poll within {limit_s} s:\n{bot.output()[-3000:]}")


async def publish_to_push(directory: Path, runs: int = RUNS) -> list[float]:
    database_url = f"sqlite+aiosqlite:///{directory / 'ping.db'}"
    database = Database(database_url)
    await database.upgrade()
    async with database.session() as session:
        session.add(Subscriber(chat_id=SUBSCRIBER))
    await database.dispose()
    port = _free_port()
    async with Sandbox() as sb:
        sb.user(SUBSCRIBER, "Lan")
        env = env_for(
            sb.api_url, sb.station_url, database_url, token=sb.token,
            NEWSBOT_POLL_INTERVAL="300", NEWSBOT_HTTP_PORT=str(port),
        )  # fmt: skip
        bot = await start_bot(env, directory / "ping-bot.log", directory)
        base = f"http://127.0.0.1:{port}"
        try:
            await _wait_first_poll(base, bot)
            samples = []
            for run in range(runs):
                await asyncio.sleep(GAP_S)
                title = f"Tin mới số {run + 1}: Kon Tum khởi công dự án đường liên huyện"
                item = new_item(95_000 + run, title, published=formatdate(usegmt=True))
                start = time.perf_counter()
                answer = await publish_and_ping(sb.station, item, f"{base}/wordpress/ping")
                if answer.fault is not None:
                    raise RuntimeError(f"the ping was refused: {answer.fault}")
                await sb.wait_for_message(
                    SUBSCRIBER, timeout=60, predicate=lambda m, title=title: title in m.text
                )
                samples.append(time.perf_counter() - start)
        finally:
            await bot.stop()
    return samples


async def median_publish_to_push_s(directory: Path, runs: int = RUNS) -> float:
    return statistics.median(await publish_to_push(directory, runs))
