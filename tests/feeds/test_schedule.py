"""Poll scheduling, down/recovered alerts and log rate limits, with a fixed clock and
controlled jitter."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from bot.feeds.schedule import (
    RepeatFilter,
    failing_since,
    failure_backoff_cap,
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


def test_failure_backoff_stops_doubling_at_a_quarter_of_the_alert_delay() -> None:
    cap = failure_backoff_cap(300, 1800)
    assert cap == 450
    waits = [wait(next_poll_after_failure(NOW, 300, n, rng=MID, cap_s=cap)) for n in (1, 2, 3, 9)]
    assert waits == [300, 450, 450, 450]
    assert wait(next_poll_after_failure(NOW, 300, 40, rng=HIGH, cap_s=cap)) == pytest.approx(495)
    # The server's own Retry-After is a request, not our backoff: it is still honoured.
    assert wait(next_poll_after_failure(NOW, 300, 2, rng=MID, retry_after=7200, cap_s=cap)) == 7200
    # The cap never makes failed polls more frequent than the configured interval.
    assert failure_backoff_cap(3600, 1800) == 3600
    assert failure_backoff_cap(300, 30 * DAY) == DAY


def test_a_feed_is_down_once_it_has_failed_for_the_alert_delay() -> None:
    since = NOW
    assert not should_alert_down(NOW + timedelta(seconds=1799), since, 1800, alerted=False)
    assert should_alert_down(NOW + timedelta(seconds=1800), since, 1800, alerted=False)
    assert not should_alert_down(NOW + timedelta(days=3), since, 1800, alerted=True)  # once


def test_failing_since_is_the_last_success_or_else_when_the_feed_was_added() -> None:
    added = NOW - timedelta(days=30)
    assert failing_since(NOW, added) == NOW
    assert failing_since(None, added) == added


@pytest.mark.parametrize("interval", [60, 300, 900, 1700])
def test_a_feed_failing_every_poll_is_reported_close_to_the_alert_delay(interval: int) -> None:
    """Simulated on a fake clock: poll whenever due, fail every time, note when admins hear.

    Uncapped doubling at the default interval told them 39.5 hours after the first failure;
    now it is between the alert delay and the delay plus one capped (jittered) wait."""
    alert_after, rng = 1800.0, random.Random(3)
    cap = failure_backoff_cap(interval, alert_after)
    last_success = now = NOW
    failures, alerted_at = 0, None
    while alerted_at is None:
        now += timedelta(seconds=interval) if failures == 0 else timedelta(0)
        failures += 1
        since = failing_since(last_success, NOW)
        if should_alert_down(now, since, alert_after, alerted=False):
            alerted_at = now
        now = next_poll_after_failure(now, interval, failures, rng=rng, cap_s=cap)
    late = (alerted_at - last_success).total_seconds()
    assert alert_after <= late <= alert_after + max(interval, 1.1 * cap)


def test_recovered_alert_only_after_a_down_alert() -> None:
    assert should_alert_recovered(alerted=True)
    assert not should_alert_recovered(alerted=False)  # admins were never told it was down


def test_a_repeated_warning_is_logged_once_an_hour_with_the_count_it_held_back() -> None:
    repeats = RepeatFilter(3600)
    key = (7, "failed", "HTTP 500")
    assert repeats.admit(key, NOW) == 0  # the first one is logged
    held = [repeats.admit(key, NOW + timedelta(minutes=5 * i)) for i in range(1, 12)]
    assert held == [None] * 11  # every 5 minutes for the next hour: quiet
    assert repeats.admit((7, "failed", "HTTP 404"), NOW) == 0  # another reason is news
    assert repeats.admit((8, "failed", "HTTP 500"), NOW) == 0  # and so is another feed
    assert repeats.admit(key, NOW + timedelta(hours=1)) == 11  # logged, with the count
    assert repeats.admit(key, NOW + timedelta(hours=1, minutes=5)) is None


def test_a_recovered_feed_logs_its_next_failure_at_once() -> None:
    repeats = RepeatFilter(3600)
    assert repeats.admit((7, "failed", "HTTP 500"), NOW) == 0
    repeats.forget(7)
    assert repeats.admit((7, "failed", "HTTP 500"), NOW + timedelta(minutes=5)) == 0
