"""What ``/healthz`` and ``/metrics`` report: one snapshot gathered from the database and the
running loops, and the pure rule that calls it healthy or not."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.services.poll_stats import PollStats
from storage.db import Database, first_line
from storage.enums import CommentStatus, DeliveryStatus
from storage.repositories import ops
from storage.repositories.ops import Backlog, FeedState

# A health check must answer before the prober gives up (Docker's default timeout is 30 s,
# Kubernetes' 1 s): a database that does not answer in 2 s counts as unreachable.
DATABASE_TIMEOUT_S = 2.0


@dataclass
class Snapshot:
    """Everything one request reports, taken at ``now``."""

    now: datetime
    started_at: datetime
    leading: bool
    database_error: str | None = None  # None: the database answered
    backlog: Backlog | None = None
    feeds: list[FeedState] = field(default_factory=list)
    deliveries: Mapping[DeliveryStatus, int] = field(default_factory=dict)
    comments: Mapping[CommentStatus, int] = field(default_factory=dict)
    sender_stats: Mapping[str, int] = field(default_factory=dict)
    updates_received: int = 0
    updates_skipped: int = 0
    polls: PollStats | None = None  # this process's ingest (None: not wired)
    pings: tuple[int, int] = (0, 0)  # update pings (accepted, refused)

    @property
    def last_poll_at(self) -> datetime | None:
        """The most recent successful poll of any feed."""
        times = [f.last_success_at for f in self.feeds if f.last_success_at is not None]
        return max(times) if times else None

    @property
    def poll_age_s(self) -> float | None:
        last = self.last_poll_at
        return None if last is None else max(0.0, (self.now - last).total_seconds())

    @property
    def oldest_due_age_s(self) -> float:
        oldest = self.backlog.oldest_due_at if self.backlog else None
        return 0.0 if oldest is None else max(0.0, (self.now - oldest).total_seconds())


@dataclass(frozen=True, slots=True)
class Health:
    healthy: bool
    problems: list[str]


def judge(snapshot: Snapshot, stale_after_s: float) -> Health:
    """Healthy unless the database is unreachable or no poll succeeded for ``stale_after_s``.

    A bot that has never polled successfully is given ``stale_after_s`` from its start (a
    fresh install, a feed that is down at boot) before it is called stale.
    """
    problems: list[str] = []
    if snapshot.database_error is not None:
        problems.append(f"database unreachable: {snapshot.database_error}")
    elif snapshot.feeds:
        age = snapshot.poll_age_s
        if age is None:
            age = (snapshot.now - snapshot.started_at).total_seconds()
        if age > stale_after_s:
            problems.append(f"no successful poll for {age:.0f} s (limit {stale_after_s:.0f} s)")
    return Health(not problems, problems)


def health_body(snapshot: Snapshot, health: Health) -> dict[str, object]:
    """The JSON of ``/healthz``."""
    backlog = snapshot.backlog
    return {
        "status": "ok" if health.healthy else "unhealthy",
        "problems": health.problems,
        "database": "reachable" if snapshot.database_error is None else "unreachable",
        "role": "leader" if snapshot.leading else "standby",
        "last_poll_age_s": _rounded(snapshot.poll_age_s),
        "outbox": None
        if backlog is None
        else {
            "waiting": backlog.waiting,
            "due": backlog.due,
            "oldest_due_age_s": round(snapshot.oldest_due_age_s, 1),
        },
    }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


@dataclass
class StatusSources:
    """Where a snapshot's numbers come from (built by the composition root, read per request)."""

    database: Database
    leading: Callable[[], bool]
    sender_stats: Callable[[], Mapping[str, int]]
    updates: Callable[[], tuple[int, int]]  # (received, skipped) by the update source
    polls: Callable[[], PollStats | None] = lambda: None
    pings: Callable[[], tuple[int, int]] = lambda: (0, 0)
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    async def snapshot(self) -> Snapshot:
        now = self.clock()
        received, skipped = self.updates()
        snap = Snapshot(
            now=now,
            started_at=self.started_at,
            leading=self.leading(),
            sender_stats=dict(self.sender_stats()),
            updates_received=received,
            updates_skipped=skipped,
            polls=self.polls(),
            pings=self.pings(),
        )
        try:
            async with asyncio.timeout(DATABASE_TIMEOUT_S), self.database.session() as session:
                snap.backlog = await ops.backlog(session, now)
                snap.feeds = await ops.feed_states(session)
                snap.deliveries = await ops.delivery_counts(session)
                snap.comments = await ops.comment_counts(session)
        except Exception as error:  # any failure to read is "unreachable" for the prober
            snap.database_error = first_line(error) or type(error).__name__
        return snap
