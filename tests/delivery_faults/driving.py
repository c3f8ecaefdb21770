"""Drive a sender through a scripted fault on fake time: the world changes at set moments."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta

from sqlalchemy import and_, func, or_, select

from bot.delivery.sender import Sender
from storage.db import Database
from storage.models import Delivery
from storage.repositories import deliveries
from tests.delivery_e2e.helpers import T0, FakeTime

Event = tuple[float, Callable[[], None]]  # (fake seconds since start, change to the world)


async def next_due(database: Database) -> float | None:
    """The earliest due_at of a row still to send or edit, as a POSIX timestamp."""
    async with database.session() as session:
        due = await session.scalar(
            select(func.min(Delivery.due_at)).where(
                or_(
                    Delivery.status == "pending",
                    and_(Delivery.status == "sent", Delivery.edit_revision.is_not(None)),
                )
            )
        )
    return None if due is None else due.timestamp()


async def drive(
    sender: Sender,
    fake: FakeTime,
    database: Database,
    events: Sequence[Event] = (),
    *,
    tick_s: float | None = None,
    until_s: float | None = None,
    rounds: int = 2000,
) -> None:
    """Run the sender like production would, jumping fake time to the next due row, event or
    tick (``tick_s``: the idle poll, for decisions taken while nothing is due), until nothing
    is left and every event has happened, or until fake time reaches ``until_s``."""
    pending = sorted(events, key=lambda e: e[0])
    start = fake.start.timestamp()
    for _ in range(rounds):
        while pending and pending[0][0] <= fake.t:
            pending.pop(0)[1]()
        if until_s is not None and fake.t >= until_s:
            return
        if await sender.run_once():
            continue
        due = await next_due(database)
        targets = [] if due is None else [due - start]
        if pending:
            targets.append(pending[0][0])
        if until_s is not None:
            targets.append(until_s)
        if not targets:
            return
        # An idle sender looks again after idle_poll_s: rows due within it go in one batch.
        target = max(min(targets), fake.t + sender.config.idle_poll_s)
        if tick_s is not None:
            target = min(target, fake.t + tick_s)
        fake.t = max(fake.t, target)
    raise AssertionError(f"no quiet outbox after {rounds} rounds (fake t={fake.t:.0f} s)")


async def enqueue_until(database: Database, article_id: int, fresh_for: timedelta) -> int:
    """Enqueue an article as ingest does: it is news for ``fresh_for`` (freshness_hours)."""
    async with database.session() as session:
        return await deliveries.enqueue_article(
            session, article_id, now=T0, expires_at=T0 + fresh_for
        )
