"""Picking due rows for a leased queue (the outbox, the WordPress relay): one shape for both.

The candidates are selected ``FOR UPDATE SKIP LOCKED``: on PostgreSQL several processes share a
queue without ever taking the same row, and a row another transaction is leasing right now is
skipped instead of waited for. SQLite has one writer at a time, so the plain select is already
exclusive (SQLAlchemy leaves the clause out there). The caller then moves the lease forward for
exactly these ids in one UPDATE, in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute


async def due_ids(
    session: AsyncSession,
    id_column: InstrumentedAttribute[int],
    due: ColumnElement[bool],
    order_by: Sequence[ColumnElement[object] | InstrumentedAttribute[object]],
    limit: int,
) -> list[int]:
    """Up to ``limit`` ids of due rows, oldest first, locked for this transaction."""
    statement = (select(id_column).where(due).order_by(*order_by).limit(limit)).with_for_update(
        skip_locked=True
    )
    return list((await session.scalars(statement)).all())
