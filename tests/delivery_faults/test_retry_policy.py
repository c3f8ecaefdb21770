"""The retry policy: transient failures retried while the message is news, permanent ones end."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError, TimedOut

from bot.delivery.outcome import (
    BACKOFF_CAP_S,
    MAX_INTERNAL_ATTEMPTS,
    Action,
    Fate,
    backoff,
    internal_error,
    judge,
    patience_after_uncertain,
    retry_or_expire,
)
from bot.delivery.transport import AnswerLost, AnswerTimedOut, Unsent

NOW = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
LOW, HIGH = (lambda: 0.0), (lambda: 0.999999)


def verdict_for(
    error: TelegramError, attempts: int = 1, expires_at: datetime | None = None
) -> tuple[Action, Fate | None, float, str]:
    v = judge(
        error,
        attempts=attempts,
        as_photo=False,
        editing=False,
        now=NOW,
        expires_at=expires_at,
        rng=LOW,
    )
    return v.action, v.fate, v.delay_s, v.reason


def test_backoff_doubles_from_two_seconds_with_up_to_half_again_of_jitter() -> None:
    assert [backoff(n, LOW) for n in range(1, 6)] == [2.0, 4.0, 8.0, 16.0, 32.0]
    assert [round(backoff(n, HIGH), 2) for n in range(1, 4)] == [3.0, 6.0, 12.0]


def test_backoff_never_waits_longer_than_five_minutes() -> None:
    waits = [backoff(n, rng) for n in range(1, 200) for rng in (LOW, HIGH)]
    assert max(waits) <= BACKOFF_CAP_S == 300.0
    # At the cap the jitter still spreads rows over 200-300 s instead of one instant.
    assert backoff(50, LOW) == 200.0 and backoff(50, HIGH) > 299.0


def test_a_75_second_outage_is_far_inside_the_retry_window() -> None:
    """The old policy gave up after ~62 s; a fresh article now outlives hours of outage."""
    expires = NOW + timedelta(hours=24)
    elapsed, attempts = 0.0, 0
    while elapsed < 6 * 3600:  # six hours of 5xx answers
        attempts += 1
        now = NOW + timedelta(seconds=elapsed)
        v = retry_or_expire("500", attempts=attempts, now=now, expires_at=expires, rng=HIGH)
        assert v.action is Action.RETRY, (attempts, elapsed)
        elapsed += v.delay_s
    assert attempts > 70  # ~5 minutes apart once capped


def test_no_expiry_means_retry_for_as_long_as_it_takes() -> None:
    v = retry_or_expire("Bad Gateway", attempts=10_000, now=NOW, expires_at=None, rng=LOW)
    assert v.action is Action.RETRY and v.delay_s == 200.0


def test_a_try_that_would_come_after_expiry_gives_up_with_the_reason() -> None:
    expires = NOW + timedelta(seconds=100)
    fresh = retry_or_expire("Bad Gateway", attempts=5, now=NOW, expires_at=expires, rng=LOW)
    assert fresh.action is Action.RETRY and fresh.delay_s == 32.0
    late = retry_or_expire("Bad Gateway", attempts=7, now=NOW, expires_at=expires, rng=LOW)
    assert late.action is Action.FAIL
    assert late.reason.startswith("no longer news: expired at 2026-11-27 03:01 UTC")
    assert "after 7 attempts" in late.reason and "Bad Gateway" in late.reason


@pytest.mark.parametrize(
    ("error", "fate"),
    [
        (NetworkError("Internal Server Error"), Fate.REFUSED),  # PTB's text for a 500 answer
        (NetworkError("Bad Gateway"), Fate.REFUSED),
        (Unsent("not connected: aiohttp.ClientConnectorError: Cannot connect"), Fate.UNSENT),
        (AnswerTimedOut("no answer in time"), Fate.UNCERTAIN),
        (AnswerLost("answer lost: aiohttp.ServerDisconnectedError"), Fate.UNCERTAIN),
        (TimedOut(), Fate.UNCERTAIN),  # another transport: cannot say when it fired
        (NetworkError("httpx.ReadError: "), Fate.UNCERTAIN),
        (NetworkError("Unknown error in HTTP implementation: KeyError()"), Fate.UNCERTAIN),
    ],
)
def test_transient_errors_are_retried_and_say_whether_they_may_have_arrived(
    error: TelegramError, fate: Fate
) -> None:
    action, got, delay, reason = verdict_for(error, attempts=40)
    assert (action, got) == (Action.RETRY, fate)
    assert 200.0 <= delay <= 300.0
    assert reason.startswith("uncertain: ") == (fate is Fate.UNCERTAIN)


def test_an_expired_transient_failure_ends_failed() -> None:
    action, fate, _, reason = verdict_for(
        AnswerTimedOut("no answer in time"), attempts=3, expires_at=NOW + timedelta(seconds=1)
    )
    assert action is Action.FAIL and fate is Fate.UNCERTAIN
    assert "no longer news" in reason and "uncertain: no answer in time" in reason


@pytest.mark.parametrize(
    ("error", "action"),
    [
        (Forbidden("Forbidden: bot was blocked by the user"), Action.GONE),
        (BadRequest("Bad Request: chat not found"), Action.GONE),
        (BadRequest("Bad Request: message text is empty"), Action.FAIL),
        (BadRequest("Bad Request: can't parse entities: unexpected end tag"), Action.PLAIN_TEXT),
    ],
)
def test_permanent_answers_end_at_the_first_try_even_with_hours_left(
    error: TelegramError, action: Action
) -> None:
    got, fate, _, _ = verdict_for(error, attempts=1, expires_at=NOW + timedelta(hours=24))
    assert (got, fate) == (action, None)


def test_a_bug_in_our_own_code_is_bounded() -> None:
    tries = [internal_error("internal error: boom", attempts=n, rng=LOW) for n in range(1, 8)]
    assert [v.action for v in tries[: MAX_INTERNAL_ATTEMPTS - 1]] == [Action.RETRY] * 5
    assert tries[MAX_INTERNAL_ATTEMPTS - 1].action is Action.FAIL
    assert tries[5].reason == "gave up after 6 attempts: internal error: boom"


def test_each_uncertain_try_doubles_the_next_read_timeout_up_to_two_minutes() -> None:
    waits = [patience_after_uncertain(None, 30.0)]
    for _ in range(4):
        waits.append(patience_after_uncertain(waits[-1], 30.0))
    assert waits == [60.0, 120.0, 120.0, 120.0, 120.0]
    assert patience_after_uncertain(None, None) is None  # no limit stays no limit
    assert patience_after_uncertain(None, 200.0) == 200.0  # a longer setting is kept
