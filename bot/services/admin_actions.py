"""The one place the channel and feed admin services report what an admin did.

``record_action(actor_id, action, target, details)`` is called once per completed admin action
(``AuditAction.CHANNEL_ADD``, ``FEED_REMOVE``…). ``build_services`` passes the audit log's
``Audit.record_action``; the default (for tests of these services alone) only logs.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from storage.enums import AuditAction

log = logging.getLogger(__name__)

# (actor's user id, action name, target such as "channel:-100123" or "feed:4", details)
Recorder = Callable[[int, AuditAction, str | None, str | None], Awaitable[None]]


async def log_action(
    actor_id: int, action: AuditAction, target: str | None, details: str | None
) -> None:
    """The recorder used until the audit log is connected: one log line per action."""
    log.info("admin %s: %s %s %s", actor_id, action, target or "", details or "")
