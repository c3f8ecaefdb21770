"""The audit log as a use case: ``audit.record(actor, action, target, details)`` and pages of it.

Every admin action and every attempt the guard refused is one line. Other features audit
through ``record`` (own transaction) or ``record_in`` (inside the transaction of the change
itself, so the line exists exactly when the change does).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import Database
from storage.enums import AuditAction
from storage.models import utcnow
from storage.repositories import audit as repo
from storage.repositories import people

log = logging.getLogger(__name__)

PAGE_SIZE = 10  # lines per /audit page: ten fit one phone screen with their details


@dataclass(frozen=True, slots=True)
class AuditLine:
    id: int
    when: datetime
    actor_id: int | None
    actor_name: str | None  # the name the bot last saw, if it ever saw the person
    action: AuditAction | str  # a string for actions this version does not know
    target: str | None
    details: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class AuditPage:
    lines: tuple[AuditLine, ...]
    page: int  # from 0
    pages: int  # at least 1, even when the log is empty
    total: int

    @property
    def has_previous(self) -> bool:
        return self.page > 0

    @property
    def has_next(self) -> bool:
        return self.page + 1 < self.pages


class Audit:
    """Writes and reads the audit log."""

    def __init__(self, database: Database, *, clock: Callable[[], datetime] = utcnow) -> None:
        self._database = database
        self._clock = clock

    async def record(
        self,
        actor: int | None,
        action: AuditAction,
        target: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        """One line in its own transaction (for actions that change nothing stored, such as a
        refusal, or whose change is elsewhere)."""
        async with self._database.session() as session:
            await self.record_in(session, actor, action, target, details)

    async def record_action(
        self, actor: int, action: AuditAction, target: str | None, details: str | None
    ) -> None:
        """The channel and feed admin services' recorder (``admin_actions.Recorder``)."""
        await self.record(actor, action, target, None if details is None else {"value": details})

    async def record_in(
        self,
        session: AsyncSession,
        actor: int | None,
        action: AuditAction,
        target: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        """One line inside the caller's transaction: it is stored exactly when the change is."""
        await repo.add(
            session, actor_id=actor, action=action.value, target=target,
            details=None if details is None else dict(details), now=self._clock(),
        )  # fmt: skip

    async def page(self, page: int) -> AuditPage:
        """One page of the log, newest first; a page past the end is the last page."""
        async with self._database.session() as session:
            total = await repo.count(session)
            pages = max(1, -(-total // PAGE_SIZE))
            page = min(max(page, 0), pages - 1)
            entries = await repo.newest(session, offset=page * PAGE_SIZE, limit=PAGE_SIZE)
            actors = {e.actor_id for e in entries if e.actor_id is not None}
            known = await people.by_ids(session, actors)
        lines = tuple(
            AuditLine(
                id=entry.id,
                when=entry.created_at,
                actor_id=entry.actor_id,
                actor_name=known[entry.actor_id].full_name if entry.actor_id in known else None,
                action=_action(entry.action),
                target=entry.target,
                details=_details(entry.details),
            )
            for entry in entries
        )
        return AuditPage(lines, page, pages, total)


def _action(stored: str) -> AuditAction | str:
    try:
        return AuditAction(stored)
    except ValueError:
        return stored


def _details(stored: str | None) -> Mapping[str, Any]:
    if not stored:
        return {}
    try:
        loaded = json.loads(stored)
    except ValueError:
        log.info("audit details that are not JSON: %r", stored[:80])
        return {}
    return loaded if isinstance(loaded, dict) else {}
