"""When to poll a feed next, and when to tell admins it is down or back. Pure functions.

Decisions:
- The configured interval is a floor. Cache-Control max-age and Retry-After can only make
  the wait longer (we never poll faster than the admin asked, nor sooner than the server
  asked); each is capped at a day so one bad header cannot silence a feed for weeks.
- Jitter after a success is upward only (0..+10%): it spreads feeds that share an interval
  without ever polling before the floor.
- After failures the wait doubles from the interval (interval * 2**(failures-1)), ±10%
  jitter, never below the interval or Retry-After, capped at a day.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

ALERT_AFTER_FAILURES = 10
MAX_DELAY_S = 24 * 60 * 60.0
SUCCESS_JITTER = 0.10
FAILURE_JITTER = 0.10
# 2**17 * 1 s already exceeds a day; a bigger exponent only risks float overflow.
_MAX_EXPONENT = 17


def _server_hint(*hints: float | None) -> float:
    return min(max((h for h in hints if h is not None and h > 0), default=0.0), MAX_DELAY_S)


def next_poll_after_success(
    now: datetime,
    interval_s: float,
    *,
    rng: random.Random,
    max_age: float | None = None,
    retry_after: float | None = None,
) -> datetime:
    base = max(interval_s, _server_hint(max_age, retry_after))
    return now + timedelta(seconds=base * (1.0 + rng.uniform(0.0, SUCCESS_JITTER)))


def next_poll_after_failure(
    now: datetime,
    interval_s: float,
    failures: int,
    *,
    rng: random.Random,
    retry_after: float | None = None,
) -> datetime:
    exponent = min(max(failures, 1) - 1, _MAX_EXPONENT)
    delay = min(interval_s * 2**exponent, MAX_DELAY_S)
    delay *= 1.0 + rng.uniform(-FAILURE_JITTER, FAILURE_JITTER)
    floor = max(interval_s, _server_hint(retry_after))
    return now + timedelta(seconds=max(min(delay, MAX_DELAY_S), floor))


def should_alert_down(failures_before: int, failures_after: int) -> bool:
    """True on the one failure that reaches ALERT_AFTER_FAILURES in a row."""
    return failures_before < ALERT_AFTER_FAILURES <= failures_after


def should_alert_recovered(failures_before: int, alerted: bool) -> bool:
    """On a success: tell admins only if they were told the feed was down."""
    return alerted and failures_before > 0
