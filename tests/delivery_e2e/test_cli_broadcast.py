"""The real ``newsbot run`` against the sandbox in limit mode: a broadcast to 300 subscribers,
and a ``kill -9`` in the middle of one.

Subscribers are inserted into the database before the bot starts; the station's feed gains an
item after the first poll (whose 10 items are backlog and never pushed).
"""

from __future__ import annotations

import asyncio
import re
import signal
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.delivery.sender import SenderConfig
from storage.db import Database
from storage.models import Article, Delivery, Feed
from tests.conftest import FIXTURES
from tests.delivery_e2e.helpers import add_subscribers, subscriber
from tests.e2e.botproc import bot_env, running_bot, start_bot, wait_polling
from tests.sandbox import Limits, Sandbox

pytestmark = pytest.mark.slow

FEED = (FIXTURES / "station" / "kontumtv-feed.xml").read_text(encoding="utf-8")
_FIRST_ITEM = re.compile(r"<item>.*?</item>", re.DOTALL)
# The bot runs as a subprocess and the sandbox in the test's process: the sandbox stamps each
# request when its own event loop gets to it, so on a loaded machine (two pytest workers on two
# cores) its stamps of requests sent evenly 33 ms apart bunched by more than the default 50 ms
# shave and counted one 429 in 300 (once in four loaded runs). A 120 ms shave still refuses a
# bot that bursts or sends faster than 34/s; the in-process tests keep the default.
LIMITS = Limits(per_chat_per_s=1, overall_per_s=30, group_per_min=20, jitter=0.12)
SEND_KINDS = ("sendMessage", "sendPhoto")


def feed_with(*news: int) -> str:
    """The fixture feed with new items on top (copies of its first item, new guid/link/title)."""
    first = _FIRST_ITEM.search(FEED)
    assert first is not None
    items = []
    for n in news:
        item = re.sub(r"<title>.*?</title>", f"<title>Tin nóng số {n}</title>", first.group(0))
        item = re.sub(
            r"<link>.*?</link>", f"<link>https://kontumtv.vn/tin-tuc/tin-nong-{n}</link>", item
        )
        item = re.sub(
            r"<guid[^>]*>.*?</guid>",
            f'<guid isPermaLink="false">https://kontumtv.vn/?p={900000 + n}</guid>',
            item,
        )
        items.append(item)
    return FEED.replace("<item>", "".join(items) + "<item>", 1)


async def wait_db(database: Database, query: object, expected: int, limit_s: float) -> None:
    deadline = time.monotonic() + limit_s
    while True:
        async with database.session() as session:
            value = await session.scalar(query)  # type: ignore[call-overload]
        if value is not None and value >= expected:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {limit_s}s for {query} >= {expected}, got {value}")
        await asyncio.sleep(0.1)


def news_sends(sb: Sandbox, chat_ids: set[int]) -> list[tuple[float, int]]:
    """(time, chat) of every accepted news message the bot sent to these chats."""
    return [
        (c.at, int(c.params["chat_id"]))
        for c in sb.calls
        if c.ok and c.method in SEND_KINDS and int(c.params.get("chat_id", 0)) in chat_ids
    ]


async def test_broadcast_to_300_at_the_limit_once_each(database_url: str, tmp_path: Path) -> None:
    readers = list(range(50_001, 50_301))
    blocked = readers[123]
    database = Database(database_url)
    try:
        await add_subscribers(database, readers)
        async with Sandbox(limits=LIMITS) as sb:
            sb.users(readers)
            # Blocked long ago: no my_chat_member update is waiting, only the 403 will tell.
            sb.world.chats[blocked].blocked = True
            async with running_bot(sb, database_url, tmp_path, NEWSBOT_SEND_RATE="30") as bot:
                primed = select(func.count()).select_from(Feed).where(Feed.primed.is_(True))
                await wait_db(database, primed, 1, 15)
                backlog = select(func.count()).select_from(Article)
                await wait_db(database, backlog, 10, 5)
                await asyncio.sleep(1.2)  # the backlog is not pushed, even a poll later
                assert news_sends(sb, set(readers)) == []

                sb.station.set("/feed", feed_with(1))
                await sb.wait_until(
                    lambda: len(news_sends(sb, set(readers))) >= len(readers) - 1, timeout=30
                )
                await asyncio.sleep(0.5)  # anything extra would show up now
                sends = news_sends(sb, set(readers))
                per_chat = {chat: 0 for chat in readers if chat != blocked}
                for _at, chat in sends:
                    per_chat[chat] += 1
                assert set(per_chat.values()) == {1}, "someone got it twice or not at all"
                times = sorted(at for at, _ in sends)
                rate = (len(times) - 1) / (times[-1] - times[0])
                print(f"\n300-subscriber broadcast: {len(times)} messages at {rate:.1f} msg/s")
                assert rate >= 25.5
                assert sb.stats.too_many == 0 and sb.stats.violations == 0
                assert all("Tin nóng số 1" in (m.content or "") for m in sb.messages(readers[0]))

                # The blocked reader: one attempt, marked inactive, skipped next time.
                tries = [c for c in sb.calls if c.params.get("chat_id") == blocked]
                assert len(tries) == 1 and tries[0].status == 403
                gone = await subscriber(database, blocked)
                assert gone is not None and gone.active is False
                sb.station.set("/feed", feed_with(2, 1))
                second = select(func.count()).select_from(Delivery).where(Delivery.article_id == 12)
                await wait_db(database, second, len(readers) - 1, 15)
                async with database.session() as session:
                    to_blocked = await session.scalar(
                        select(func.count())
                        .select_from(Delivery)
                        .where(Delivery.chat_id == blocked)
                    )
                assert to_blocked == 1  # only the first article's row
                assert "Traceback" not in bot.output()
            # (running_bot stops the bot with SIGTERM mid-broadcast; it must exit 0.)
            assert len([c for c in sb.calls if c.params.get("chat_id") == blocked]) == 1
    finally:
        await database.dispose()


async def test_kill_9_mid_broadcast_then_restart_delivers_to_everyone(
    database_url: str, tmp_path: Path
) -> None:
    readers = list(range(60_001, 60_201))
    bound = SenderConfig().in_flight + SenderConfig().record_batch
    database = Database(database_url)
    try:
        await add_subscribers(database, readers)
        async with Sandbox(limits=LIMITS) as sb:
            sb.users(readers)
            env = bot_env(sb, database_url, NEWSBOT_SEND_RATE="30")
            first = await start_bot(env, tmp_path / "first.log", tmp_path)
            try:
                await wait_polling(first)
                primed = select(func.count()).select_from(Feed).where(Feed.primed.is_(True))
                await wait_db(database, primed, 1, 15)
                sb.station.set("/feed", feed_with(1))
                await sb.wait_until(lambda: len(news_sends(sb, set(readers))) >= 100, timeout=30)
            finally:
                await first.stop(signal.SIGKILL)
            killed_at = len(news_sends(sb, set(readers)))
            async with database.session() as session:
                recorded = await session.scalar(
                    select(func.count()).select_from(Delivery).where(Delivery.status == "sent")
                )
            assert recorded is not None and recorded < killed_at + bound

            async with running_bot(sb, database_url, tmp_path):
                await sb.wait_until(
                    lambda: {chat for _, chat in news_sends(sb, set(readers))} == set(readers),
                    timeout=30,
                )
                done = select(func.count()).select_from(Delivery).where(Delivery.status == "sent")
                await wait_db(database, done, len(readers), 10)
            total = len(news_sends(sb, set(readers)))
            duplicates = total - len(readers)
            print(
                f"\nkill -9 after {killed_at} sends ({recorded} recorded): "
                f"{duplicates} duplicates on restart (bound {bound})"
            )
            assert 0 <= duplicates <= bound
            assert duplicates <= killed_at - recorded  # only unrecorded sends repeat
    finally:
        await database.dispose()
