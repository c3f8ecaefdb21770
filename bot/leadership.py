"""Which process runs the leader-only work (the ingest and the sender).

On SQLite one process runs per database file (``storage.lock.InstanceLock`` refuses a second),
so it always leads: ``AlwaysLeader``. On PostgreSQL any number of processes may run: the one
holding an advisory lock leads (``PostgresLeadership``); ``acquire`` returns when this process
won, ``lost`` returns when it stops leading (its lock connection died), and the runtime stops
the leader-only work then. Standbys answer users (webhook updates) and keep trying.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from storage.db import first_line
from storage.lock import AdvisoryLock

log = logging.getLogger(__name__)


class Leadership(Protocol):
    async def acquire(self) -> None:
        """Return once this process leads (wait as a standby until then)."""
        ...

    async def lost(self) -> None:
        """Return when this process no longer leads."""
        ...

    async def release(self) -> None:
        """Step down at a clean stop, so a standby takes over at once."""
        ...


class AlwaysLeader:
    """The single-process policy: lead from the start, never lose it."""

    def __init__(self) -> None:
        self._forever = asyncio.Event()

    async def acquire(self) -> None:
        return None

    async def lost(self) -> None:
        await self._forever.wait()

    async def release(self) -> None:
        return None


@dataclass
class LeaderState:
    """Whether this process leads right now (the runtime sets it; /healthz and /metrics read it)."""

    leading: bool = False


# A standby tries for the lock this often: a SIGKILLed leader's lock is free at once, so a
# standby leads within this (plus its start of the ingest and the sender); the issue asks
# for 30 s at most.
STANDBY_RETRY_S = 2.0
# The leader checks its lock connection this often. A leader cut off from the database stops
# sending within this; its leases keep a successor off its rows meanwhile.
CHECK_S = 5.0
CHECK_TIMEOUT_S = 5.0


class PostgresLeadership:
    """Leader election on PostgreSQL: whoever holds the advisory lock leads."""

    def __init__(
        self,
        lock: AdvisoryLock,
        *,
        retry_s: float = STANDBY_RETRY_S,
        check_s: float = CHECK_S,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.lock = lock
        self.retry_s = retry_s
        self.check_s = check_s
        self.sleep = sleep

    async def acquire(self) -> None:
        announced = False
        while True:
            try:
                if await self.lock.try_acquire():
                    log.info("this process is the leader: it polls the feeds and sends")
                    return
            except Exception as error:  # the database is away: a standby waits for it
                log.warning("leader election: database unreachable (%s)", first_line(error))
            else:
                if not announced:
                    log.info("another process leads: standing by (answering users only)")
                    announced = True
            await self.sleep(self.retry_s)

    async def lost(self) -> None:
        while True:
            await self.sleep(self.check_s)
            try:
                async with asyncio.timeout(CHECK_TIMEOUT_S):
                    alive = await self.lock.alive()
            except TimeoutError:
                log.warning("leader lock: no answer within %g s", CHECK_TIMEOUT_S)
                await self.lock.abandon()
                alive = False
            if not alive:
                return

    async def release(self) -> None:
        await self.lock.release()
