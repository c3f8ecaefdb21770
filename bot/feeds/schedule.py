"""When to poll a feed next, when to tell admins it is down or back, and when a repeated
warning is worth another log line. Pure functions; the clock is always passed in.

Decisions:
- The configured interval is a floor. Cache-Control max-age and Retry-After can only make
  the wait longer (we never poll faster than the admin asked, nor sooner than the server
  asked); each is capped at a day so one bad header cannot silence a feed for weeks.
- Jitter after a success is upward only (0..+10%): it spreads feeds that share an interval
  without ever polling before the floor.
- After failures the wait doubles from the interval (interval * 2**(failures-1)), ±10%
  jitter, never below the interval or Retry-After, and never above `failure_backoff_cap`:
  a quarter of the alert delay, so the poll that notices "down for 30 minutes" comes at most
  ~8 minutes late (uncapped doubling put the 10th failure 39.5 h after the first).
- A feed is "down" once it has had no usable answer (an error, or a feed with no usable
  item) for `alert_after` seconds since its last success (or since it was added); admins are
  told once, and told again when it recovers. Time, not a failure count, because backoff
  makes a count mean anything from minutes to days.
"""

from __future__ import annotations

import random
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.backoff import exponential

MAX_DELAY_S = 24 * 60 * 60.0
SUCCESS_JITTER = 0.10
FAILURE_JITTER = 0.10
# The failure backoff stops doubling at this fraction of the alert delay.
BACKOFF_CAP_FRACTION = 0.25


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


def failure_backoff_cap(interval_s: float, alert_after_s: float) -> float:
    """The longest wait between failed polls: a quarter of the alert delay, never below the
    interval, never above a day."""
    return min(max(interval_s, alert_after_s * BACKOFF_CAP_FRACTION), MAX_DELAY_S)


def next_poll_after_failure(
    now: datetime,
    interval_s: float,
    failures: int,
    *,
    rng: random.Random,
    retry_after: float | None = None,
    cap_s: float = MAX_DELAY_S,
) -> datetime:
    cap = min(max(cap_s, interval_s), MAX_DELAY_S)
    delay = exponential(failures, base=interval_s, cap=cap)
    delay *= 1.0 + rng.uniform(-FAILURE_JITTER, FAILURE_JITTER)
    # Retry-After is the server's explicit request, so it may exceed the cap (up to a day).
    floor = max(interval_s, _server_hint(retry_after))
    return now + timedelta(seconds=max(min(delay, MAX_DELAY_S), floor))


def failing_since(last_success_at: datetime | None, created_at: datetime) -> datetime:
    """Since when a feed that is failing now has had no usable answer."""
    return last_success_at if last_success_at is not None else created_at


def should_alert_down(
    now: datetime, since: datetime, alert_after_s: float, *, alerted: bool
) -> bool:
    """On a failed (or unusable) poll: tell admins once the feed has been failing long enough."""
    return not alerted and (now - since).total_seconds() >= alert_after_s


def should_alert_recovered(alerted: bool) -> bool:
    """On a usable answer: tell admins only if they were told the feed was down."""
    return alerted


@dataclass
class _Seen:
    logged_at: datetime
    suppressed: int = 0


class RepeatFilter:
    """Rate-limits one warning per key: the first is logged, repeats within ``every_s`` are
    counted and folded into the next line that is logged. A feed that fails every poll would
    otherwise write the same line 288 times a day at the default interval."""

    def __init__(self, every_s: float) -> None:
        self.every = timedelta(seconds=every_s)
        self._seen: dict[Hashable, _Seen] = {}

    def admit(self, key: Hashable, now: datetime) -> int | None:
        """None: stay quiet. Otherwise log now; the value is how many repeats were held back."""
        seen = self._seen.get(key)
        if seen is None or now - seen.logged_at >= self.every:
            held = seen.suppressed if seen is not None else 0
            self._seen[key] = _Seen(now)
            return held
        seen.suppressed += 1
        return None

    def forget(self, prefix: Hashable) -> None:
        """Drop every key that is a tuple starting with ``prefix`` (a feed that recovered)."""
        for key in [k for k in self._seen if isinstance(k, tuple) and k[:1] == (prefix,)]:
            del self._seen[key]
