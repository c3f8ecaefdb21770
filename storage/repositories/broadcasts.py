"""Broadcasts: the admin's conversation (per admin chat), its outbox rows counted, cancelled.

A broadcast's messages are ordinary outbox rows (``deliveries``) whose ``ref`` is
:func:`ref_of`; counting them is one GROUP BY over that ref, never a load of rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, exists, func, literal_column, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.enums import BroadcastStatus, DeliveryStatus, MessageKind
from storage.models import Broadcast, Delivery, Subscriber, SubscriberTopic, Topic
from storage.repositories.enqueue import rowcount

# A conversation that has not reached the outbox yet.
OPEN = (BroadcastStatus.COMPOSING, BroadcastStatus.DRAFT)
CANCEL_REASON = "broadcast cancelled by an admin"
_WAITING = (DeliveryStatus.PENDING, DeliveryStatus.SENDING)


def ref_of(broadcast_id: int) -> str:
    """The ``ref`` of a broadcast's messages to subscribers."""
    return f"broadcast:{broadcast_id}"


def progress_ref_of(broadcast_id: int) -> str:
    """The ``ref`` of its progress message in the admin's chat."""
    return f"broadcast:{broadcast_id}:p"


@dataclass(frozen=True, slots=True)
class Tally:
    """Where a broadcast's rows are. ``blocked``: failed or cancelled for a reader the bot can
    no longer reach (they blocked it, left, were deleted), as the ledger recorded."""

    waiting: int = 0
    sent: int = 0
    blocked: int = 0
    failed: int = 0
    cancelled: int = 0

    @property
    def done(self) -> int:
        return self.sent + self.blocked + self.failed

    @property
    def errors(self) -> int:
        return self.blocked + self.failed


async def open_in_chat(session: AsyncSession, chat_id: int, user_id: int) -> Broadcast | None:
    """This admin's broadcast being composed or previewed in this chat, if any."""
    found = await session.scalars(
        select(Broadcast)
        .where(
            Broadcast.admin_chat_id == chat_id,
            Broadcast.admin_user_id == user_id,
            Broadcast.status.in_(OPEN),
        )
        .order_by(Broadcast.id.desc())
        .limit(1)
    )
    return found.first()


async def start(
    session: AsyncSession,
    *,
    chat_id: int,
    user_id: int,
    topic_id: int | None,
    locale: str,
    now: datetime,
) -> Broadcast:
    """A new conversation; an older open one of this admin in this chat is dropped."""
    await session.execute(
        update(Broadcast)
        .where(
            Broadcast.admin_chat_id == chat_id,
            Broadcast.admin_user_id == user_id,
            Broadcast.status.in_(OPEN),
        )
        .values(status=BroadcastStatus.CANCELLED, finished_at=now)
    )
    broadcast = Broadcast(
        admin_chat_id=chat_id, admin_user_id=user_id, status=BroadcastStatus.COMPOSING,
        topic_id=topic_id, locale=locale, total=0, created_at=now,
    )  # fmt: skip
    session.add(broadcast)
    await session.flush()
    return broadcast


async def move(
    session: AsyncSession,
    broadcast_id: int,
    before: BroadcastStatus | tuple[BroadcastStatus, ...],
    after: BroadcastStatus,
    **values: object,
) -> bool:
    """Change the status only from ``before`` (one UPDATE: two taps on Gửi send once)."""
    states = (before,) if isinstance(before, BroadcastStatus) else before
    result = await session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast_id, Broadcast.status.in_(states))
        .values(status=after, **values)
    )
    return rowcount(result) == 1


async def in_progress(session: AsyncSession) -> list[Broadcast]:
    found = await session.scalars(
        select(Broadcast).where(Broadcast.status == BroadcastStatus.SENDING).order_by(Broadcast.id)
    )
    return list(found.all())


async def topic_by_slug(session: AsyncSession, slug: str) -> Topic | None:
    found: Topic | None = await session.scalar(select(Topic).where(Topic.slug == slug))
    return found


async def topic_name(session: AsyncSession, topic_id: int | None) -> str | None:
    if topic_id is None:
        return None
    name = await session.scalar(select(Topic.name).where(Topic.id == topic_id))
    return None if name is None else str(name)


async def tally(session: AsyncSession, broadcast_id: int) -> Tally:
    """The broadcast's rows by outcome, in one grouped query."""
    unreachable = and_(
        Delivery.status.in_((DeliveryStatus.FAILED, DeliveryStatus.CANCELLED)),
        Subscriber.active.is_(False),
        func.coalesce(Delivery.last_error, "") != CANCEL_REASON,
    )
    bucket = case(
        (Delivery.status.in_(_WAITING), "waiting"),
        (Delivery.status == DeliveryStatus.SENT, "sent"),
        (unreachable, "blocked"),
        (Delivery.status == DeliveryStatus.FAILED, "failed"),
        else_="cancelled",
    )
    rows = await session.execute(
        select(bucket.label("bucket"), func.count())
        .select_from(Delivery)
        .outerjoin(Subscriber, Subscriber.chat_id == Delivery.chat_id)
        .where(Delivery.ref == ref_of(broadcast_id), Delivery.message_kind == MessageKind.BROADCAST)
        .group_by(literal_column("bucket"))  # by name: one CASE, one set of parameters
    )
    counts = {str(name): int(n) for name, n in rows.all()}
    return Tally(**counts)


async def cancel_rows(session: AsyncSession, broadcast_id: int) -> int:
    """Cancel the broadcast's rows not sent yet (rows in flight finish and are recorded)."""
    result = await session.execute(
        update(Delivery)
        .where(
            Delivery.ref == ref_of(broadcast_id),
            Delivery.message_kind == MessageKind.BROADCAST,
            Delivery.status == DeliveryStatus.PENDING,
        )
        .values(status=DeliveryStatus.CANCELLED, last_error=CANCEL_REASON)
    )
    return rowcount(result)


async def audience_size(session: AsyncSession, topic_id: int | None) -> int:
    """How many readers a broadcast would reach: the rule of ``enqueue_to_subscribers``."""
    query = select(func.count()).select_from(Subscriber).where(Subscriber.active.is_(True))
    if topic_id is not None:
        query = query.where(
            or_(
                Subscriber.all_topics.is_(True),
                exists().where(
                    SubscriberTopic.chat_id == Subscriber.chat_id,
                    SubscriberTopic.topic_id == topic_id,
                ),
            )
        )
    return int(await session.scalar(query) or 0)


async def set_progress(
    session: AsyncSession, broadcast_id: int, text: str, status: BroadcastStatus, *, final: bool
) -> bool:
    """Store a new progress text while the broadcast is still in ``status`` and shows another
    text (else nothing: a concurrent writer got there first)."""
    result = await session.execute(
        update(Broadcast)
        .where(
            Broadcast.id == broadcast_id,
            Broadcast.status == status,
            or_(Broadcast.progress_text.is_(None), Broadcast.progress_text != text),
        )
        .values(progress_text=text, reported=final)
    )
    return rowcount(result) == 1


async def to_report(session: AsyncSession) -> list[Broadcast]:
    """Broadcasts being sent, and ended ones whose report has not reached the admin yet."""
    ended = (BroadcastStatus.DONE, BroadcastStatus.CANCELLED)
    found = await session.scalars(
        select(Broadcast)
        .where(
            or_(
                Broadcast.status == BroadcastStatus.SENDING,
                and_(
                    Broadcast.status.in_(ended),
                    Broadcast.started_at.is_not(None),
                    Broadcast.reported.is_(False),
                ),
            )
        )
        .order_by(Broadcast.id)
    )
    return list(found.all())


async def progress_shown(session: AsyncSession, broadcast: Broadcast) -> bool:
    """Whether the progress message exists in the admin's chat (sent, so it can be edited).

    Until then it is left alone: changing an unsent or in-flight row's payload could be lost
    (the sender may already have rendered the old one)."""
    status = await session.scalar(
        select(Delivery.status).where(
            Delivery.ref == progress_ref_of(broadcast.id),
            Delivery.chat_id == broadcast.admin_chat_id,
            Delivery.message_kind == MessageKind.NOTICE,
            Delivery.message_id.is_not(None),
        )
    )
    return status is DeliveryStatus.SENT
