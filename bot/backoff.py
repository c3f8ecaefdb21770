"""The one capped exponential backoff every retrying piece shares.

The sender's rows, a failing feed, the WordPress relay and the start-up waits all wait
``base, base·factor, base·factor², …`` up to a cap; each adds its own jitter on top (the rows
and feeds spread out after an outage, start-up waits need none). Pure: no clock, no I/O.
"""

from __future__ import annotations

# Past 2**60 every cap we use is long reached; clamping the exponent keeps a row retried for
# days (attempt in the thousands) from overflowing a float.
_MAX_EXPONENT = 60


def exponential(attempt: int, *, base: float, cap: float, factor: float = 2.0) -> float:
    """The wait before try ``attempt + 1`` after ``attempt`` failed ones (the first is ``base``),
    never above ``cap``. Attempts below 1 count as 1."""
    exponent = min(max(attempt, 1) - 1, _MAX_EXPONENT)
    return float(min(base * factor**exponent, cap))
