"""The one shared backoff: each retrying piece waits the same doubling sequence, capped."""

from __future__ import annotations

import random
from datetime import timedelta

from bot import services  # noqa: F401  (bot.wordpress.relay is imported through the services)
from bot.backoff import exponential
from bot.delivery.outcome import backoff as row_backoff
from bot.feeds.schedule import next_poll_after_failure
from bot.retry import Backoff
from bot.wordpress.relay import backoff as relay_backoff
from storage.models import utcnow


def test_it_doubles_from_the_base_and_stops_at_the_cap() -> None:
    assert [exponential(n, base=1, cap=10) for n in range(1, 7)] == [1, 2, 4, 8, 10, 10]
    assert exponential(0, base=3, cap=100) == 3  # no failure yet counts as the first


def test_an_attempt_count_of_days_does_not_overflow() -> None:
    assert exponential(100_000, base=2, cap=300) == 300


def test_every_retrying_piece_follows_it() -> None:
    delays = Backoff(first_s=1, cap_s=30).delays()
    assert [next(delays) for _ in range(6)] == [1, 2, 4, 8, 16, 30]
    assert [relay_backoff(n) for n in (1, 2, 7, 8, 50)] == [
        timedelta(seconds=30), timedelta(minutes=1), timedelta(minutes=32),
        timedelta(hours=1), timedelta(hours=1),
    ]  # fmt: skip
    # Without jitter (rng 0) the sender's rows wait 2, 4, 8 … seconds, at most 200 s before jitter.
    assert [row_backoff(n, rng=lambda: 0.0) for n in (1, 2, 3, 30_000)] == [2, 4, 8, 200]
    now = utcnow()
    waits = [
        (next_poll_after_failure(now, 60, n, rng=random.Random(1)) - now).total_seconds()
        for n in (1, 2, 3)
    ]
    assert 54 <= waits[0] <= 66 and 108 <= waits[1] <= 132 and 216 <= waits[2] <= 264
