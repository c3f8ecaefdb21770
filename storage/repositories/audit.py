"""The audit log: one row per admin action or refused attempt, read newest first."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEntry


async def add(
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
            target=None if target is None else target[:256],
            details=None if details is None else json.dumps(details, ensure_ascii=False),
            created_at=now,
        )
    )
    await session.flush()


async def newest(session: AsyncSession, *, offset: int, limit: int) -> list[AuditEntry]:
    """Entries newest first (ties by id: two in one second keep their order)."""
    rows = await session.scalars(
        select(AuditEntry)
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return list(rows)


async def count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(AuditEntry)) or 0)
