"""Numbers for /stats: every figure is one grouped query (GROUP BY), never a load of rows.

Days are the station's local days: timestamps are stored as naive UTC, so a day is grouped on
the timestamp shifted by the station's UTC offset (``offset_s``; Asia/Ho_Chi_Minh has no DST,
so one offset is exact there, and at most an hour off around a DST change elsewhere).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Date, case, cast, func, literal_column, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.enums import CommentStatus, DeliveryStatus
from storage.models import Comment, Delivery, Feed, Subscriber, SubscriberTopic, Topic

# Failure reasons as operators think of them: (bucket, fragments of ``last_error``), first
# match wins. The ledger writes Telegram's own descriptions and the sender's few of its own.
FAILURE_BUCKETS: Sequence[tuple[str, tuple[str, ...]]] = (
    ("blocked", ("blocked", "deactivated", "kicked", "forbidden")),
    ("chat_not_found", ("chat not found", "peer_id_invalid", "not a member")),
    ("expired", ("no longer news",)),
    ("rights", ("rights", "chat_write_forbidden")),
    ("render", ("cannot render", "can't parse", "internal error", "gave up")),
    ("network", ("timed out", "uncertain", "unsent", "network", "bad gateway", "server")),
)


# Grouped by the output column's name: a CASE or a shifted date written twice would carry two
# sets of bound parameters, which PostgreSQL does not see as the same expression.
_BUCKET: Any = literal_column("bucket")
_DAY: Any = literal_column("day")


@dataclass(frozen=True, slots=True)
class DayCount:
    day: date
    subscribers: int  # joined on or before this day and active now, plus those who left later
    new_subscribers: int
    sent: int
    failed: int


@dataclass(frozen=True, slots=True)
class Snapshot:
    active: int = 0
    inactive: int = 0
    all_topics: int = 0  # active readers who follow every topic
    by_topic: list[tuple[str, int]] = field(default_factory=list)  # (topic name, active readers)
    # (``subscribers.source`` from ``/start src_<tag>``, or None: no link; active readers)
    by_source: list[tuple[str | None, int]] = field(default_factory=list)
    today: dict[DeliveryStatus, int] = field(default_factory=dict)
    week: dict[DeliveryStatus, int] = field(default_factory=dict)
    failures: list[tuple[str, int]] = field(default_factory=list)  # over 7 days, by bucket
    comments: dict[CommentStatus, int] = field(default_factory=dict)
    feeds_healthy: int = 0
    feeds_failing: int = 0


def _local_day(session: AsyncSession, column: Any, offset_s: int) -> Any:
    """SQL: the station's local date of a naive-UTC timestamp column."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(column + literal_column(f"interval '{int(offset_s)} seconds'"), Date)
    return func.date(column, literal_column(f"'{int(offset_s):+d} seconds'"))


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _failure_bucket() -> Any:
    error = func.lower(func.coalesce(Delivery.last_error, ""))
    whens = [
        (or_(*(error.contains(fragment) for fragment in fragments)), name)
        for name, fragments in FAILURE_BUCKETS
    ]
    return case(*whens, else_="other")


async def _status_counts(session: AsyncSession, since: datetime) -> dict[DeliveryStatus, int]:
    rows = await session.execute(
        select(Delivery.status, func.count())
        .where(Delivery.created_at >= since)
        .group_by(Delivery.status)
    )
    return {status: int(n) for status, n in rows.all()}


async def snapshot(session: AsyncSession, *, day_start: datetime, week_start: datetime) -> Snapshot:
    """Today's and the week's figures; ``day_start`` and ``week_start`` are UTC instants."""
    readers = dict(
        (bool(active), int(n))
        for active, n in (
            await session.execute(
                select(Subscriber.active, func.count()).group_by(Subscriber.active)
            )
        ).all()
    )
    all_topics = await session.scalar(
        select(func.count())
        .select_from(Subscriber)
        .where(Subscriber.active.is_(True), Subscriber.all_topics.is_(True))
    )
    by_topic = (
        await session.execute(
            select(Topic.name, func.count())
            .join(SubscriberTopic, SubscriberTopic.topic_id == Topic.id)
            .join(Subscriber, Subscriber.chat_id == SubscriberTopic.chat_id)
            .where(Subscriber.active.is_(True), Subscriber.all_topics.is_(False))
            .group_by(Topic.name)
            .order_by(func.count().desc(), Topic.name)
        )
    ).all()
    by_source = (
        await session.execute(
            select(Subscriber.source, func.count())
            .where(Subscriber.active.is_(True))
            .group_by(Subscriber.source)
        )
    ).all()
    bucket = _failure_bucket()
    failures = (
        await session.execute(
            select(bucket.label("bucket"), func.count())
            .where(Delivery.status == DeliveryStatus.FAILED, Delivery.created_at >= week_start)
            .group_by(_BUCKET)
            .order_by(func.count().desc())
        )
    ).all()
    comments = (
        await session.execute(select(Comment.status, func.count()).group_by(Comment.status))
    ).all()
    failing = or_(Feed.failures > 0, Feed.last_error.is_not(None))
    feeds = (
        await session.execute(
            select(case((failing, "failing"), else_="healthy").label("bucket"), func.count())
            .where(Feed.active.is_(True))
            .group_by(_BUCKET)
        )
    ).all()
    feed_counts = {str(name): int(n) for name, n in feeds}
    return Snapshot(
        active=readers.get(True, 0),
        inactive=readers.get(False, 0),
        all_topics=int(all_topics or 0),
        by_topic=[(str(name), int(n)) for name, n in by_topic],
        # Most first, "no link" last among equals (the engines order NULL differently).
        by_source=sorted(
            ((None if source is None else str(source), int(n)) for source, n in by_source),
            key=lambda row: (-row[1], row[0] is None, row[0] or ""),
        ),
        today=await _status_counts(session, day_start),
        week=await _status_counts(session, week_start),
        failures=[(str(name), int(n)) for name, n in failures],
        comments={status: int(n) for status, n in comments},
        feeds_healthy=feed_counts.get("healthy", 0),
        feeds_failing=feed_counts.get("failing", 0),
    )


async def daily(
    session: AsyncSession, *, first_day: date, days: int, since: datetime, offset_s: int
) -> list[DayCount]:
    """One row per local day from ``first_day`` (``since`` is its start in UTC): subscribers
    on that day, new ones, and the outbox's sent and failed messages created that day.

    "Subscribers on that day" counts readers who had joined by then and had not left before
    it (a reader who left is dated by their last change, ``updated_at``).
    """
    joined_day = _local_day(session, Subscriber.created_at, offset_s)
    joined = {
        _as_date(day): int(n)
        for day, n in (
            await session.execute(
                select(joined_day.label("day"), func.count())
                .where(Subscriber.created_at >= since)
                .group_by(_DAY)
            )
        ).all()
    }
    left_day = _local_day(session, Subscriber.updated_at, offset_s)
    left = {
        _as_date(day): int(n)
        for day, n in (
            await session.execute(
                select(left_day.label("day"), func.count())
                .where(Subscriber.active.is_(False), Subscriber.updated_at >= since)
                .group_by(_DAY)
            )
        ).all()
    }
    before = await session.scalar(
        select(func.count())
        .select_from(Subscriber)
        .where(
            Subscriber.created_at < since,
            or_(Subscriber.active.is_(True), Subscriber.updated_at >= since),
        )
    )
    sent_day = _local_day(session, Delivery.created_at, offset_s)
    outcome = case(
        (Delivery.status == DeliveryStatus.SENT, "sent"),
        (Delivery.status == DeliveryStatus.FAILED, "failed"),
        else_="other",
    )
    traffic: dict[tuple[date, str], int] = {
        (_as_date(day), str(kind)): int(n)
        for day, kind, n in (
            await session.execute(
                select(sent_day.label("day"), outcome.label("bucket"), func.count())
                .where(Delivery.created_at >= since)
                .group_by(_DAY, _BUCKET)
            )
        ).all()
    }
    series: list[DayCount] = []
    running = int(before or 0)
    for n in range(days):
        day = first_day + timedelta(days=n)
        new = joined.get(day, 0)
        running += new
        series.append(
            DayCount(
                day=day,
                subscribers=running,
                new_subscribers=new,
                sent=traffic.get((day, "sent"), 0),
                failed=traffic.get((day, "failed"), 0),
            )
        )
        running -= left.get(day, 0)
    return series
