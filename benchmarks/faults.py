"""Fault benchmark: the real bot under a Telegram outage, slow answers and a feed burst.

    python -m benchmarks.faults --json           # full sizes, ~6-15 minutes
    python -m benchmarks.faults --json --quick   # smoke run, ~3 minutes
    python -m benchmarks.faults --only outage    # one scenario (outage, slow, burst)

Processes, all on 127.0.0.1: the sandbox (``benchmarks.fanout_sandbox``: the spec-strict
fake Bot API, storing every message with the time it arrived, limits off), and in this
driver a fault-injecting proxy (``benchmarks.fault_proxy``) in front of the sandbox's Bot
API and a small station site (``benchmarks.faults_feed``). Each scenario starts its own real
``newsbot run`` (``benchmarks.faults_bot``) with its own SQLite database (the default, where
locking bites) and ``NEWSBOT_TELEGRAM_API_URL`` pointed at the proxy, so every Bot API call
the bot makes (getMe, getUpdates, sends, replies) meets the faults. Subscribers are bulk
inserted before the bot starts; articles arrive the real way, through the feed: the bot's
first poll stores a 10-item backlog (never pushed), then the driver publishes new items and
the next poll (``NEWSBOT_POLL_INTERVAL=3``) enqueues them. Receipt is counted in the sandbox,
per chat, over the scenario's own range of chat ids (as ``benchmarks.fanout`` does).
The set-up and the shared waits live in ``benchmarks.faults_bench``.

Prints one JSON line, last on stdout (goals in brackets):

outage: ``outage_subscribers`` (1,000) subscribers, one new article; when half of them have
it, every Bot API call answers HTTP 500 with Telegram's JSON error body for ``outage_s``
(120 s), then the proxy passes everything again.
- ``outage_missing`` [0]: subscribers who never got the article once the bot settled (the
  outbox has no ``pending``/``sending`` row left) or the recovery bound ran out
  (``recovery_bound_s``, 480 s after the outage: the engine's backoff is capped near 5 min).
- ``outage_duplicates``: extra copies (a chat that got it 3 times counts 2).
- ``outage_recovery_s``: from the end of the outage to the last delivery to a subscriber;
  ``null`` when nothing was delivered after the outage.
  (``--quick``'s 30 s outage is shorter than today's give-up, 6 tries in ~62 s, so it checks
  the machinery, not the goal.)

slow: ``slow_subscribers`` subscribers, one new article; from the first send for
``slow_window_s`` (30 s) every send* call is forwarded at once (the message is stored) and
its answer held ``slow_hold_s`` (8 s); then answers are prompt again.
- ``slow_duplicates`` [0]: extra copies, once settled (bound ``slow_bound_s`` after the spell).
- ``slow_missing`` [0]: subscribers who got nothing.

burst: ``burst_subscribers`` subscribers; the station feed's next poll brings ``burst_items``
(5,000) new items at once, while a second feed keeps being polled (its 304s write to the
database too). From the moment the bot fetched the burst, ``burst_signups`` (10) new
readers send /start, one every ``signup_gap_s``.
- ``burst_pushes_per_reader`` [<= 6]: the most messages any subscriber received from the
  burst's fetch until the outbox had nothing left to send, or ``burst_window_s`` after the
  ingest was committed (all items visible in ``articles``), whichever came first.
- ``burst_queued_per_reader``: the most outbox rows any subscriber has at the end (what the
  window did not have time to show: today one row per item). Today's bot is still sending
  when the window closes, so its ``burst_pushes_per_reader`` is bounded by the window (about
  one message per second per reader); this key is the full count.
- ``burst_signup_errors`` [0]: readers who got no welcome within ``reply_bound_s`` (30 s) of
  their /start, or who got the generic apology ("đã có lỗi xảy ra").
  ``burst_signup_max_reply_s``: the slowest first reply (``null`` if a reader got none);
  replies go before pushes, so a long wait here is the database.
- ``lock_errors`` [0]: log records of the burst's bot that mention "database is locked"
  (a record with its traceback counts once); ``lock_errors_all`` sums every scenario's log.
  SQLite's busy timeout is 10 s, so an ingest that holds the write lock longer fails every
  writer that waited: a /start (the apology), the other feed's poll, the sender's records.

Also: ``<scenario>_wall_s`` (the scenario's wall time, bot start to stop), sizes, the
``settings`` each bot ran with (NEWSBOT_*, the token left out; everything else is default,
e.g. send rate 30/s), and ``details`` per scenario: the proxy's counts (calls, 500s, held
answers), the outbox's statuses at the end, timings, the bot's exit code and the ends of
its log when something looked wrong. A scenario that breaks reports ``<scenario>_error``
and the others still run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.fanout import sandbox_process
from benchmarks.fault_proxy import FaultProxy
from benchmarks.faults_bench import RANGES, Bench, Note, Run, wall_s
from benchmarks.faults_bot import LOCKED
from benchmarks.faults_feed import FeedServer, base_items, new_items, station_feed
from bot.i18n import t


@dataclass(frozen=True)
class Sizes:
    outage_subscribers: int = 1_000
    outage_s: float = 120.0
    recovery_bound_s: float = 480.0
    slow_subscribers: int = 1_000
    slow_hold_s: float = 8.0
    slow_window_s: float = 30.0
    slow_bound_s: float = 300.0
    burst_subscribers: int = 50
    burst_items: int = 5_000
    burst_signups: int = 10
    signup_gap_s: float = 1.0
    reply_bound_s: float = 30.0
    burst_window_s: float = 60.0


QUICK = Sizes(
    outage_subscribers=200,
    outage_s=30.0,
    recovery_bound_s=240.0,
    slow_subscribers=200,
    slow_window_s=15.0,
    slow_bound_s=180.0,
    burst_subscribers=20,
    # The burst keeps its full 5,000 items: below ~5,000 the ingest holds the write lock for
    # less than SQLite's 10 s busy timeout on this machine and the lock errors do not show.
    signup_gap_s=0.5,
    burst_window_s=30.0,
)
APOLOGIES = ("đã có lỗi xảy ra", "something went wrong")


def _apologies() -> tuple[str, ...]:
    """The generic apology's wording: the catalogue's, if it still has the key, and ours."""
    found = set(APOLOGIES)
    for locale in ("vi", "en"):
        with contextlib.suppress(Exception):  # the catalogue's format may change; ours stays
            text = t("error.generic", locale)
            if text and text != "error.generic":
                found.add(text.lower())
    return tuple(found)


# ----------------------------------------------------------------------------- scenarios


async def outage(bench: Bench, sizes: Sizes) -> dict[str, Any]:
    path = "/outage/feed"
    old = base_items(100_000)
    async with bench.scenario("outage", sizes.outage_subscribers, {path: station_feed(old)}) as run:
        bench.publish(path, new_items(100_100, 1) + old)
        published = time.monotonic()
        half = await bench.until_received(run, run.count // 2, limit_s=120 + run.count / 10)
        run.proxy.fail_all()
        began = time.monotonic()
        bench.note(f"outage: 500s on every call from {half['chats']}/{run.count} chats")
        while time.monotonic() - began < sizes.outage_s:
            await asyncio.sleep(min(10.0, sizes.outage_s - (time.monotonic() - began)))
            bench.note(f"outage: {round(time.monotonic() - began)} s in")
        run.proxy.heal()
        ended = time.monotonic()
        during = await bench.summary(run)
        settled = await bench.settle(run, sizes.recovery_bound_s)
        final = await bench.summary(run)
        details = await bench.wrap_up(run)
    last_at = final["last_at"]
    recovery = round(last_at - ended, 1) if last_at is not None and last_at > ended else None
    details |= settled | {
        "chats_when_outage_began": half["chats"],
        "chats_when_outage_ended": during["chats"],
        "first_delivery_after_publish_s": round(final["first_at"] - published, 1)
        if final["first_at"]
        else None,
        "exit_code": run.bot.exit_code,
    }
    if final["missing"]:
        details["log_tail"] = run.bot.tail(800)
    return {
        "outage_missing": final["missing"],
        "outage_duplicates": final["duplicates"],
        "outage_recovery_s": recovery,
        "outage_wall_s": wall_s(run),
        "outage_subscribers": run.count,
        "outage_s": sizes.outage_s,
        "details": details,
    }


async def slow(bench: Bench, sizes: Sizes) -> dict[str, Any]:
    path = "/slow/feed"
    old = base_items(110_000)
    async with bench.scenario("slow", sizes.slow_subscribers, {path: station_feed(old)}) as run:
        run.proxy.hold(sizes.slow_hold_s)
        bench.publish(path, new_items(110_100, 1) + old)
        published = time.monotonic()
        deadline = time.monotonic() + 60
        while _sends(run.proxy) == 0:
            if not run.bot.running or time.monotonic() > deadline:
                raise RuntimeError(f"slow: no send within 60 s:\n{run.bot.tail()}")
            await asyncio.sleep(0.05)
        began = time.monotonic()
        bench.note(f"slow: answers held {sizes.slow_hold_s} s for {sizes.slow_window_s} s")
        await asyncio.sleep(sizes.slow_window_s)
        run.proxy.heal()
        during = await bench.summary(run)
        settled = await bench.settle(run, sizes.slow_bound_s)
        final = await bench.summary(run)
        details = await bench.wrap_up(run)
    details |= settled | {
        "first_send_after_publish_s": round(began - published, 1),
        "chats_when_spell_ended": during["chats"],
        "copies_when_spell_ended": during["received"],
        "max_copies_per_chat": final["max_per_chat"],
        "exit_code": run.bot.exit_code,
    }
    return {
        "slow_duplicates": final["duplicates"],
        "slow_missing": final["missing"],
        "slow_wall_s": wall_s(run),
        "slow_subscribers": run.count,
        "slow_hold_s": sizes.slow_hold_s,
        "slow_window_s": sizes.slow_window_s,
        "details": details,
    }


def _sends(proxy: FaultProxy) -> int:
    return sum(n for method, n in proxy.stats.calls.items() if method.lower().startswith("send"))


async def burst(bench: Bench, sizes: Sizes) -> dict[str, Any]:
    path, other = "/burst/feed", "/burst/other"
    old, other_items = base_items(120_000), base_items(130_000)
    feeds = {path: station_feed(old), other: station_feed(other_items)}
    async with bench.scenario("burst", sizes.burst_subscribers, feeds) as run:
        readers = list(range(RANGES["signup"], RANGES["signup"] + sizes.burst_signups))
        await bench.sb.control("users", {"ids": readers})
        expected = (await run.bot.articles() or 0) + sizes.burst_items
        etag = bench.publish(path, new_items(200_000, sizes.burst_items) + old)
        deadline = time.monotonic() + 60
        while (fetched := bench.feeds.first_served_at(path, etag)) is None:
            if not run.bot.running or time.monotonic() > deadline:
                raise RuntimeError(f"burst: the feed was not fetched:\n{run.bot.tail()}")
            await asyncio.sleep(0.05)
        bench.note(f"burst: {sizes.burst_items} items fetched; {len(readers)} readers sign up")
        ingest = asyncio.create_task(_until_ingested(run, expected, limit_s=300))
        asked = await _sign_up(bench, readers, fetched, sizes.signup_gap_s)
        replies = await _replies(bench, readers, asked, sizes.reply_bound_s)
        ingested = await ingest
        bench.note(f"burst: ingest {'done' if ingested else 'NOT done'}; watching pushes")
        window_end = (ingested or time.monotonic()) + sizes.burst_window_s
        quiet = await _until_drained(bench, run, window_end)
        final = await bench.summary(run)
        queued = await run.bot.max_rows_per_chat(run.first, run.count)
        subscribed = await run.bot.active_subscribers(readers)
        details = await bench.wrap_up(run)
    errors = [r for r in replies if not r["welcomed"] or r["apology"]]
    during_ingest = sum(1 for at in asked if ingested is None or at <= ingested)
    details |= {
        "ingest_s": round(ingested - fetched, 1) if ingested else None,
        "window_end": quiet,
        "messages_to_subscribers": final["received"],
        "readers_subscribed": subscribed,
        "signups_during_ingest": during_ingest,
        "signup_replies": replies,
        "exit_code": run.bot.exit_code,
    }
    if details["lock_errors"]:
        details["lock_error_records"] = run.bot.records_mentioning(LOCKED)[:8]
    return {
        "burst_pushes_per_reader": final["max_per_chat"],
        "burst_queued_per_reader": queued,
        "burst_signup_errors": len(errors),
        "burst_signup_max_reply_s": max((r["reply_s"] or 0 for r in replies), default=None)
        if all(r["reply_s"] is not None for r in replies)
        else None,
        "lock_errors": details["lock_errors"],
        "burst_wall_s": wall_s(run),
        "burst_subscribers": run.count,
        "burst_items": sizes.burst_items,
        "burst_signups": len(readers),
        "details": details,
    }


async def _until_ingested(run: Run, expected: int, limit_s: float) -> float | None:
    """When every burst item is visible in ``articles`` (committed), or None at the bound."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline and run.bot.running:
        if (await run.bot.articles() or 0) >= expected:
            return time.monotonic()
        await asyncio.sleep(0.25)
    return None


async def _sign_up(bench: Bench, readers: list[int], start: float, gap_s: float) -> list[float]:
    asked = []
    for index, reader in enumerate(readers):
        await asyncio.sleep(max(0.0, start + index * gap_s - time.monotonic()))
        asked.append(time.monotonic())
        await bench.sb.control(f"users/{reader}/send", {"text": "/start"})
    return asked


async def _replies(
    bench: Bench, readers: list[int], asked: list[float], bound_s: float
) -> list[dict[str, Any]]:
    """Each reader's first reply within ``bound_s`` of their /start (texts and times)."""
    deadline = asked[-1] + bound_s
    while time.monotonic() < deadline:
        got = [await bench.sb.get(f"/chat/{reader}") for reader in readers]
        if all(got):
            break
        await asyncio.sleep(0.5)
    out, apologies = [], _apologies()
    for reader, at in zip(readers, asked, strict=True):
        times: list[float] = await bench.sb.get(f"/chat/{reader}")
        url = f"{bench.sb.api}/_sandbox/chats/{reader}/messages"
        async with bench.sb.http.get(url) as response:
            texts = [m.get("text") or "" for m in (await response.json())["result"]]
        in_time = [text for text, t in zip(texts, times, strict=False) if t - at <= bound_s]
        apology = any(a in text.lower() for text in texts for a in apologies)
        welcomed = any(not any(a in text.lower() for a in apologies) for text in in_time)
        out.append(
            {
                "reader": reader,
                "reply_s": round(times[0] - at, 2) if times else None,
                "welcomed": welcomed,
                "apology": apology,
            }
        )
    return out


async def _until_drained(bench: Bench, run: Run, window_end: float) -> str:
    last, last_change = -1, time.monotonic()
    while time.monotonic() < window_end:
        received = (await bench.summary(run))["received"]
        if received != last:
            last, last_change = received, time.monotonic()
        if await run.bot.open_rows() == 0 and time.monotonic() - last_change >= 5:
            return "outbox drained"
        await asyncio.sleep(1.0)
    return "window ended"


# --------------------------------------------------------------------------------- main

Scenario = Callable[[Bench, Sizes], Coroutine[Any, Any, dict[str, Any]]]
SCENARIOS: dict[str, Scenario] = {"outage": outage, "slow": slow, "burst": burst}


async def main(sizes: Sizes, phases: tuple[str, ...], note: Note, quick: bool) -> dict[str, Any]:
    started = time.monotonic()
    out: dict[str, Any] = {}
    details: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="faults-") as tmp:
        feeds = FeedServer()
        await feeds.start()
        try:
            async with sandbox_process() as sb:
                bench = Bench(sb, feeds, Path(tmp), note)
                for name in phases:
                    try:
                        result = await SCENARIOS[name](bench, sizes)
                    except Exception as error:  # report it; the other scenarios still run
                        out[f"{name}_error"] = f"{type(error).__name__}: {error}"[:2000]
                        note(f"{name} failed: {error}")
                        continue
                    details[name] = result.pop("details")
                    out |= result
                    note(f"{name}: {json.dumps(result)}")
                locked = [len(r.bot.records_mentioning(LOCKED)) for r in bench.runs]
                out["lock_errors_all"] = sum(locked)
                out["settings"] = {
                    r.name: {k: v for k, v in r.bot.settings.items() if "TOKEN" not in k}
                    for r in bench.runs
                }
                out["sandbox_internal_errors"] = (await sb.get("/info"))["internal_errors"]
        finally:
            await feeds.stop()
    out["sizes"] = dataclasses.asdict(sizes) | {"quick": quick}
    out["details"] = details
    out["total_s"] = round(time.monotonic() - started, 1)
    return out


def _note(quiet: bool) -> Note:
    started = time.monotonic()

    def note(message: str) -> None:
        if not quiet:
            print(f"[{time.monotonic() - started:7.1f}s] {message}", file=sys.stderr, flush=True)

    return note


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--json", action="store_true", help="accepted; stdout only ever holds the JSON line"
    )
    parser.add_argument("--quick", action="store_true", help="smaller sizes, shorter faults")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    parser.add_argument("--only", default=",".join(SCENARIOS), help="comma-separated scenarios")
    cli = parser.parse_args()
    chosen = tuple(p for p in cli.only.split(",") if p)
    unknown = set(chosen) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios {sorted(unknown)}; choose from {', '.join(SCENARIOS)}")
    sizes = QUICK if cli.quick else Sizes()
    result = asyncio.run(main(sizes, chosen, _note(cli.quiet), cli.quick))
    print(json.dumps(result, ensure_ascii=False))
