"""Webhook benchmark: updates accepted per second by one process in webhook mode, each answered.

    python -m benchmarks.webhook --json

The real runtime (``bot.app.build`` + ``bot.runner.Runtime``, SQLite) against the sandbox; a
client POSTs ``UPDATES`` /help updates of distinct readers to the webhook, 40 at a time
(Telegram's default max_connections), with the right secret. Prints one JSON line:
``webhook_updates_per_s`` (updates whose reply reached the sandbox, per second from the first
POST to the last reply), ``webhook_accept_per_s`` (POSTs answered 200 per second) and
``send_rate`` (the replies' pacing: the bot keeps Telegram's limit, so answered updates per
second cannot exceed it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

from bot.app import build
from bot.runner import Runtime
from bot.web.webhook import SECRET_HEADER, derived_secret
from config import load_settings
from tests.sandbox import Sandbox

UPDATES = 600
CONNECTIONS = 40
FIRST_USER = 5_000_000


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def help_update(n: int) -> dict[str, Any]:
    user = FIRST_USER + n
    return {
        "update_id": 1_000_000 + n,
        "message": {
            "message_id": n + 1,
            "date": int(time.time()),
            "from": {"id": user, "is_bot": False, "first_name": "Bạn đọc", "language_code": "vi"},
            "chat": {"id": user, "type": "private", "first_name": "Bạn đọc"},
            "text": "/help",
            "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
        },
    }


async def main(updates: int, send_rate: float) -> dict[str, float | int]:
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        async with Sandbox() as sb:
            for n in range(updates):
                sb.user(user_id=FIRST_USER + n, first_name="Bạn đọc")
            settings = load_settings(
                telegram_token=sb.token,
                telegram_api_url=sb.api_url,
                database_url=f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}",
                feeds=[f"{sb.station_url}/feed"],
                poll_interval=3600,
                webhook_url=f"http://127.0.0.1:{port}/telegram",
                http_port=port,
                send_rate=send_rate,
            )
            stop = asyncio.Event()
            runtime = Runtime(build(settings), stop=stop)
            serving = asyncio.create_task(runtime.serve())
            await asyncio.wait_for(runtime.started.wait(), 30)
            await sb.wait_until(lambda: sb.core.profile.webhook is not None, timeout=30)

            slots = asyncio.Semaphore(CONNECTIONS)
            headers = {SECRET_HEADER: derived_secret(sb.token)}
            accepted = 0
            url = f"http://127.0.0.1:{port}/telegram"

            async def post(http: aiohttp.ClientSession, n: int) -> None:
                nonlocal accepted
                async with slots, http.post(url, json=help_update(n), headers=headers) as a:
                    accepted += a.status == 200

            def answered() -> int:
                return sum(
                    1 for n in range(updates) if sb.messages(FIRST_USER + n)
                )  # fmt: skip

            began = time.perf_counter()
            async with aiohttp.ClientSession() as http:
                await asyncio.gather(*(post(http, n) for n in range(updates)))
            accepted_s = time.perf_counter() - began
            await sb.wait_until(lambda: answered() == updates, timeout=600)
            elapsed = time.perf_counter() - began
            stop.set()
            await asyncio.wait_for(serving, 15)
    return {
        "updates": updates,
        "webhook_updates_per_s": round(updates / elapsed, 1),
        "webhook_accept_per_s": round(accepted / accepted_s, 1),
        "send_rate": send_rate,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true", help="print only the JSON line")
    parser.add_argument("--updates", type=int, default=UPDATES)
    parser.add_argument("--send-rate", type=float, default=30.0)
    args = parser.parse_args()
    result = asyncio.run(main(args.updates, args.send_rate))
    if not args.json:
        print("webhook benchmark:")
    print(json.dumps(result))
