"""Who may make a chat a news channel, and what losing a chat does, without Telegram."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.services.membership import BotStatus, Membership, MembershipChange, Outcome
from bot.services.roles import Roles
from storage.db import Database
from storage.enums import Role
from storage.models import Article, Channel, Delivery, Feed, Subscriber
from storage.repositories import admins

OWNER, ADMIN, MODERATOR, STRANGER = 42, 43, 44, 45
STATION = -100111


def membership(database: Database) -> Membership:
    return Membership(database, Roles(database, owner_ids=[OWNER]))


def added(actor: int, chat_id: int = STATION, chat_type: str = "channel") -> MembershipChange:
    return MembershipChange(
        chat_id, chat_type, BotStatus.ADMINISTRATOR, actor, title="KRT Tin tức", username="krt"
    )


async def channel(database: Database, chat_id: int = STATION) -> Channel | None:
    async with database.session() as session:
        return await session.get(Channel, chat_id)


async def test_owners_and_admins_register_channels_others_do_not(database: Database) -> None:
    async with database.session() as session:
        await admins.grant(session, ADMIN, Role.ADMIN)
        await admins.grant(session, MODERATOR, Role.MODERATOR)
    service = membership(database)
    assert await service.bot_status_changed(added(STRANGER)) is Outcome.REFUSED
    assert await service.bot_status_changed(added(MODERATOR)) is Outcome.REFUSED
    assert await channel(database) is None
    assert await service.bot_status_changed(added(OWNER)) is Outcome.REGISTERED
    assert await service.bot_status_changed(added(ADMIN, -100222)) is Outcome.REGISTERED
    stored = await channel(database)
    assert stored is not None and stored.active and stored.title == "KRT Tin tức"


async def test_joining_a_group_or_becoming_a_member_registers_nothing(database: Database) -> None:
    service = membership(database)
    as_group_admin = added(OWNER, -100333, "supergroup")
    as_member = MembershipChange(STATION, "channel", BotStatus.MEMBER, OWNER)
    assert await service.bot_status_changed(as_group_admin) is Outcome.IGNORED
    assert await service.bot_status_changed(as_member) is Outcome.IGNORED
    assert await channel(database) is None and await channel(database, -100333) is None


async def test_a_removed_channel_stops_and_its_queue_is_cancelled(database: Database) -> None:
    service = membership(database)
    await service.bot_status_changed(added(OWNER))
    async with database.session() as session:
        session.add(Feed(id=1, url="https://kontumtv.vn/feed", primed=True))
        await session.flush()
        session.add(
            Article(
                id=1,
                feed_id=1,
                guid="g1",
                url="https://kontumtv.vn/bai-1",
                title="Tin",
                published_at=datetime(2026, 11, 27, tzinfo=UTC),
                content_hash="h1",
            )
        )
        await session.flush()
        session.add(Delivery(article_id=1, chat_id=STATION, kind="channel", status="pending"))
    removed = MembershipChange(STATION, "channel", BotStatus.KICKED, OWNER)
    assert await service.bot_status_changed(removed) is Outcome.UNREACHABLE
    stored = await channel(database)
    assert stored is not None and not stored.active
    async with database.session() as session:
        assert (await session.scalars(select(Delivery.status))).all() == ["cancelled"]
    # Re-adding by an owner brings it back.
    assert await service.bot_status_changed(added(OWNER)) is Outcome.REGISTERED
    stored = await channel(database)
    assert stored is not None and stored.active


async def test_a_reader_who_blocks_the_bot_is_unsubscribed(database: Database) -> None:
    async with database.session() as session:
        session.add(Subscriber(chat_id=1001, active=True))
    blocked = MembershipChange(1001, "private", BotStatus.KICKED, 1001)
    assert await membership(database).bot_status_changed(blocked) is Outcome.UNREACHABLE
    async with database.session() as session:
        stored = await session.get(Subscriber, 1001)
    assert stored is not None and not stored.active and stored.inactive_reason
