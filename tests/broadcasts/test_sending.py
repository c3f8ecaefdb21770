"""A broadcast to 1,000 subscribers through the whole runtime (composition root, sender,
progress loop) in-process against the sandbox: live progress edits, the final report, a
reader's /help answered meanwhile, and /broadcast cancel.

Real time: the sender paces at 100 messages/s against a sandbox enforcing 100/s, so a
broadcast takes ~10 s; the progress loop runs every second instead of every five.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import func, select

from bot.app import build
from bot.delivery.sender import SenderConfig
from bot.i18n import t
from bot.runner import Runtime
from config import load_settings
from storage.db import Database
from storage.enums import DeliveryStatus, MessageKind
from storage.models import Delivery
from tests.broadcasts.helpers import OWNER, compose
from tests.delivery_e2e.helpers import add_subscribers
from tests.sandbox import Limits, Sandbox, SentMessage

READERS = list(range(100_001, 101_001))
BLOCKED = READERS[10], READERS[500], READERS[990]
VISITOR = 7777  # not a subscriber: their /help never waits for their own chat's 1 s gap
RATE = 100
PROGRESS = re.compile(r"^📣 Đang gửi: (\d+(?:\.\d{3})*)/(1\.000) \((\d+)%\) · lỗi (\d+) · (.+)$")


@asynccontextmanager
async def station_bot(sb: Sandbox, database_url: str) -> AsyncIterator[None]:
    settings = load_settings(
        telegram_token=sb.token, telegram_api_url=sb.api_url, database_url=database_url,
        feeds=[f"{sb.station_url}/feed"], poll_interval=600, owner_ids=[OWNER],
        send_rate=RATE,
    )  # fmt: skip
    wiring = build(settings)
    wiring.services.broadcasts.interval_s = 1.0
    stop = asyncio.Event()
    runtime = Runtime(wiring, stop=stop)
    serving = asyncio.create_task(runtime.serve())
    try:
        await asyncio.wait_for(runtime.started.wait(), 15)
        yield
    finally:
        stop.set()
        await asyncio.wait_for(serving, 20)


def reader_sends(sb: Sandbox) -> int:
    return sum(sb.stats.sent_per_chat[r] for r in READERS)


def is_progress(message: SentMessage) -> bool:
    return bool(PROGRESS.match(message.text or ""))


async def start_broadcast(sb: Sandbox, text: str) -> SentMessage:
    """The owner composes and taps Gửi; returns the progress message the outbox sent."""
    owner = sb.user(OWNER, "Chủ")
    _preview, question = await compose(sb, owner, text)
    (data,) = [d for d in (b.get("callback_data", "") for b in question.buttons) if d[-2:] == ":1"]
    await owner.tap(question, data)
    return await sb.wait_for_message(OWNER, timeout=10, predicate=is_progress)


async def test_progress_is_edited_live_and_ends_with_the_report(database_url: str) -> None:
    database = Database(database_url)
    try:
        await add_subscribers(database, READERS)
        async with Sandbox(limits=Limits(overall_per_s=RATE)) as sb:
            sb.users(READERS)
            for chat in BLOCKED:  # long ago: no update tells the bot, only the 403 will
                sb.world.chats[chat].blocked = True
            visitor = sb.user(VISITOR, "Khách")
            async with station_bot(sb, database_url):
                progress = await start_broadcast(sb, "Đài PT-TH Kon Tum thông báo lịch mới")
                await sb.wait_until(lambda: reader_sends(sb) >= 200, timeout=30)
                assert reader_sends(sb) < 900, "the broadcast ended before /help could be timed"
                asked = time.monotonic()
                await visitor.send("/help")
                await sb.wait_for_message(VISITOR, timeout=5)
                answered_in = time.monotonic() - asked
                sending_meanwhile = reader_sends(sb) < len(READERS) - len(BLOCKED)
                report = t("broadcast.report", "vi", sent="997", total="1.000", blocked="3",
                           failed="0")  # fmt: skip
                await sb.wait_until(lambda: progress.text == report, timeout=60)
        print(f"\n/help answered in {answered_in * 1000:.0f} ms during a 1,000-reader broadcast")
        assert answered_in < 1.0 and sending_meanwhile

        shown = [text for text in progress.edit_history if text is not None]
        print("progress shown:", *shown, progress.text, sep="\n  ")
        assert len(shown) >= 3, shown  # the first text and at least two live updates
        assert all(PROGRESS.match(text) for text in shown), shown
        done = [int(PROGRESS.match(x).group(1).replace(".", "")) for x in shown]  # type: ignore[union-attr]
        assert done == sorted(done) and len(set(shown)) == len(shown)  # never the same twice
        not_modified = [c for c in sb.calls if c.method.startswith("edit") and not c.ok]
        assert not_modified == []
        assert all(sb.stats.sent_per_chat[r] == 1 for r in READERS if r not in BLOCKED)
        assert sb.stats.too_many == 0
    finally:
        await database.dispose()


async def test_broadcast_cancel_stops_it_and_cancels_the_queue(database_url: str) -> None:
    database = Database(database_url)
    try:
        await add_subscribers(database, READERS)
        async with Sandbox(limits=Limits(overall_per_s=RATE)) as sb:
            sb.users(READERS)
            owner = sb.user(OWNER, "Chủ")
            async with station_bot(sb, database_url):
                progress = await start_broadcast(sb, "Thông báo sẽ bị dừng giữa chừng")
                await sb.wait_until(lambda: reader_sends(sb) >= 150, timeout=30)
                await owner.send("/broadcast cancel")
                answer = await sb.wait_for_message(
                    OWNER, timeout=10, predicate=lambda m: (m.text or "").startswith("⏹")
                )
                at_answer = reader_sends(sb)
                await sb.wait_until(
                    lambda: (progress.text or "").startswith("⏹ Thông báo đã dừng"), timeout=15
                )
                await asyncio.sleep(1.5)  # anything still going out would show up now
                after = reader_sends(sb)
                await owner.send("/broadcast cancel")
                again = await sb.wait_for_message(OWNER, timeout=10)
        assert at_answer < len(READERS) - 100, "cancelled too late to prove anything"
        # Only calls already in flight at the cancel may still land (at most in_flight).
        assert after - at_answer <= SenderConfig().in_flight
        async with database.session() as session:
            counts = dict(
                (await session.execute(
                    select(Delivery.status, func.count())
                    .where(Delivery.message_kind == MessageKind.BROADCAST)
                    .group_by(Delivery.status)
                )).all()
            )  # fmt: skip
        assert counts.get(DeliveryStatus.PENDING, 0) == counts.get(DeliveryStatus.SENDING, 0) == 0
        assert counts[DeliveryStatus.SENT] == after
        assert counts[DeliveryStatus.CANCELLED] == len(READERS) - after
        cancelled_n = re.search(r"(\d+(?:\.\d{3})*) tin chưa gửi", answer.text or "")
        assert cancelled_n is not None and int(cancelled_n.group(1).replace(".", "")) > 0
        assert again.text == t("broadcast.nothing_to_cancel", "vi")
    finally:
        await database.dispose()
