"""Readers banned from commenting, and the audit log of moderators' decisions."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEntry, Ban
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


async def audit(
    session: AsyncSession,
    *,
    actor_id: int | None,
    action: str,
    target: str | None,
    details: dict[str, Any] | None,
    now: datetime,
) -> None:
    """One line of the audit log (who did what to what, when)."""
    session.add(
        AuditEntry(
            actor_id=actor_id,
            action=action,
            target=target,
            details=None if details is None else json.dumps(details, ensure_ascii=False),
            created_at=now,
        )
    )
    await session.flush()
