"""When a daily digest is due, and which headlines it holds: pure functions of a clock.

A subscriber's digest time is minutes after local midnight in their time zone (``digest_at``,
420 = 07:00). Each local day has one *slot*: that wall time as a UTC instant. A slot is due
once ``now`` reaches it, and stays due for :data:`CATCH_UP` afterwards, so a bot restarted at
06:59:59 (or down for a few hours) still sends the 07:00 digest when it is back, once: the
slot is stored as the subscriber's ``last_digest_at`` in the same transaction that queues it.
A slot older than the catch-up window is skipped; the next one carries its headlines.

The edition holds what the bot stored after the previous slot (``last_digest_at``), at most
:data:`MAX_WINDOW` back, up to and including this slot.

Zones with daylight saving time: a wall time that does not exist on a spring-forward day
(02:30 in Europe/Berlin on the last Sunday of March) is read as the time after the gap
(03:30, PEP 495's ``fold=0``); a wall time that happens twice on a fall-back day is the first
one. Either way there is one slot per local day, and a digest's ``ref`` names the local date,
so a day never gets two.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "CATCH_UP",
    "MAX_WINDOW",
    "Edition",
    "due_edition",
    "first_last",
    "is_made",
    "latest_slot",
    "next_slot",
    "slot_on",
    "window_start",
    "zone_of",
]

# A digest missed by a restart or an outage still goes out if the bot is back within this
# time; later, the day's edition is skipped (a 07:00 digest at 20:00 is no longer a morning
# paper) and its headlines go into the next one.
CATCH_UP = timedelta(hours=12)
# However long ago the last digest was (the bot was down for days), an edition holds at most
# this much news.
MAX_WINDOW = timedelta(hours=48)


def zone_of(name: str | None, default: str) -> ZoneInfo:
    """The subscriber's zone, or the station's (``NEWSBOT_TIMEZONE``) when none or unknown."""
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return ZoneInfo(default)


def slot_on(day: date, minute: int, zone: ZoneInfo) -> datetime:
    """The UTC instant of wall time ``minute`` on local ``day`` (see the module on DST)."""
    local = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=zone)
    # Round-tripping through UTC moves a non-existent wall time forward past the gap.
    return local.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Edition:
    """One day's digest of one digest time: its local date (in the ``ref``) and moment."""

    day: date
    at: datetime  # UTC


def latest_slot(now: datetime, minute: int, zone: ZoneInfo) -> tuple[date, datetime]:
    """The most recent slot at or before ``now``: (local date, UTC instant)."""
    today = now.astimezone(zone).date()
    for day in (today, today - timedelta(days=1), today - timedelta(days=2)):
        at = slot_on(day, minute, zone)
        if at <= now:
            return day, at
    raise AssertionError("a slot exists every day")  # pragma: no cover


def next_slot(now: datetime, minute: int, zone: ZoneInfo) -> datetime:
    """The first slot strictly after ``now`` (UTC)."""
    today = now.astimezone(zone).date()
    for day in (today, today + timedelta(days=1), today + timedelta(days=2)):
        at = slot_on(day, minute, zone)
        if at > now:
            return at
    raise AssertionError("a slot exists every day")  # pragma: no cover


def due_edition(
    now: datetime, minute: int, zone: ZoneInfo, *, catch_up: timedelta = CATCH_UP
) -> Edition | None:
    """The edition of digest time ``minute`` to make at ``now``: the latest slot, unless it
    is older than ``catch_up`` (readers who had it already are told apart by their
    ``last_digest_at``, see :func:`is_made`)."""
    day, at = latest_slot(now, minute, zone)
    return None if now - at > catch_up else Edition(day, at)


def is_made(edition: Edition, last: datetime | None) -> bool:
    """Whether a reader whose last digest was at ``last`` has this edition already."""
    return last is not None and last >= edition.at


def window_start(edition: Edition, last: datetime | None) -> datetime:
    """Headlines stored after this moment go into the reader's edition: their last digest,
    at most :data:`MAX_WINDOW` back; a reader who never had one gets the last day's."""
    if last is None:
        return edition.at - timedelta(days=1)
    return max(last, edition.at - MAX_WINDOW)


def first_last(now: datetime, minute: int, zone: ZoneInfo) -> datetime:
    """The ``last_digest_at`` to store when a reader chooses a digest time at ``now``: the
    latest slot, so today's (already past) is not sent at once and the first edition, at the
    next slot, holds a full day of headlines, shared with every reader of that time."""
    return latest_slot(now, minute, zone)[1]
