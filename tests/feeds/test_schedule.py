"""Poll scheduling and down/recovered alerts, with a fixed clock and controlled jitter."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from bot.feeds.schedule import (
    ALERT_AFTER_FAILURES,
    next_poll_after_failure,
    next_poll_after_success,
    should_alert_down,
    should_alert_recovered,
)

NOW = datetime(2025, 7, 1, 8, 0, tzinfo=UTC)
DAY = 24 * 3600.0


class Jitter(random.Random):
    """uniform(a, b) returns the point `at` of the way from a to b (0 = low end, 1 = high)."""

    def __init__(self, at: float) -> None:
        super().__init__(0)
        self.at = at

    def uniform(self, a: float, b: float) -> float:
        return a + (b - a) * self.at


def wait(when: datetime) -> float:
    return (when - NOW).total_seconds()


LOW, MID, HIGH = Jitter(0.0), Jitter(0.5), Jitter(1.0)


def test_success_waits_the_interval_plus_up_to_ten_percent() -> None:
    assert wait(next_poll_after_success(NOW, 600, rng=LOW)) == 600
    assert wait(next_poll_after_success(NOW, 600, rng=HIGH)) == pytest.approx(660)
    waits = {wait(next_poll_after_success(NOW, 600, rng=random.Random(s))) for s in range(200)}
    assert min(waits) >= 600 and max(waits) <= 660
    assert len(waits) > 100  # feeds with the same interval do not all poll at once


@pytest.mark.parametrize(
    ("max_age", "retry_after", "expected"),
    [
        (60, None, 600),  # a short max-age never makes us poll faster than configured
        (1800, None, 1800),  # a longer one is respected
        (None, 3600, 3600),
        (1800, 3600, 3600),
        (365 * DAY, None, DAY),  # a year-long max-age is capped at a day
        (0, None, 600),
    ],
)
def test_success_server_hints_only_lengthen(
    max_age: float | None, retry_after: float | None, expected: float
) -> None:
    when = next_poll_after_success(NOW, 600, rng=LOW, max_age=max_age, retry_after=retry_after)
    assert wait(when) == pytest.approx(expected)


@pytest.mark.parametrize(("failures", "expected"), [(1, 300), (2, 600), (3, 1200), (5, 4800)])
def test_failure_backoff_doubles_from_the_interval(failures: int, expected: float) -> None:
    assert wait(next_poll_after_failure(NOW, 300, failures, rng=MID)) == pytest.approx(expected)
    spread = wait(next_poll_after_failure(NOW, 300, failures, rng=HIGH))
    assert spread == pytest.approx(expected * 1.1)


def test_failure_backoff_never_below_the_interval_and_capped_at_a_day() -> None:
    assert wait(next_poll_after_failure(NOW, 300, 1, rng=LOW)) == 300  # not 270
    for failures in (12, 40, 10_000):
        assert wait(next_poll_after_failure(NOW, 300, failures, rng=HIGH)) == DAY
    assert wait(next_poll_after_failure(NOW, 300, 40, rng=LOW)) == pytest.approx(0.9 * DAY)


def test_failure_honours_retry_after() -> None:
    assert wait(next_poll_after_failure(NOW, 300, 1, rng=MID, retry_after=7200)) == 7200
    # A shorter Retry-After does not cut the backoff short.
    assert wait(next_poll_after_failure(NOW, 300, 4, rng=MID, retry_after=10)) == 2400


def test_down_alert_fires_once_when_crossing_the_threshold() -> None:
    assert ALERT_AFTER_FAILURES == 10
    fired = [n for n in range(30) if should_alert_down(n, n + 1)]
    assert fired == [9]
    assert should_alert_down(0, 10)  # counted in one jump still crosses
    assert not should_alert_down(10, 10)


def test_recovered_alert_only_after_a_down_alert() -> None:
    assert should_alert_recovered(12, alerted=True)
    assert not should_alert_recovered(12, alerted=False)  # admins were never told it was down
    assert not should_alert_recovered(3, alerted=False)
    assert not should_alert_recovered(0, alerted=True)  # already recovered earlier
