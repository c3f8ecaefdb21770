"""People the bot has seen: id, @username and name, for naming staff in owner commands."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import KnownUser


def _insert(session: AsyncSession) -> Any:
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(KnownUser)


async def remember(
    session: AsyncSession, user_id: int, *, username: str | None, full_name: str, now: datetime
) -> None:
    """Store or refresh a person (an upsert: two updates of one person may race); a username
    someone else had before is taken from them (Telegram usernames move between accounts)."""
    key = username.lower() if username else None
    if key is not None:
        await session.execute(
            update(KnownUser)
            .where(KnownUser.username_key == key, KnownUser.user_id != user_id)
            .values(username=None, username_key=None)
        )
    values = {"username": username, "username_key": key, "full_name": full_name[:256]}
    statement = _insert(session).values(user_id=user_id, seen_at=now, **values)
    await session.execute(
        statement.on_conflict_do_update(index_elements=["user_id"], set_={**values, "seen_at": now})
    )


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
