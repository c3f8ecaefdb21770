"""The sandbox side of the fan-out benchmark, in its own process.

    python -m benchmarks.fanout_sandbox --port P --bench-port Q

Runs the test sandbox (Bot API on ``P``) with call recording off, and a small side API on
``Q`` that the benchmark driver reads: when each bot message was stored (``time.monotonic``,
which is the system-wide CLOCK_MONOTONIC, so the driver's clock compares directly) and, for a
range of chat ids, how many chats got nothing or more than one message.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import time
from typing import Any

from aiohttp import web

from tests.sandbox import Sandbox, SentMessage
from tests.sandbox.world import Chat


class Recorder:
    """Times of the bot's messages, kept as two flat lists (cheap at 100,000 messages)."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self.chats: list[int] = []

    def install(self, sb: Sandbox) -> None:
        world = sb.world
        store = world.store
        times, chats = self.times, self.chats

        def timed_store(chat: Chat, msg_fields: dict[str, Any]) -> SentMessage:
            msg = store(chat, msg_fields)
            if msg.from_bot:
                times.append(time.monotonic())
                chats.append(chat.id)
            return msg

        world.store = timed_store  # type: ignore[method-assign]

    def reset(self) -> None:
        self.times.clear()
        self.chats.clear()

    def summary(self, first: int, count: int) -> dict[str, Any]:
        """Arrival span and completeness for chats ``first .. first + count - 1``."""
        last_id = first + count
        seen: dict[int, int] = {}
        t_first = t_last = None
        for t, chat in zip(self.times, self.chats, strict=True):
            if first <= chat < last_id:
                seen[chat] = seen.get(chat, 0) + 1
                if t_first is None:
                    t_first = t
                t_last = t
        return {
            "received": sum(seen.values()),
            "chats": len(seen),
            "missing": count - len(seen),
            "duplicates": sum(n - 1 for n in seen.values() if n > 1),
            "max_per_chat": max(seen.values(), default=0),
            "first_at": t_first,
            "last_at": t_last,
        }

    def chat_times(self, chat_id: int) -> list[float]:
        return [t for t, c in zip(self.times, self.chats, strict=True) if c == chat_id]


def bench_app(sb: Sandbox, recorder: Recorder) -> web.Application:
    async def summary(request: web.Request) -> web.Response:
        first, count = int(request.query["first"]), int(request.query["count"])
        return web.json_response(recorder.summary(first, count))

    async def count(request: web.Request) -> web.Response:
        return web.json_response({"messages": len(recorder.times), "now": time.monotonic()})

    async def chat_times(request: web.Request) -> web.Response:
        return web.json_response(recorder.chat_times(int(request.match_info["id"])))

    async def reset(request: web.Request) -> web.Response:
        recorder.reset()
        return web.json_response(True)

    async def info(request: web.Request) -> web.Response:
        stats = sb.stats
        return web.json_response(
            {
                "api_url": sb.api_url,
                "station_url": sb.station_url,
                "token": sb.token,
                "too_many": stats.too_many,
                "violations": stats.violations,
                "duplicate_texts": stats.duplicate_texts,
                "total_sent": stats.total_sent,
                "errors": {str(k): v for k, v in stats.errors.items()},
                "internal_errors": [repr(e) for e in sb.core.internal_errors],
            }
        )

    app = web.Application()
    app.router.add_get("/summary", summary)
    app.router.add_get("/count", count)
    app.router.add_get("/chat/{id}", chat_times)
    app.router.add_post("/reset", reset)
    app.router.add_get("/info", info)
    return app


async def _run(port: int, bench_port: int) -> None:
    async with Sandbox(port=port) as sb:
        sb.core.record_calls = False
        recorder = Recorder()
        recorder.install(sb)
        runner = web.AppRunner(bench_app(sb, recorder), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", bench_port).start()
        print(f"ready {sb.api_url} {sb.station_url}", flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await stop.wait()
        await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--bench-port", type=int, required=True)
    args = parser.parse_args()
    asyncio.run(_run(args.port, args.bench_port))


if __name__ == "__main__":
    main()
