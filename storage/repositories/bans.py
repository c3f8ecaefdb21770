"""Readers banned from commenting (moderators' decisions are audited by ``audit.add``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Ban
from storage.repositories.enqueue import rowcount


async def is_banned(session: AsyncSession, user_id: int, now: datetime) -> bool:
    found = await session.scalar(
        select(Ban.user_id).where(Ban.user_id == user_id, or_(Ban.until.is_(None), Ban.until > now))
    )
    return found is not None


async def ban(
    session: AsyncSession, user_id: int, *, by: int, reason: str | None, now: datetime
) -> bool:
    """Ban a reader (no end date); False if they already were."""
    existing = await session.get(Ban, user_id)
    if existing is not None:
        if existing.until is None or existing.until > now:
            return False
        existing.until, existing.banned_by, existing.reason = None, by, reason
        return True
    session.add(Ban(user_id=user_id, reason=reason, banned_by=by, created_at=now))
    await session.flush()
    return True


async def unban(session: AsyncSession, user_id: int) -> bool:
    """Lift a ban; False if there was none."""
    return rowcount(await session.execute(delete(Ban).where(Ban.user_id == user_id))) > 0
