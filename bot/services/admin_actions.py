"""The one place the channel and feed admin services report what an admin did.

``record_action(actor_id, action, target, details)`` is called once per completed admin action
(``channel.add``, ``feed.remove``…). Until the audit log service is wired in by the composition
root (``build_services`` passes its recorder to ``ChannelAdmin`` and ``FeedAdmin``), actions
are logged only.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

# (actor's user id, action name, target such as "channel:-100123" or "feed:4", details)
Recorder = Callable[[int, str, str | None, str | None], Awaitable[None]]


async def log_action(actor_id: int, action: str, target: str | None, details: str | None) -> None:
    """The recorder used until the audit log is connected: one log line per action."""
    log.info("admin %s: %s %s %s", actor_id, action, target or "", details or "")
