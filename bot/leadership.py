"""Which process runs the leader-only work (the ingest and the sender).

Today one process runs per database (``storage.lock.InstanceLock`` refuses a second), so every
process leads: ``AlwaysLeader``. Leader election on PostgreSQL (the operations issue) is
another ``Leadership``: ``acquire`` returns when this process won, ``lost`` returns when it
stops leading (its lock connection died), and the runtime stops the leader-only work then.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Protocol


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
