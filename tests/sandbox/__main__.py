"""``python -m tests.sandbox``: run the sandbox by hand and play a user with curl."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal

from .models import Limits
from .sandbox import Sandbox

_HOWTO = """\
Bot API   {api}            (token {token})
Station   {station}/feed

Point the bot at it:
  NEWSBOT_TELEGRAM_API_URL={api} NEWSBOT_TELEGRAM_TOKEN={token} newsbot run

Play a user (JSON control API):
  curl -s -XPOST {api}/_sandbox/users/1001/send -d '{{"text": "/start", "language_code": "vi"}}'
  curl -s {api}/_sandbox/chats/1001/messages
  curl -s -XPOST {api}/_sandbox/users/1001/tap -d '{{"message_id": 2, "data": "..."}}'
  curl -s {api}/_sandbox/stats
  curl -s -XPOST {api}/_sandbox/faults -d '{{"kind": "rate_limit", "retry_after": 3}}'
  curl -s -XPOST {api}/_sandbox/limits -d '{{"per_chat_per_s": 1, "overall_per_s": 30}}'
Ctrl-C stops."""


def _parse_ids(text: str) -> list[int]:
    ids: list[int] = []
    for part in filter(None, text.split(",")):
        first, _, last = part.partition("-")
        ids.extend(range(int(first), int(last or first) + 1))
    return ids


async def _run(args: argparse.Namespace) -> None:
    limits = Limits.parse(args.limits) if args.limits else None
    async with Sandbox(
        limits=limits, port=args.port, station_port=args.station_port, local_links=args.local_links
    ) as sb:
        if args.users:
            sb.users(_parse_ids(args.users))
        print(_HOWTO.format(api=sb.api_url, token=sb.token, station=sb.station_url), flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        # Also when started in the background (SIGINT ignored) or stopped by a benchmark (SIGTERM).
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await stop.wait()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.sandbox", description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="Bot API port (default: a free one)")
    parser.add_argument("--station-port", type=int, default=0, help="station site port")
    parser.add_argument("--limits", default="", help="e.g. per_chat=1,overall=30,group_per_min=20")
    parser.add_argument("--users", default="", help="private chats to create, e.g. 1001-1100,2001")
    parser.add_argument(
        "--local-links", action="store_true", help="feed links point at the local site"
    )
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_run(parser.parse_args()))


if __name__ == "__main__":
    main()
