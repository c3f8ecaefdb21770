"""When a requested poll ("poll this feed now": a WordPress update ping) may run. Pure; the
clock is passed in.

Debounce: at most one poll per feed every ``min_gap_s`` (10 s) however many requests come.
A request within the gap is not dropped but moved to the gap's end (a trailing edge): a second
post published 3 s after the first is fetched 7 s later, not at the next regular poll five
minutes on. A request never postpones a poll that is already due sooner.
"""

from __future__ import annotations

from datetime import datetime, timedelta

MIN_GAP_S = 10.0


def requested_poll_at(
    now: datetime,
    last_polled_at: datetime | None,
    next_poll_at: datetime,
    min_gap_s: float = MIN_GAP_S,
) -> datetime:
    """The feed's next poll time once a poll is requested at ``now``.

    A feed already due may be being polled right now, by a fetch that left before the post
    was up: its time is stamped anew (still due), so that poll sees the request when it
    records its own schedule (``after_poll``) and does not overwrite it.
    """
    earliest = now
    if last_polled_at is not None:
        earliest = max(now, last_polled_at + timedelta(seconds=min_gap_s))
    if next_poll_at <= now:
        return earliest
    return min(next_poll_at, earliest)


def after_poll(
    scheduled: datetime,
    due_at: datetime,
    computed: datetime,
    now: datetime,
    min_gap_s: float = MIN_GAP_S,
) -> datetime:
    """The next poll time a finished poll records.

    ``due_at`` is the row's next poll time when the poll started and ``scheduled`` the row's
    value now; when they differ a request came in while the poll ran (its fetch may have left
    before the new post was up), so the request is kept, ``min_gap_s`` after this poll, instead
    of being overwritten by the regular schedule ``computed``.
    """
    if scheduled == due_at:
        return computed
    return min(computed, max(scheduled, now + timedelta(seconds=min_gap_s)))
