"""RateLimiter on a simulated clock: no test sleeps for real."""

from __future__ import annotations

import heapq
import itertools
import random
from bisect import bisect_right

import pytest

from bot.delivery.limiter import RateLimiter

RATE = 30


def max_in_window(times: list[float], width: float) -> int:
    """Largest number of events in any closed window [t, t + width]."""
    ordered = sorted(times)
    return max(
        (bisect_right(ordered, t + width) - i for i, t in enumerate(ordered)),
        default=0,
    )


def fan_out(
    limiter: RateLimiter, chats: list[int], until: float, *, late: float = 0.0, seed: int = 1
) -> list[tuple[float, int]]:
    """A scheduler like the sender's: every chat always has more to send.

    Skips chats that are not ready (no head-of-line blocking) and, when the overall limit is
    the obstacle, advances the clock by the wait it was told, waking up to ``late`` seconds
    late as a busy event loop would.
    """
    rng = random.Random(seed)
    ready = [(0.0, chat) for chat in chats]
    heapq.heapify(ready)
    sent: list[tuple[float, int]] = []
    now = 0.0
    while now < until:
        at, chat = ready[0]
        now = max(now, at)
        wait = limiter.reserve(chat, now=now)
        if wait == 0:
            sent.append((now, chat))
            heapq.heapreplace(ready, (now, chat))  # it has another message queued
        elif limiter.chat_wait(chat, now=now) > 0:
            heapq.heapreplace(ready, (limiter.next_ready(chat, now=now), chat))
        else:
            now += wait + rng.uniform(0, late)
    return [(t, c) for t, c in sent if t < until]


def per_chat_gaps(sent: list[tuple[float, int]]) -> dict[int, list[float]]:
    last: dict[int, float] = {}
    gaps: dict[int, list[float]] = {}
    for t, chat in sent:
        if chat in last:
            gaps.setdefault(chat, []).append(t - last[chat])
        last[chat] = t
    return gaps


@pytest.mark.parametrize("late", [0.0, 0.004])
def test_overall_rate_holds_in_every_window_over_a_minute_with_3000_chats(late: float) -> None:
    limiter = RateLimiter(RATE)
    sent = fan_out(limiter, list(range(1, 3001)), until=60.0, late=late)
    times = [t for t, _ in sent]

    assert max_in_window(times, 1.0) <= RATE
    # What the server sees: each request arrives 0-25 ms after it was booked.
    rng = random.Random(7)
    arrivals = [t + rng.uniform(0.0, 0.025) for t in times]
    assert max_in_window(arrivals, 1.0) <= RATE
    # ...and the pacing still delivers at least 95 % of the limit, without bursts.
    assert len(times) >= 0.95 * RATE * 60
    assert min(b - a for a, b in itertools.pairwise(times)) > 0.3 / RATE


def test_fewer_chats_than_rate_are_held_to_one_per_second_each() -> None:
    limiter = RateLimiter(RATE)
    chats = list(range(1, 11))
    sent = fan_out(limiter, chats, until=20.0)

    gaps = per_chat_gaps(sent)
    assert set(gaps) == set(chats)
    assert min(min(g) for g in gaps.values()) >= 1.0
    # Each chat still gets close to its 1 msg/s.
    assert len(sent) >= 10 * 19


def test_private_chat_waits_one_second_plus_margin() -> None:
    limiter = RateLimiter(RATE)
    assert limiter.reserve(5, now=100.0) == 0
    assert limiter.reserve(5, now=100.5) == pytest.approx(0.53)
    assert limiter.reserve(5, now=101.0) > 0
    assert limiter.reserve(6, now=100.5) == 0  # another chat is not held up
    assert limiter.reserve(5, now=101.03) == 0


def test_a_refused_reservation_books_nothing() -> None:
    limiter = RateLimiter(1)
    assert limiter.reserve(1, now=0.0) == 0
    assert limiter.reserve(1, now=0.5) > 0
    assert limiter.reserve(2, now=0.5) > 0
    # Had either refusal been booked, chat 1 or the overall window would still be busy.
    assert limiter.reserve(1, now=1.03) == 0


def test_group_gets_at_most_20_per_minute() -> None:
    limiter = RateLimiter(RATE)
    group = -100_123
    sent = fan_out(limiter, [group], until=300.0)
    times = [t for t, _ in sent]

    assert max_in_window(times, 60.0) <= 20
    assert min(b - a for a, b in itertools.pairwise(times)) >= 1.0
    assert len(times) >= 5 * 20  # the budget is used, not wasted
    # The 21st send waits for the first to leave the 60 s window.
    assert times[20] == pytest.approx(times[0] + 60.03)


def test_priority_gets_through_while_bulk_is_saturated() -> None:
    limiter = RateLimiter(RATE)
    interval = limiter.window / RATE
    bulk_times: list[float] = []
    latencies: list[float] = []
    next_bulk_chat = 1
    pending_reply: float | None = None  # arrival time of the reply waiting to go
    step = 0.001
    for tick in range(20_000):  # 20 simulated seconds in 1 ms steps
        now = tick * step
        # Bulk is offered every slot first, the most hostile order for replies.
        while limiter.reserve(next_bulk_chat, now=now) == 0:
            bulk_times.append(now)
            next_bulk_chat += 1
        if pending_reply is None and tick % 250 == 0:
            pending_reply = now
        user = 10**9 + len(latencies)  # each reply goes to a different user
        if pending_reply is not None and limiter.reserve(user, priority=True, now=now) == 0:
            latencies.append(now - pending_reply)
            bulk_times.append(now)
            pending_reply = None

    assert len(latencies) == 80
    # One pacing interval until a slot frees, plus the drift early bulk sends may build up.
    assert max(latencies) <= interval + (RATE - 1) * 0.005 + step
    assert sorted(latencies)[len(latencies) // 2] <= interval + step
    assert max_in_window(bulk_times, 1.0) <= RATE
    assert len(bulk_times) >= 0.95 * RATE * 20


def test_bulk_uses_the_headroom_when_no_reply_is_waiting() -> None:
    limiter = RateLimiter(RATE)
    sent = fan_out(limiter, list(range(1, 2001)), until=10.0)
    assert len(sent) > (RATE - limiter.headroom) * 10


def test_bulk_yields_the_headroom_to_a_flood_of_replies() -> None:
    limiter = RateLimiter(RATE)
    bulk: list[float] = []
    replies: list[float] = []
    for tick in range(10_000):
        now = tick * 0.001
        while limiter.reserve(len(bulk) + 1, now=now) == 0:
            bulk.append(now)
        # A new user asks every millisecond: replies always want more than there is.
        if limiter.reserve(-(tick + 1), priority=True, now=now) == 0:
            replies.append(now)
    assert max_in_window(bulk + replies, 1.0) <= RATE
    assert len(replies) >= limiter.headroom * 9
    assert len(bulk) + len(replies) >= 0.95 * RATE * 10


def saturate(limiter: RateLimiter, until: float) -> float:
    """Book bulk sends back to back (as the sender would) until ``until``; returns the clock."""
    now, chat = 0.0, 1
    while True:
        wait = limiter.reserve(chat, now=now)
        if wait == 0:
            chat += 1
        elif now >= until:
            return now  # bulk was just refused: the window is as full as pacing makes it
        else:
            now += wait


def test_a_reply_waiting_for_its_own_chat_does_not_hold_bulk_back() -> None:
    limiter = RateLimiter(RATE)
    user = 10**9
    assert limiter.reserve(user, priority=True, now=0.0) == 0  # the user's previous reply
    now = saturate(limiter, 0.5)
    # The user asks again at once: the reply waits ~0.5 s for its chat, not for capacity.
    assert limiter.reserve(user, priority=True, now=now) > 0.4
    assert limiter.global_wait(now=now) <= limiter.window / RATE


def test_bulk_held_for_a_reply_waits_no_longer_than_the_hold() -> None:
    limiter = RateLimiter(RATE)
    now = saturate(limiter, 3.0)
    interval = limiter.window / RATE
    assert limiter.reserve(10**9, priority=True, now=now) > 0  # refused for capacity: hold
    # Under the reduced cap bulk would wait ~headroom intervals; it is told to ask again
    # when the hold ends (the reply's wait plus one interval).
    assert limiter.global_wait(now=now) <= 2 * interval + 1e-9


def test_retry_after_blocks_only_that_chat() -> None:
    limiter = RateLimiter(RATE)
    limiter.block_chat(7, 5.0, now=10.0)
    assert limiter.reserve(7, now=11.0) == pytest.approx(4.0)
    assert limiter.reserve(8, now=11.0) == 0
    assert limiter.reserve(-9, now=11.1) == 0
    limiter.block_chat(7, 1.0, now=11.2)  # a shorter block never shortens the longer one
    assert limiter.reserve(7, now=13.0) == pytest.approx(2.0)
    assert limiter.reserve(7, now=15.0) == 0


def test_global_pause_stops_everything_including_priority() -> None:
    limiter = RateLimiter(RATE)
    limiter.pause_all(3.0, now=0.0)
    assert limiter.reserve(1, now=1.0) == pytest.approx(2.0)
    assert limiter.reserve(2, priority=True, now=1.0) == pytest.approx(2.0)
    assert limiter.reserve(1, now=3.0) == 0


def test_per_chat_state_is_pruned_for_100k_chats() -> None:
    limiter = RateLimiter(RATE)
    now = 0.0
    peak = 0
    chat = 1
    while chat <= 100_000:
        chat_id = -chat if chat % 10 == 0 else chat  # a tenth are groups/channels
        wait = limiter.reserve(chat_id, now=now)
        if wait:
            now += wait
            continue
        chat += 1
        peak = max(peak, limiter.tracked_chats)
    # Private chats are kept ~1 s, groups 60 s: a few hundred entries, not 100,000.
    assert peak < 0.1 * RATE * 61 + RATE * 1.1 + 10
    for blocked in range(1, 1001):
        limiter.block_chat(blocked, 1.0, now=now)
    assert limiter.tracked_chats >= 1000
    assert limiter.reserve(123_456_789, now=now + 61.0) == 0
    assert limiter.tracked_chats == 1


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


async def test_acquire_waits_with_the_injected_sleep() -> None:
    fake = FakeTime()
    limiter = RateLimiter(RATE, clock=fake.clock, sleep=fake.sleep)
    await limiter.acquire(1)
    assert fake.sleeps == []
    await limiter.acquire(1)
    assert fake.now == pytest.approx(1.03)
    limiter.block_chat(2, 10.0)
    await limiter.acquire(2, priority=True)
    assert fake.now == pytest.approx(11.03)


def test_parameters_are_validated() -> None:
    with pytest.raises(ValueError):
        RateLimiter(0)
    with pytest.raises(ValueError):
        RateLimiter(30, jitter=-0.1)
    assert RateLimiter(1).headroom == 0  # the only slot stays usable by bulk
    assert RateLimiter(1000).headroom == 100
