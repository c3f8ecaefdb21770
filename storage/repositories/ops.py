"""Read-only queries for operations (``/healthz`` and ``/metrics``): cheap aggregates, never
a row per delivery, so a scrape every 15 s costs two index scans."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.enums import CommentStatus, DeliveryStatus
from storage.models import Comment, Delivery, Feed


@dataclass(frozen=True, slots=True)
class Backlog:
    """Outbox rows still to send: all of them, those due now, and the oldest due time."""

    waiting: int
    due: int
    oldest_due_at: datetime | None


@dataclass(frozen=True, slots=True)
class FeedState:
    url: str
    last_success_at: datetime | None
    last_polled_at: datetime | None
    failures: int  # consecutive failed polls


async def backlog(session: AsyncSession, now: datetime) -> Backlog:
    waiting = (DeliveryStatus.PENDING, DeliveryStatus.SENDING)
    total = await session.scalar(select(func.count()).where(Delivery.status.in_(waiting)))
    due, oldest = (
        await session.execute(
            select(func.count(), func.min(Delivery.due_at)).where(
                Delivery.status.in_(waiting), Delivery.due_at <= now
            )
        )
    ).one()
    return Backlog(int(total or 0), int(due or 0), oldest)


async def feed_states(session: AsyncSession) -> list[FeedState]:
    rows = await session.execute(
        select(Feed.url, Feed.last_success_at, Feed.last_polled_at, Feed.failures)
        .where(Feed.active.is_(True))
        .order_by(Feed.id)
    )
    return [
        FeedState(url, success, polled, int(failures or 0))
        for url, success, polled, failures in rows
    ]


async def delivery_counts(session: AsyncSession) -> dict[DeliveryStatus, int]:
    rows = await session.execute(select(Delivery.status, func.count()).group_by(Delivery.status))
    return {DeliveryStatus(status): int(n) for status, n in rows.all()}


async def comment_counts(session: AsyncSession) -> dict[CommentStatus, int]:
    rows = await session.execute(select(Comment.status, func.count()).group_by(Comment.status))
    return {CommentStatus(status): int(n) for status, n in rows.all()}
