"""People the bot has seen: id, @username and name, for naming staff in owner commands."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import KnownUser


async def remember(
    session: AsyncSession, user_id: int, *, username: str | None, full_name: str, now: datetime
) -> None:
    """Store or refresh a person; a username someone else had before is taken from them
    (Telegram usernames move between accounts)."""
    key = username.lower() if username else None
    if key is not None:
        for other in await session.scalars(
            select(KnownUser).where(KnownUser.username_key == key, KnownUser.user_id != user_id)
        ):
            other.username = other.username_key = None
    known = await session.get(KnownUser, user_id)
    if known is None:
        session.add(
            KnownUser(
                user_id=user_id,
                username=username,
                username_key=key,
                full_name=full_name[:256],
                seen_at=now,
            )
        )
    else:
        known.username, known.username_key = username, key
        known.full_name, known.seen_at = full_name[:256], now
    await session.flush()


async def by_username(session: AsyncSession, username: str) -> KnownUser | None:
    found: KnownUser | None = await session.scalar(
        select(KnownUser).where(KnownUser.username_key == username.lower().lstrip("@"))
    )
    return found


async def by_ids(session: AsyncSession, user_ids: Collection[int]) -> dict[int, KnownUser]:
    if not user_ids:
        return {}
    rows = await session.scalars(select(KnownUser).where(KnownUser.user_id.in_(user_ids)))
    return {row.user_id: row for row in rows}
