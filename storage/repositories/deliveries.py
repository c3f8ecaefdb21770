"""The delivery outbox: enqueue recipients in bulk, claim due rows with leases, record outcomes.

Statuses: ``pending`` → ``sending`` (leased to one sender until ``lease_until``) → ``sent``,
``failed`` (with ``last_error``) or ``cancelled``. A lease that expires (the sender died)
makes the row claimable again; a ``sent`` row is never claimed for sending again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    Boolean,
    Integer,
    Table,
    and_,
    bindparam,
    case,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    ArticleTopic,
    Channel,
    ChannelTopic,
    Delivery,
    Subscriber,
    SubscriberTopic,
)

# Lower goes first: people waiting on a reply, then the station's channels, then pushes.
PRIORITY = {"reply": 0, "channel": 1, "instant": 2, "broadcast": 3}
EDIT_WINDOW = timedelta(hours=48)


def _rowcount(result: Any) -> int:
    """Rows touched by an INSERT/UPDATE (a CursorResult; typed loosely by SQLAlchemy)."""
    return int(getattr(result, "rowcount", 0) or 0)


def _insert(session: AsyncSession) -> Any:
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(Delivery)


def _in_quiet_hours(minute_of_day: int) -> Any:
    """SQL: the subscriber's quiet hours contain this local minute (ranges may wrap midnight)."""
    start, end = Subscriber.quiet_start, Subscriber.quiet_end
    return case(
        (
            and_(
                start.is_not(None),
                end.is_not(None),
                or_(
                    and_(start <= end, start <= minute_of_day, literal(minute_of_day) < end),
                    and_(start > end, or_(start <= minute_of_day, literal(minute_of_day) < end)),
                ),
            ),
            true(),
        ),
        else_=false(),
    )


_ENQUEUE_COLUMNS = [
    "article_id", "chat_id", "kind", "priority", "status", "locale", "with_image",
    "silent", "due_at", "attempts", "sent_as_photo", "created_at",
]  # fmt: skip


async def enqueue_article(
    session: AsyncSession, article_id: int, *, now: datetime, local_minute: int
) -> int:
    """Write one delivery row per matching channel and instant subscriber, in two statements.

    ``local_minute`` is the station's local time of day in minutes, for quiet hours.
    Returns the number of rows written (existing rows are left alone).
    """
    article_topics = select(ArticleTopic.topic_id).where(ArticleTopic.article_id == article_id)
    channel_match = or_(
        Channel.all_topics.is_(True),
        exists().where(
            ChannelTopic.chat_id == Channel.chat_id, ChannelTopic.topic_id.in_(article_topics)
        ),
    )
    subscriber_match = or_(
        Subscriber.all_topics.is_(True),
        exists().where(
            SubscriberTopic.chat_id == Subscriber.chat_id,
            SubscriberTopic.topic_id.in_(article_topics),
        ),
    )

    def rows_for(kind: str, chat: Any, silent: Any) -> Any:
        """SELECT producing one outbox row per recipient, columns in ``_ENQUEUE_COLUMNS`` order."""
        return select(
            literal(article_id, Integer),
            chat.chat_id,
            literal(kind),
            literal(PRIORITY[kind], Integer),
            literal("pending"),
            chat.language,
            chat.wants_images,
            silent,
            literal(now, Delivery.due_at.type),
            literal(0, Integer),
            literal(False, Boolean),
            literal(now, Delivery.created_at.type),
        )

    channels = rows_for("channel", Channel, literal(False, Boolean)).where(
        Channel.active.is_(True), channel_match
    )
    instant = rows_for("instant", Subscriber, _in_quiet_hours(local_minute)).where(
        Subscriber.active.is_(True), Subscriber.instant.is_(True), subscriber_match
    )
    written = 0
    for audience in (channels, instant):
        statement = (
            _insert(session)
            .from_select(_ENQUEUE_COLUMNS, audience)
            .on_conflict_do_nothing(index_elements=["article_id", "chat_id", "kind"])
        )
        written += _rowcount(await session.execute(statement))
    return written


async def request_edits(
    session: AsyncSession, article_id: int, revision: int, *, now: datetime, published_at: datetime
) -> int:
    """After a correction, mark the article's sent messages for editing (within 48 hours)."""
    if now - published_at > EDIT_WINDOW:
        return 0
    result = await session.execute(
        update(Delivery)
        .where(
            Delivery.article_id == article_id,
            Delivery.status == "sent",
            Delivery.message_id.is_not(None),
        )
        .values(edit_revision=revision)
    )
    return _rowcount(result)


@dataclass(frozen=True, slots=True)
class Claimed:
    """A leased delivery, detached from the session."""

    id: int
    article_id: int | None
    chat_id: int
    kind: str
    priority: int
    locale: str
    with_image: bool
    silent: bool
    attempts: int
    message_id: int | None
    sent_as_photo: bool
    edit_revision: int | None


_CLAIM_COLUMNS = (
    Delivery.id,
    Delivery.article_id,
    Delivery.chat_id,
    Delivery.kind,
    Delivery.priority,
    Delivery.locale,
    Delivery.with_image,
    Delivery.silent,
    Delivery.attempts,
    Delivery.message_id,
    Delivery.sent_as_photo,
    Delivery.edit_revision,
)


async def claim(
    session: AsyncSession, *, owner: str, now: datetime, lease: timedelta, limit: int
) -> list[Claimed]:
    """Lease up to ``limit`` due rows: pending ones, expired leases, and sent rows to edit.

    ``FOR UPDATE SKIP LOCKED`` lets several senders share PostgreSQL without ever taking the
    same row; SQLite has one writer at a time, so the plain subquery is already exclusive.
    """
    due = or_(
        and_(Delivery.status == "pending", Delivery.due_at <= now),
        and_(Delivery.status == "sending", Delivery.lease_until < now),
        and_(
            Delivery.status == "sent",
            Delivery.edit_revision.is_not(None),
            Delivery.due_at <= now,
            or_(Delivery.lease_until.is_(None), Delivery.lease_until < now),
        ),
    )
    candidates = (
        select(Delivery.id)
        .where(due)
        .order_by(Delivery.priority, Delivery.due_at, Delivery.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = list((await session.scalars(candidates)).all())
    if not ids:
        return []
    statement = (
        update(Delivery)
        .where(Delivery.id.in_(ids))
        .values(
            # Edits keep their 'sent' status: the message exists whatever happens to the edit.
            status=case((Delivery.status == "sent", "sent"), else_="sending"),
            lease_owner=owner,
            lease_until=now + lease,
        )
        .returning(*_CLAIM_COLUMNS)
    )
    rows = (await session.execute(statement)).all()
    claimed = [Claimed(*row) for row in rows]
    claimed.sort(key=lambda c: (c.priority, c.id))
    return claimed


async def mark_sent(
    session: AsyncSession, outcomes: Sequence[tuple[int, int | None, bool, int]], *, now: datetime
) -> None:
    """Record successful sends: (delivery id, message id, sent as photo, article revision).

    One statement for the whole batch (executemany): at 1,000 sends/s one ORM UPDATE per row
    cost more CPU than the sends themselves.
    """
    if not outcomes:
        return
    await session.execute(
        _MARK_SENT.values(sent_at=now),
        [
            {"b_id": delivery_id, "b_message_id": message_id, "b_photo": as_photo, "b_rev": rev}
            for delivery_id, message_id, as_photo, rev in outcomes
        ],
    )


_DELIVERIES = cast(Table, Delivery.__table__)
_MARK_SENT = (
    update(_DELIVERIES)
    .where(_DELIVERIES.c.id == bindparam("b_id"))
    .values(
        status="sent",
        message_id=bindparam("b_message_id"),
        sent_as_photo=bindparam("b_photo"),
        sent_revision=bindparam("b_rev"),
        lease_until=None,
        lease_owner=None,
        attempts=_DELIVERIES.c.attempts + 1,
        last_error=None,
    )
)


async def mark_edited(
    session: AsyncSession, delivery_id: int, revision: int, *, error: str | None = None
) -> None:
    """An edit is done (or given up): clear the request unless a newer revision came since."""
    await session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id)
        .values(
            sent_revision=case(
                (Delivery.edit_revision == revision, revision), else_=Delivery.sent_revision
            ),
            edit_revision=case(
                (Delivery.edit_revision == revision, None), else_=Delivery.edit_revision
            ),
            lease_until=None,
            lease_owner=None,
            last_error=error,
        )
    )


async def retry_later(
    session: AsyncSession,
    delivery_id: int,
    *,
    due_at: datetime,
    error: str | None,
    count_attempt: bool = True,
) -> None:
    """Put a row back in the queue (or, for an edit, keep it 'sent' and edit later)."""
    await session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id)
        .values(
            status=case((Delivery.status == "sent", "sent"), else_="pending"),
            due_at=due_at,
            lease_until=None,
            lease_owner=None,
            attempts=Delivery.attempts + (1 if count_attempt else 0),
            last_error=error,
        )
    )


async def mark_failed(session: AsyncSession, delivery_id: int, error: str) -> None:
    await session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id)
        .values(
            status="failed",
            lease_until=None,
            lease_owner=None,
            attempts=Delivery.attempts + 1,
            last_error=error[:1000],
        )
    )


async def cancel(session: AsyncSession, delivery_id: int, reason: str) -> None:
    """Give up one row without sending it (its chat was found unreachable meanwhile)."""
    await session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id, Delivery.status.in_(("pending", "sending")))
        .values(status="cancelled", last_error=reason[:1000], lease_until=None, lease_owner=None)
    )


async def cancel_chat(session: AsyncSession, chat_id: int, reason: str) -> int:
    """The chat is gone: cancel everything still waiting for it."""
    result = await session.execute(
        update(Delivery)
        .where(Delivery.chat_id == chat_id, Delivery.status.in_(("pending", "sending")))
        .values(status="cancelled", last_error=reason[:1000], lease_until=None, lease_owner=None)
    )
    return _rowcount(result)


async def lease_owners(session: AsyncSession) -> list[str]:
    """Every sender that holds a lease right now (live or not)."""
    found = await session.scalars(
        select(Delivery.lease_owner).where(Delivery.lease_owner.is_not(None)).distinct()
    )
    return [owner for owner in found.all() if owner is not None]


async def release_leases(session: AsyncSession, owners: Sequence[str]) -> int:
    """Hand a dead sender's rows back at once instead of when their leases expire.

    Rows it was sending become ``pending`` again; sent rows it was editing stay ``sent``.
    """
    if not owners:
        return 0
    result = await session.execute(
        update(Delivery)
        .where(Delivery.lease_owner.in_(list(owners)))
        .values(
            status=case((Delivery.status == "sending", "pending"), else_=Delivery.status),
            lease_until=None,
            lease_owner=None,
        )
    )
    return _rowcount(result)


async def move_chat(session: AsyncSession, old_chat_id: int, new_chat_id: int) -> None:
    """A group was upgraded to a supergroup: waiting rows go to the new id."""
    await session.execute(
        update(Delivery)
        .where(Delivery.chat_id == old_chat_id, Delivery.status.in_(("pending", "sending")))
        .values(chat_id=new_chat_id)
    )


async def counts_by_status(session: AsyncSession, article_id: int | None = None) -> dict[str, int]:
    query = select(Delivery.status, func.count()).group_by(Delivery.status)
    if article_id is not None:
        query = query.where(Delivery.article_id == article_id)
    return {status: int(n) for status, n in (await session.execute(query)).all()}


async def renew_leases(
    session: AsyncSession, ids: Sequence[int], *, owner: str, until: datetime
) -> None:
    """Extend this owner's leases on rows it still holds (a long, paced batch)."""
    if ids:
        await session.execute(
            update(Delivery)
            .where(Delivery.id.in_(list(ids)), Delivery.lease_owner == owner)
            .values(lease_until=until)
        )
