"""Delivery benchmark: pacing under Telegram's limits, reply latency during a broadcast, the
send ceiling (SQLite, PostgreSQL, and PTB's default transport as a baseline), memory at
100,000 subscribers, and loss/duplication when the bot is SIGKILLed mid-broadcast.

    python -m benchmarks.fanout --json          # full sizes, ~3-4 minutes
    python -m benchmarks.fanout --json --quick  # smaller sizes

Three kinds of process: the sandbox (``benchmarks.fanout_sandbox``), the bot side (the real
``newsbot run`` for the pacing/latency run, ``benchmarks.fanout_bot`` with the production
Sender for the others), and this driver, which prepares the databases (bulk inserted
subscribers, one article, ``enqueue_article``) and measures. Message times are taken in the
sandbox when a message is stored. Prints one JSON line (goals in brackets):

pacing_ratio (>= 0.95), too_many (0), duplicates (0), missing (0), interactive_p95_s (<= 1.0),
ceiling_msgs_per_s (>= 1000), ceiling_pg_msgs_per_s, ptb_default_msgs_per_s,
peak_rss_mb (<= 150), crash_missing (0), crash_duplicates (<= inflight_limit per kill).

Notes: "limits off" holds for both sides in the ceiling runs: the sandbox enforces nothing and
the bot's limiter is set to 5000/s, so the numbers say what the sender and this machine can
do (the PTB baseline is unpaced too). ``paid_paced_msgs_per_s`` is the same SQLite run at
send rate 1000, as production runs in paid mode: the limiter keeps a 3 % jitter margin
(1000 per 1.03 s), so it tops out near 971/s by design. ``interactive_p95_s``: the same user
asks every 1.0 s but may get one message per 1.03 s, so its wait grows ~30 ms per question.
``inflight_limit`` is ``in_flight + record_batch`` (messages sent but not yet recorded when
the process dies); ``crash_duplicate_bound`` is that times the number of kills.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import math
import os
import random
import signal
import socket
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import create_async_engine

from storage.db import Database
from storage.models import Article, Feed, Subscriber
from storage.repositories.deliveries import enqueue_article

REPO = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get(
    "NEWSBOT_BENCH_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)


@dataclass(frozen=True)
class Sizes:
    pacing: int = 3_000
    ceiling: int = 20_000
    rss: int = 100_000
    crash: int = 5_000
    kills: int = 3
    ptb: int = 10_000  # the baseline's rate is steady; 20,000 at ~300/s would cost a minute


QUICK = Sizes(pacing=1_500, ceiling=5_000, rss=20_000, crash=2_000, kills=3, ptb=3_000)
UNPACED_RATE = 5_000

# Disjoint chat-id ranges, one per run, so the sandbox's per-chat counts tell runs apart.
RANGES = {
    "pacing": 1_000_000,
    "ceiling": 2_000_000,
    "ceiling_pg": 3_000_000,
    "ptb": 4_000_000,
    "capacity": 4_500_000,
    "rss": 5_000_000,
    "crash": 6_000_000,
}
INTERACTIVE_USER = 999_999


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
    env["PYTHONPATH"] = str(REPO)
    env["PYTHONUNBUFFERED"] = "1"
    return env


# ----------------------------------------------------------------------------- sandbox


class SandboxProcess:
    def __init__(self, process: asyncio.subprocess.Process, api: str, station: str, bench: str):
        self.process, self.api, self.station, self.bench = process, api, station, bench
        self.http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60))
        self.token = ""

    async def get(self, path: str, **query: Any) -> Any:
        async with self.http.get(f"{self.bench}{path}", params=query) as response:
            response.raise_for_status()
            return await response.json()

    async def control(self, path: str, body: dict[str, Any]) -> Any:
        async with self.http.post(f"{self.api}/_sandbox/{path}", json=body) as response:
            data = await response.json()
            if not data.get("ok"):
                raise RuntimeError(f"sandbox {path}: {data}")
            return data["result"]

    async def reset(self) -> None:
        async with self.http.post(f"{self.bench}/reset") as response:
            response.raise_for_status()

    async def users(self, first: int, count: int) -> None:
        await self.control("users", {"first_id": first, "count": count})

    async def limits(self, **limits: Any) -> None:
        await self.control("limits", limits or {"off": True})

    async def summary(self, first: int, count: int) -> dict[str, Any]:
        result: dict[str, Any] = await self.get("/summary", first=first, count=count)
        return result


@contextlib.asynccontextmanager
async def sandbox_process() -> AsyncIterator[SandboxProcess]:
    port, bench_port = _free_port(), _free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "benchmarks.fanout_sandbox",
        "--port", str(port), "--bench-port", str(bench_port),
        cwd=REPO, env=_env(), stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None
    line = (await asyncio.wait_for(process.stdout.readline(), 30)).decode().split()
    if not line or line[0] != "ready":
        raise RuntimeError(f"the sandbox did not start: {line}")
    sb = SandboxProcess(process, line[1], line[2], f"http://127.0.0.1:{bench_port}")
    try:
        sb.token = (await sb.get("/info"))["token"]
        yield sb
    finally:
        await sb.http.close()
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 15)


# ---------------------------------------------------------------------------- databases


async def prepare(url: str, first: int, count: int, *, enqueue: bool = True) -> int:
    """Schema, ``count`` instant subscribers (bulk insert), one article; returns its id."""
    database = Database(url)
    await database.upgrade()
    now = datetime.now(UTC)
    async with database.session() as session:
        feed = Feed(url="https://kontumtv.vn/feed", primed=True, active=False)
        session.add(feed)
        await session.flush()
        article = Article(
            feed_id=feed.id,
            guid=f"bench-{first}",
            url=f"https://kontumtv.vn/?p={first}",
            title="Kon Tum khởi công dự án đường liên huyện dài 42 km",
            summary=(
                "Sáng nay, UBND tỉnh Kon Tum khởi công dự án đường liên huyện nối Đắk Hà với "
                "Kon Plông. Công trình dự kiến hoàn thành sau hai năm."
            ),
            published_at=now,
            content_hash=uuid.uuid4().hex,
        )
        session.add(article)
        await session.flush()
        article_id = article.id
    step = 10_000
    for start in range(first, first + count, step):
        rows = [
            {"chat_id": chat, "language": "vi", "first_name": f"Người dùng {chat}"}
            for chat in range(start, min(start + step, first + count))
        ]
        async with database.session() as session:
            await session.execute(insert(Subscriber), rows)
    if enqueue:
        await enqueue_now(database, article_id, count)
    await database.dispose()
    return article_id


async def enqueue_now(database: Database, article_id: int, expected: int) -> None:
    async with database.session() as session:
        written = await enqueue_article(session, article_id, now=datetime.now(UTC))
    assert written == expected, (written, expected)


@contextlib.asynccontextmanager
async def postgres_database() -> AsyncIterator[str]:
    name = f"newsbot_bench_{uuid.uuid4().hex[:10]}"
    admin = create_async_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        base = PG_ADMIN_URL.rsplit("/", 1)[0]
        yield f"{base}/{name}"
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


# ----------------------------------------------------------------------------- bot side


async def bot_side(*args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "benchmarks.fanout_bot", *args,
        cwd=REPO, env=_env(), stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def bot_result(process: asyncio.subprocess.Process, limit_s: float = 600) -> dict[str, Any]:
    out, _ = await asyncio.wait_for(process.communicate(), limit_s)
    if process.returncode != 0:
        raise RuntimeError(f"bot side exited with {process.returncode}")
    result: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
    return result


def _rate(summary: dict[str, Any]) -> float:
    span = (summary["last_at"] or 0) - (summary["first_at"] or 0)
    return (summary["received"] - 1) / span if span > 0 else 0.0


async def run_sender(sb: SandboxProcess, url: str, *extra: str) -> dict[str, Any]:
    process = await bot_side("sender", "--api", sb.api, "--token", sb.token, "--db", url, *extra)
    return await bot_result(process)


async def fanout_run(
    sb: SandboxProcess, url: str, name: str, count: int, *, rate: int = 1000
) -> dict[str, Any]:
    """Paid-broadcast mode with the sandbox's limits off, at the bot's send ``rate``."""
    first = RANGES[name]
    await sb.users(first, count)
    await prepare(url, first, count)
    await sb.reset()
    bot = await run_sender(sb, url, "--rate", str(rate), "--paid")
    summary = await sb.summary(first, count)
    return {"rate": _rate(summary), "summary": summary, "bot": bot}


async def ptb_run(sb: SandboxProcess, count: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """The newcomer's loop: HTTPXRequest and gather over bot.send_message, 100 at once."""
    first = RANGES["ptb"]
    await sb.users(first, count)
    await sb.reset()
    args = ("--api", sb.api, "--token", sb.token, "--first", str(first), "--count", str(count))
    bot = await bot_result(await bot_side("ptb", *args))
    return await sb.summary(first, count), bot


# ------------------------------------------------------------------ pacing and replies


async def pacing_run(sb: SandboxProcess, directory: Path, count: int) -> dict[str, Any]:
    """``newsbot run`` at send rate 300 against limits 1/s per chat and 300/s overall; a user
    sends /start every second while the article goes out."""
    first = RANGES["pacing"]
    url = f"sqlite+aiosqlite:///{directory / 'pacing.db'}"
    await sb.users(first, count)
    article_id = await prepare(url, first, count, enqueue=False)
    await sb.limits(per_chat_per_s=1, overall_per_s=300)
    await sb.reset()
    before = await sb.get("/info")
    env = _env() | {
        "NEWSBOT_TELEGRAM_TOKEN": sb.token,
        "NEWSBOT_TELEGRAM_API_URL": sb.api,
        "NEWSBOT_DATABASE_URL": url,
        "NEWSBOT_FEEDS": f"{sb.station}/feed",
        "NEWSBOT_POLL_INTERVAL": "3600",
        "NEWSBOT_SEND_RATE": "300",
    }
    log = directory / "newsbot.log"
    with log.open("ab") as handle:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run",
            cwd=directory, env=env, stdout=handle, stderr=handle,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while "is running" not in log.read_text("utf-8", errors="replace"):
            if process.returncode is not None or time.monotonic() > deadline:
                raise RuntimeError(f"newsbot did not start:\n{log.read_text()}")
            await asyncio.sleep(0.05)
        await asyncio.sleep(1.0)  # let the first poll (backlog only) settle
        database = Database(url)
        await enqueue_now(database, article_id, count)
        await database.dispose()
        asked: list[float] = []
        deadline = time.monotonic() + 10 + count / 100
        while time.monotonic() < deadline:
            tick = time.monotonic()
            asked.append(tick)
            await sb.control(f"users/{INTERACTIVE_USER}/send", {"text": "/start"})
            if (await sb.summary(first, count))["received"] >= count:
                break
            await asyncio.sleep(max(0.0, 1.0 - (time.monotonic() - tick)))
        await asyncio.sleep(2.0)  # the last reply
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 30)
    await sb.limits()
    after = await sb.get("/info")
    summary = await sb.summary(first, count)
    replies: list[float] = await sb.get(f"/chat/{INTERACTIVE_USER}")
    latencies = _pair(asked, replies)
    return {
        "rate": _rate(summary),
        "summary": summary,
        "too_many": after["too_many"] - before["too_many"],
        "latencies": latencies,
        "exit_code": process.returncode,
        "log_tail": log.read_text("utf-8", errors="replace")[-500:],
    }


def _pair(asked: list[float], replies: list[float]) -> list[float]:
    """Each /start with the first later reply not yet taken (a lost reply counts as 60 s)."""
    latencies, index = [], 0
    for at in asked:
        while index < len(replies) and replies[index] < at:
            index += 1
        if index < len(replies):
            latencies.append(replies[index] - at)
            index += 1
        else:
            latencies.append(60.0)
    return latencies


def _p95(values: list[float]) -> float:
    if not values:
        return math.inf
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]


# ------------------------------------------------------------------------------ crashes


async def crash_run(sb: SandboxProcess, directory: Path, count: int, kills: int) -> dict[str, Any]:
    """Send rate 300, lease 5 s; SIGKILL the sender ``kills`` times at random moments."""
    first = RANGES["crash"]
    url = f"sqlite+aiosqlite:///{directory / 'crash.db'}"
    await sb.users(first, count)
    await prepare(url, first, count)
    await sb.reset()
    args = ("--rate", "300", "--lease", "5")
    rng = random.Random()
    killed_at: list[int] = []
    for _ in range(kills):
        process = await bot_side("sender", "--api", sb.api, "--token", sb.token, "--db", url, *args)
        start = (await sb.get("/count"))["messages"]
        while (await sb.get("/count"))["messages"] <= start:  # sending again
            if process.returncode is not None:
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(rng.uniform(0.2, 2.5))
        process.send_signal(signal.SIGKILL)
        await process.wait()
        killed_at.append((await sb.get("/count"))["messages"])
    bot = await run_sender(sb, url, *args)
    summary = await sb.summary(first, count)
    return {"summary": summary, "killed_at": killed_at, "bot": bot}


# --------------------------------------------------------------------------------- main


PHASES = ("pacing", "ceiling", "ceiling_pg", "capacity", "ptb", "rss", "crash")


async def main(sizes: Sizes, log: bool, phases: tuple[str, ...] = PHASES) -> dict[str, Any]:
    def note(name: str, data: Any) -> None:
        if log:
            print(f"{name}: {json.dumps(data)[:800]}", file=sys.stderr, flush=True)

    started = time.monotonic()
    out: dict[str, Any] = {}
    runs: list[dict[str, Any]] = []  # per-chat summaries that count for duplicates/missing
    with tempfile.TemporaryDirectory(prefix="fanout-") as tmp:
        directory = Path(tmp)

        def sqlite(name: str) -> str:
            return f"sqlite+aiosqlite:///{directory / name}.db"

        async with sandbox_process() as sb:
            if "pacing" in phases:
                pacing = await pacing_run(sb, directory, sizes.pacing)
                note("pacing", pacing)
                runs.append(pacing["summary"])
                out["pacing_ratio"] = round(pacing["rate"] / 300, 3)
                out["too_many"] = pacing["too_many"]
                out["interactive_p95_s"] = round(_p95(pacing["latencies"]), 3)
                out["interactive_samples"] = len(pacing["latencies"])
            if "ceiling" in phases:
                ceiling = await fanout_run(
                    sb, sqlite("ceiling"), "ceiling", sizes.ceiling, rate=UNPACED_RATE
                )
                note("ceiling", ceiling)
                runs.append(ceiling["summary"])
                out["ceiling_msgs_per_s"] = round(ceiling["rate"])
            if "ceiling_pg" in phases:
                async with postgres_database() as pg_url:
                    ceiling_pg = await fanout_run(
                        sb, pg_url, "ceiling_pg", sizes.ceiling, rate=UNPACED_RATE
                    )
                note("ceiling_pg", ceiling_pg)
                runs.append(ceiling_pg["summary"])
                out["ceiling_pg_msgs_per_s"] = round(ceiling_pg["rate"])
            if "capacity" in phases:
                # Paid mode as production runs it: send rate 1000, the limiter's margin on.
                capacity = await fanout_run(sb, sqlite("capacity"), "capacity", sizes.ceiling)
                note("capacity", capacity)
                runs.append(capacity["summary"])
                out["paid_paced_msgs_per_s"] = round(capacity["rate"])
            if "ptb" in phases:
                ptb, ptb_bot = await ptb_run(sb, sizes.ptb)
                note("ptb", {"summary": ptb, "bot": ptb_bot})
                runs.append(ptb)
                out["ptb_default_msgs_per_s"] = round(_rate(ptb))
            if "rss" in phases:
                rss = await fanout_run(sb, sqlite("rss"), "rss", sizes.rss)
                note("rss", rss)
                runs.append(rss["summary"])
                out["peak_rss_mb"] = round(rss["bot"]["peak_rss_mb"], 1)
                out["rss_run_msgs_per_s"] = round(rss["rate"])
            if "crash" in phases:
                crash = await crash_run(sb, directory, sizes.crash, sizes.kills)
                note("crash", crash)
                out["crash_missing"] = crash["summary"]["missing"]
                out["crash_duplicates"] = crash["summary"]["duplicates"]
                out["crash_kills"] = len(crash["killed_at"])
                out["inflight_limit"] = crash["bot"]["inflight_limit"]
                out["crash_duplicate_bound"] = sizes.kills * crash["bot"]["inflight_limit"]
            info = await sb.get("/info")
    out["duplicates"] = sum(s["duplicates"] for s in runs)
    out["missing"] = sum(s["missing"] for s in runs)
    out["sandbox_errors"] = info["errors"]
    out["sizes"] = dataclasses.asdict(sizes)
    out["total_s"] = round(time.monotonic() - started, 1)
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true", help="print only the JSON line")
    parser.add_argument("--quick", action="store_true", help="smaller sizes")
    parser.add_argument("--only", default=",".join(PHASES), help="comma-separated phases")
    cli = parser.parse_args()
    chosen = tuple(p for p in cli.only.split(",") if p)
    unknown = set(chosen) - set(PHASES)
    if unknown:
        parser.error(f"unknown phases {sorted(unknown)}; choose from {', '.join(PHASES)}")
    result = asyncio.run(main(QUICK if cli.quick else Sizes(), not cli.json, chosen))
    print(json.dumps(result))
