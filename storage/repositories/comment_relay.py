"""The WordPress relay's persistent queue: approved comments in the comments table, due at
``relay_next_at``, leased before they are posted (see ``bot.wordpress.relay``)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.enums import RelayStatus
from storage.models import Comment
from storage.repositories.comments import StoredComment, get_many
from storage.repositories.leases import due_ids


async def queue_relay(session: AsyncSession, comment_id: int, now: datetime) -> None:
    """Put an approved comment on the WordPress relay's queue, due now."""
    await session.execute(
        update(Comment)
        .where(Comment.id == comment_id, Comment.relay_status.is_(None))
        .values(relay_status=RelayStatus.QUEUED, relay_next_at=now)
    )


async def claim_relay(
    session: AsyncSession, now: datetime, lease: timedelta, limit: int
) -> list[StoredComment]:
    """Due comments for the relay, each leased (its next try moved past the lease) in one
    UPDATE after a locked pick, so two relays never post the same comment at the same time."""
    due = and_(Comment.relay_status == RelayStatus.QUEUED, Comment.relay_next_at <= now)
    ids = await due_ids(session, Comment.id, due, (Comment.relay_next_at, Comment.id), limit)
    if not ids:
        return []
    await session.execute(
        update(Comment).where(Comment.id.in_(ids), due).values(relay_next_at=now + lease)
    )
    return await get_many(session, ids)


async def relay_posted(
    session: AsyncSession, comment_id: int, *, wp_comment_id: int | None, wp_status: str
) -> None:
    await session.execute(
        update(Comment)
        .where(Comment.id == comment_id)
        .values(
            relay_status=RelayStatus.POSTED,
            relay_next_at=None,
            relay_error=None,
            relay_attempts=Comment.relay_attempts + 1,
            wp_comment_id=wp_comment_id,
            wp_status=wp_status,
        )
    )


async def relay_failed(session: AsyncSession, comment_id: int, reason: str) -> None:
    await session.execute(
        update(Comment)
        .where(Comment.id == comment_id)
        .values(
            relay_status=RelayStatus.FAILED,
            relay_next_at=None,
            relay_error=reason[:2000],
            relay_attempts=Comment.relay_attempts + 1,
        )
    )


async def relay_retry(session: AsyncSession, comment_id: int, reason: str, due: datetime) -> None:
    await session.execute(
        update(Comment)
        .where(Comment.id == comment_id)
        .values(
            relay_next_at=due,
            relay_error=reason[:2000],
            relay_attempts=Comment.relay_attempts + 1,
        )
    )


async def relay_later(session: AsyncSession, comment_id: int, due: datetime) -> None:
    """Try again at ``due`` without counting an attempt (the site asked us to slow down)."""
    await session.execute(update(Comment).where(Comment.id == comment_id).values(relay_next_at=due))
