"""The station's channels the bot posts to."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Channel, ChannelTopic, Topic


async def register(
    session: AsyncSession, chat_id: int, *, title: str | None, username: str | None
) -> Channel:
    """Add (or re-activate) a channel; it receives every topic until told otherwise."""
    channel = await session.get(Channel, chat_id)
    if channel is None:
        channel = Channel(chat_id=chat_id, title=title, username=username, active=True)
        session.add(channel)
    else:
        channel.active, channel.inactive_reason = True, None
        channel.title, channel.username = title, username
    await session.flush()
    return channel


async def deactivate(session: AsyncSession, chat_id: int, reason: str) -> None:
    """Stop posting to a channel (the bot was removed or lost its rights)."""
    await session.execute(
        update(Channel)
        .where(Channel.chat_id == chat_id)
        .values(active=False, inactive_reason=reason[:200])
    )


async def lose(session: AsyncSession, chat_id: int, reason: str) -> Channel | None:
    """Deactivate an *active* channel; the channel when this call made it inactive, else None.

    One conditional UPDATE: of two concurrent reports of the same loss (a redelivered update,
    a second process) exactly one sees the channel active, so admins are told once.
    """
    result = await session.execute(
        update(Channel)
        .where(Channel.chat_id == chat_id, Channel.active.is_(True))
        .values(active=False, inactive_reason=reason[:200])
        .returning(Channel.chat_id)
    )
    if result.first() is None:
        return None
    channel = await session.get(Channel, chat_id, populate_existing=True)
    return channel


async def all_channels(session: AsyncSession) -> list[Channel]:
    """Every channel the station registered, active ones first, then by title."""
    query = select(Channel).order_by(Channel.active.desc(), Channel.title, Channel.chat_id)
    return list((await session.scalars(query)).all())


async def get(session: AsyncSession, chat_id: int) -> Channel | None:
    return await session.get(Channel, chat_id)


async def find_by_username(session: AsyncSession, username: str) -> Channel | None:
    name = username.lstrip("@").lower()
    query = select(Channel).where(func.lower(Channel.username) == name)
    return (await session.scalars(query)).first()


async def topic_slugs(session: AsyncSession, chat_ids: Sequence[int]) -> dict[int, list[str]]:
    """The topics each channel is limited to (absent: none chosen)."""
    if not chat_ids:
        return {}
    rows = await session.execute(
        select(ChannelTopic.chat_id, Topic.slug)
        .join(Topic, Topic.id == ChannelTopic.topic_id)
        .where(ChannelTopic.chat_id.in_(list(chat_ids)))
        .order_by(Topic.slug)
    )
    found: dict[int, list[str]] = {}
    for chat_id, slug in rows.all():
        found.setdefault(int(chat_id), []).append(str(slug))
    return found


async def limit_to_topic(session: AsyncSession, channel: Channel, topic: Topic | None) -> None:
    """Post only ``topic``'s articles to the channel, or every article when None."""
    await session.execute(delete(ChannelTopic).where(ChannelTopic.chat_id == channel.chat_id))
    channel.all_topics = topic is None
    if topic is not None:
        session.add(ChannelTopic(chat_id=channel.chat_id, topic_id=topic.id))
    await session.flush()


async def remove(session: AsyncSession, chat_id: int) -> bool:
    """Forget a channel: its settings, its topic filter and its queued posts."""
    await session.execute(delete(ChannelTopic).where(ChannelTopic.chat_id == chat_id))
    result = await session.execute(delete(Channel).where(Channel.chat_id == chat_id))
    return bool(getattr(result, "rowcount", 0))
