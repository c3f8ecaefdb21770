"""Channels an admin adds the bot to receive news; readers who block the bot are dropped."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from storage.db import Database
from storage.models import Channel, Subscriber
from tests.e2e.botproc import running_bot
from tests.sandbox import Sandbox

pytestmark = pytest.mark.slow
OWNER = 42


async def wait_for_row(database_url: str, model: type, key: int, **expected: object) -> None:
    """Poll the database until the row has the expected values (the bot writes it)."""
    database = Database(database_url)
    try:
        for _ in range(100):
            async with database.session() as session:
                row = await session.get(model, key)
                if row is not None and all(getattr(row, k) == v for k, v in expected.items()):
                    return
            await asyncio.sleep(0.05)
        raise AssertionError(f"{model.__name__} {key} never became {expected}")
    finally:
        await database.dispose()


async def test_channel_added_by_an_owner_is_registered_and_others_are_ignored(
    database_url: str, tmp_path: Path
) -> None:
    async with Sandbox() as sb:
        sb.user(user_id=OWNER, first_name="Chủ")
        sb.user(user_id=7, first_name="Lạ")
        station, stranger = sb.channel(-100111, "KRT Tin tức"), sb.channel(-100222, "Lạ")
        async with running_bot(sb, database_url, tmp_path, NEWSBOT_OWNER_IDS=str(OWNER)):
            await sb.add_bot_to(stranger, admin=True, by=7)
            await sb.add_bot_to(station, admin=True, by=OWNER)
            await wait_for_row(database_url, Channel, station.id, active=True, title="KRT Tin tức")
            database = Database(database_url)
            async with database.session() as session:
                assert await session.get(Channel, stranger.id) is None
            await database.dispose()

            await sb.remove_bot_from(station)
            await wait_for_row(database_url, Channel, station.id, active=False)


async def test_a_reader_who_blocks_the_bot_is_unsubscribed(
    database_url: str, tmp_path: Path
) -> None:
    async with Sandbox() as sb, running_bot(sb, database_url, tmp_path):
        lan = sb.user(user_id=1001, first_name="Lan")
        await lan.send("/start")
        await sb.wait_for_message(lan.chat_id)
        await wait_for_row(database_url, Subscriber, 1001, active=True)
        sb.block(lan.chat_id)
        await wait_for_row(database_url, Subscriber, 1001, active=False)
