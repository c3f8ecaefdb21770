"""Quiet hours, decided when a message is sent: silent (``disable_notification``) when the
reader's own clock is inside their quiet hours at that moment, whenever it was queued.

Silence is a send parameter, not part of the message: every recipient still shares one
rendering. The sender loads the windows of a claimed batch's chats in one query
(``storage.repositories.subscribers.quiet_windows``) and asks :func:`is_quiet` per send.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from storage.enums import Audience
from storage.repositories.subscribers import QuietWindow

__all__ = ["QUIETABLE", "QuietWindow", "in_quiet_hours", "is_quiet"]

# Quiet hours silence pushes, broadcasts and digests; a reply or a channel post rings as usual.
QUIETABLE = frozenset({Audience.INSTANT, Audience.BULK})


def in_quiet_hours(minute: int, start: int, end: int) -> bool:
    """Whether local ``minute`` of the day is in [start, end); the range may wrap midnight."""
    if start <= end:
        return start <= minute < end
    return minute >= start or minute < end


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def is_quiet(window: QuietWindow, now: datetime, default_zone: str) -> bool:
    """Whether a push to this reader at ``now`` should arrive without a sound."""
    zone = (_zone(window.timezone) if window.timezone else None) or _zone(default_zone)
    local = now.astimezone(zone)
    return in_quiet_hours(local.hour * 60 + local.minute, window.start, window.end)
