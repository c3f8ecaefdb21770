"""The running bot: poison updates are skipped, a clean stop hands its leases back in time."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from storage.db import Database
from storage.models import Delivery, utcnow
from storage.repositories import deliveries
from tests.delivery_e2e.helpers import add_subscribers, enqueue, seed_article
from tests.e2e.botproc import running_bot
from tests.sandbox import Sandbox

pytestmark = pytest.mark.slow

# PTB raises TypeError on a date that is no timestamp; before, the whole getUpdates answer
# failed to parse, was never confirmed and was fetched again forever.
POISON = {
    "message": {
        "message_id": 1,
        "date": "yesterday",
        "chat": {"id": 1001, "type": "private"},
        "text": "/start",
    }
}


async def test_an_update_the_library_cannot_parse_is_skipped_once(
    database_url: str, tmp_path: Path
) -> None:
    async with Sandbox() as sb, running_bot(sb, database_url, tmp_path) as bot:
        lan = sb.user(user_id=1001, first_name="Lan")
        bad = sb.push_raw_update(POISON)
        await lan.send("/start")  # most likely in the same getUpdates answer as the bad one
        assert "Xin chào Lan" in ((await sb.wait_for_message(lan.chat_id)).text or "")
        await lan.send("/help")
        assert "/start" in ((await sb.wait_for_message(lan.chat_id)).text or "")
        for _ in range(100):  # the bad update is confirmed with the next poll
            if not sb.pending_updates:
                break
            await asyncio.sleep(0.05)
        assert not sb.pending_updates
        # A few more long polls: the skipped update must not come back.
        await lan.send("/help")
        await sb.wait_for_message(lan.chat_id)
    log = bot.output()
    assert log.count(f"skipped update {bad} ") == 1, log
    assert "1 skipped so far" in log
    assert len(log.encode()) < 20_000, "the log grew as if the update were fetched again"


async def test_a_clean_stop_hands_back_its_leases_within_ten_seconds(
    database_url: str, tmp_path: Path
) -> None:
    readers = list(range(2001, 2101))
    async with Sandbox() as sb:
        sb.users(readers)
        sb.slow(60.0, method="sendMessage")  # every send hangs: the sender holds its leases
        database = Database(database_url)
        try:
            # Queued before the bot starts, so its ingest of the sandbox station cannot race it.
            await seed_article(database, published_at=utcnow())
            await add_subscribers(database, readers)
            await enqueue(database, 1, now=utcnow())
            async with running_bot(sb, database_url, tmp_path) as bot:
                for _ in range(200):
                    if await leased(database) > 0:
                        break
                    await asyncio.sleep(0.05)
                assert await leased(database) > 0
                stopping = time.monotonic()
                code = await bot.stop()
                took = time.monotonic() - stopping
            assert code == 0 and took < 10.0, (code, took)
            assert await leased(database) == 0
            # A successor under another host name claims the rows at once, not in ~2 minutes.
            async with database.session() as session:
                claimed = await deliveries.claim(
                    session,
                    owner="another-host:1",
                    now=utcnow(),
                    lease=timedelta(seconds=120),
                    limit=200,
                )
            assert len(claimed) > 0
            assert "released" in bot.output()
        finally:
            await database.dispose()


async def leased(database: Database) -> int:
    async with database.session() as session:
        count = await session.scalar(
            select(func.count()).select_from(Delivery).where(Delivery.lease_owner.is_not(None))
        )
    return int(count or 0)
