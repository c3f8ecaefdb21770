"""One writer at a time for one thing, across processes, for the rest of a transaction.

PostgreSQL: a transaction advisory lock in the two-int key space (apart from the leader
lock's one-bigint key), released by the commit or rollback. SQLite needs none: one process
per file (the instance lock), and the callers serialise within the process.
"""

from __future__ import annotations

from enum import IntEnum

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


class Space(IntEnum):
    """Lock-key namespaces; any constants work, the same in every process."""

    DIGEST_EDITION = 0x4B54_4447  # "KTDG": one bucket's digest edition
    READER_COMMENT = 0x4B54_434D  # "KTCM": one reader's comment and its rate limits


async def serialize(session: AsyncSession, space: Space, key: str) -> None:
    """Wait until no other transaction holds ``key`` in ``space``, then hold it until this
    transaction ends."""
    if session.get_bind().dialect.name != "postgresql":
        return
    await session.execute(
        text("SELECT pg_advisory_xact_lock(:space, hashtext(:key))"),
        {"space": int(space), "key": key},
    )
