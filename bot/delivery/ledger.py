"""The ledger: what became of each delivery, written back to the outbox, and leases of the dead.

Kept apart from the sender so the rules for recording an outcome (what a 403 cancels, what a
migration moves, when an edit counts as done) read in one place, without the scheduling.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import Database
from storage.enums import DeliveryStatus
from storage.models import Delivery
from storage.repositories import chats, deliveries
from storage.repositories.deliveries import Claimed

log = logging.getLogger(__name__)


def ids(row: Claimed, **more: int | None) -> dict[str, int]:
    """A row's ids as log fields (``extra=``): the JSON log carries them as fields."""
    fields = {"delivery_id": row.id, "chat_id": row.chat_id, "article_id": row.article_id}
    return {k: v for k, v in (fields | more).items() if v is not None}


class Result(StrEnum):
    """What became of one try of a delivery (how the ledger records it)."""

    SENT = "sent"
    EDITED = "edited"
    RETRY = "retry"
    FAILED = "failed"
    GONE = "gone"
    MIGRATED = "migrated"
    CANCELLED = "cancelled"


@dataclass
class Outcome:
    """What one Bot API call (or the decision not to make it) did for a delivery."""

    row: Claimed
    kind: Result
    message_id: int | None = None
    as_photo: bool = False
    revision: int = 0
    error: str | None = None
    delay_s: float = 0.0
    new_chat_id: int | None = None
    # False for retries that say nothing against the message: a 429 or a deferred busy chat.
    count_attempt: bool = True


def default_owner() -> str:
    """Lease owner name of this process: ``host:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"


def owner_is_dead(owner: str, me: str) -> bool:
    """A lease owner that can no longer send: ourselves before a restart, or a gone pid here."""
    if owner == me:
        return True
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, under another user
        return False
    return False


async def recover_leases(database: Database, me: str) -> int:
    """Release rows leased by processes that died mid-send, so a restart resumes at once.

    A lease held under our own name (a restarted container often gets the same pid) or by a
    pid on this host that no longer runs belongs to a dead sender; its rows would otherwise
    wait for the lease to expire. Leases of live processes, and of other hosts, are left alone.
    """
    async with database.session() as session:
        dead = [o for o in await deliveries.lease_owners(session) if owner_is_dead(o, me)]
        released = await deliveries.release_leases(session, dead)
    if released:
        log.info("took back %d deliveries leased by %s", released, ", ".join(dead))
    return released


async def backlog(database: Database, now: datetime) -> int:
    """Messages held up: waiting rows that are due, or were tried and wait for a retry.

    A row scheduled for later and never tried (a digest for tomorrow morning) is not held up.
    Counted only when sending may be stalled (at most once a minute then).
    """
    held_up = or_(Delivery.due_at <= now, Delivery.attempts > 0, Delivery.last_error.is_not(None))
    async with database.session() as session:
        waiting = await session.scalar(
            select(func.count())
            .select_from(Delivery)
            .where(Delivery.status.in_((DeliveryStatus.PENDING, DeliveryStatus.SENDING)), held_up)
        )
    return int(waiting or 0)


async def resume_retries(database: Database, now: datetime) -> int:
    """Sending works again after an outage: rows waiting out a backoff are due now.

    Only rows already tried (a scheduled digest keeps its time); one bulk UPDATE, once per
    outage. A chat still blocked by a 429 stays blocked: the limiter holds its rows back.
    """
    async with database.session() as session:
        result = await session.execute(
            update(Delivery)
            .where(
                Delivery.status == DeliveryStatus.PENDING,
                Delivery.due_at > now,
                Delivery.attempts > 0,
                Delivery.last_error.is_not(None),
            )
            .values(due_at=now)
        )
    return int(getattr(result, "rowcount", 0) or 0)


async def record(session: AsyncSession, outcomes: Sequence[Outcome], *, now: datetime) -> None:
    """Write a batch of outcomes; successful sends in one statement."""
    sent = [
        (o.row.id, o.message_id, o.as_photo, o.revision) for o in outcomes if o.kind is Result.SENT
    ]
    await deliveries.mark_sent(session, sent, now=now)
    for outcome in outcomes:
        await _record_one(session, outcome, now)


async def _record_one(session: AsyncSession, r: Outcome, now: datetime) -> None:
    match r.kind:
        case Result.SENT:
            pass  # written in bulk by ``record``
        case Result.EDITED:
            await deliveries.mark_edited(session, r.row.id, r.revision)
        case Result.RETRY:
            await deliveries.retry_later(
                session,
                r.row.id,
                due_at=now + timedelta(seconds=r.delay_s),
                error=r.error,
                count_attempt=r.count_attempt,
            )
        case Result.FAILED:
            if r.row.edit_revision is not None:
                await deliveries.mark_edited(session, r.row.id, r.row.edit_revision, error=r.error)
            else:
                await deliveries.mark_failed(session, r.row.id, r.error or "failed")
            log.warning(
                "delivery %s to %s failed: %s", r.row.id, r.row.chat_id, r.error, extra=ids(r.row)
            )
        case Result.GONE:
            if r.row.edit_revision is not None:
                await deliveries.mark_edited(session, r.row.id, r.row.edit_revision, error=r.error)
            else:
                await deliveries.mark_failed(session, r.row.id, r.error or "chat unreachable")
            cancelled = await chats.mark_unreachable(session, r.row.chat_id, r.error or "", now=now)
            log.info(
                "chat %s unreachable (%s); %d waiting cancelled",
                r.row.chat_id,
                r.error,
                cancelled,
                extra=ids(r.row),
            )
        case Result.MIGRATED:
            if r.new_chat_id is None:
                return
            await chats.migrate(session, r.row.chat_id, r.new_chat_id)
            if r.row.edit_revision is not None:
                # The message stays in the old group, which no longer accepts edits.
                await deliveries.mark_edited(
                    session, r.row.id, r.row.edit_revision, error=r.error or "chat migrated"
                )
            else:
                await deliveries.retry_later(
                    session, r.row.id, due_at=now, error=r.error, count_attempt=False
                )
            log.info("chat %s migrated to %s", r.row.chat_id, r.new_chat_id, extra=ids(r.row))
        case Result.CANCELLED:
            await deliveries.cancel(session, r.row.id, r.error or "chat unreachable")
