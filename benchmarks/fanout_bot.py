"""The bot side of the fan-out benchmark, in its own process (so its memory is its own).

    python -m benchmarks.fanout_bot sender --db URL --api URL --token T --rate 1000 --paid
    python -m benchmarks.fanout_bot ptb --api URL --token T --first 1 --count 20000

``sender`` wires the production pieces as ``bot.app`` does (Database, Bot on
AiohttpRequest, RateLimiter, Sender) and runs the sender until no row is left to send.
``ptb`` is the baseline a newcomer would write: PTB's default transport (HTTPXRequest) and
``asyncio.gather`` over ``bot.send_message``, at most ``--concurrency`` calls at once.
Both print one JSON line: elapsed seconds, peak RSS (VmHWM) and what was sent.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from telegram import Bot, LinkPreviewOptions
from telegram.constants import ParseMode

from bot.app import make_sender_bot
from bot.delivery.limiter import RateLimiter
from bot.delivery.render import ArticleView, render
from bot.delivery.sender import Sender, SenderConfig
from storage.db import Database
from storage.repositories import deliveries


def peak_rss_mb() -> float:
    """This process's peak resident set (VmHWM), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def run_sender(args: argparse.Namespace) -> dict[str, Any]:
    database = Database(args.db)
    bot = make_sender_bot(args.token, args.api)
    await bot.initialize()
    config = SenderConfig(paid_broadcast=args.paid, lease=timedelta(seconds=args.lease))
    if args.batch:
        config = replace(config, batch=args.batch)
    sender = Sender(database, bot, RateLimiter(rate=args.rate), config=config)
    started = time.monotonic()
    deadline = started + args.limit_s
    try:
        while time.monotonic() < deadline:
            if await sender.run_once():
                continue
            async with database.session() as session:
                left = await deliveries.counts_by_status(session)
            if not left.get("pending") and not left.get("sending"):
                break
            await asyncio.sleep(0.2)  # leased by a dead sender, or due later
        else:
            raise TimeoutError("the outbox did not drain in time")
    finally:
        await bot.shutdown()
        await database.dispose()
    return {
        "elapsed_s": time.monotonic() - started,
        "peak_rss_mb": peak_rss_mb(),
        "stats": sender.stats,
        "inflight_limit": config.in_flight + config.record_batch,
    }


async def run_ptb(args: argparse.Namespace) -> dict[str, Any]:
    view = ArticleView(
        id=1,
        title="Tin mới: Kon Tum khởi công dự án đường liên huyện",
        url="https://kontumtv.vn/?p=24866",
        summary="Sáng nay, tỉnh Kon Tum khởi công dự án đường liên huyện dài 42 km.",
        topics=(("Thời sự", "thoi-su"),),
        published_at=datetime.now(UTC),
        image_url=None,
        revision=1,
    )
    message = render(view, locale="vi", with_image=False, tz="Asia/Ho_Chi_Minh")
    bot = Bot(args.token, base_url=f"{args.api}/bot", base_file_url=f"{args.api}/file/bot")
    await bot.initialize()
    gate = asyncio.Semaphore(args.concurrency)
    preview = LinkPreviewOptions(is_disabled=True)

    async def send(chat_id: int) -> None:
        async with gate:
            await bot.send_message(
                chat_id,
                message.text,
                parse_mode=ParseMode.HTML,
                reply_markup=message.reply_markup,
                link_preview_options=preview,
                allow_paid_broadcast=True,
            )

    started = time.monotonic()
    try:
        results = await asyncio.gather(
            *(send(chat) for chat in range(args.first, args.first + args.count)),
            return_exceptions=True,
        )
    finally:
        await bot.shutdown()
    errors = [r for r in results if isinstance(r, BaseException)]
    return {
        "elapsed_s": time.monotonic() - started,
        "peak_rss_mb": peak_rss_mb(),
        "stats": {"sent": len(results) - len(errors), "errors": len(errors)},
        "first_error": repr(errors[0]) if errors else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("mode", choices=("sender", "ptb"))
    parser.add_argument("--api", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--db", default="")
    parser.add_argument("--rate", type=int, default=1000)
    parser.add_argument("--paid", action="store_true")
    parser.add_argument("--lease", type=float, default=120.0)
    parser.add_argument("--batch", type=int, default=0, help="rows claimed at once")
    parser.add_argument("--limit-s", type=float, default=600.0)
    parser.add_argument("--first", type=int, default=0)
    parser.add_argument("--count", type=int, default=0)
    parser.add_argument("--concurrency", type=int, default=100)
    args = parser.parse_args()
    runner = run_sender if args.mode == "sender" else run_ptb
    print(json.dumps(asyncio.run(runner(args))), flush=True)


if __name__ == "__main__":
    main()
