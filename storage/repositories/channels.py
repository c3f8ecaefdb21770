"""The station's channels the bot posts to."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Channel


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
