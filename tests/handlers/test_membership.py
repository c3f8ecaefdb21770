"""The bot's own membership changes (my_chat_member), through the real application."""

from __future__ import annotations

from telegram import Update

from storage.db import Database
from storage.models import Channel, Subscriber
from tests.harness import BotHarness, running_bot
from tests.sandbox import Sandbox

OWNER, STRANGER = 42, 7


async def membership_handled(bot: BotHarness, chat_id: int, status: str) -> None:
    def matches(update: Update) -> bool:
        change = update.my_chat_member
        return (
            change is not None
            and change.chat.id == chat_id
            and change.new_chat_member.status == status
        )

    await bot.processed(matches)


async def test_only_the_station_makes_a_channel_a_news_channel(database: Database) -> None:
    async with Sandbox() as sb, running_bot(sb, database, owner_ids=[OWNER]) as bot:
        sb.user(OWNER, "Chủ")
        sb.user(STRANGER, "Lạ")
        station, stranger = sb.channel(-100111, "KRT Tin tức"), sb.channel(-100222, "Lạ")
        await sb.add_bot_to(stranger, admin=True, by=STRANGER)
        await sb.add_bot_to(station, admin=True, by=OWNER)
        await membership_handled(bot, stranger.id, "administrator")
        await membership_handled(bot, station.id, "administrator")
        async with database.session() as session:
            registered = await session.get(Channel, station.id)
            assert registered is not None and registered.active
            assert registered.title == "KRT Tin tức"
            assert await session.get(Channel, stranger.id) is None

        await sb.remove_bot_from(station)
        await membership_handled(bot, station.id, "kicked")
    async with database.session() as session:
        removed = await session.get(Channel, station.id)
    assert removed is not None and not removed.active


async def test_a_reader_who_blocks_the_bot_is_unsubscribed(database: Database) -> None:
    async with Sandbox() as sb, running_bot(sb, database) as bot:
        lan = sb.user(1001, "Lan")
        await lan.send("/start")
        await sb.wait_for_message(lan.chat_id)
        sb.block(lan.chat_id)
        await membership_handled(bot, lan.chat_id, "kicked")
    async with database.session() as session:
        stored = await session.get(Subscriber, lan.chat_id)
    assert stored is not None and not stored.active
