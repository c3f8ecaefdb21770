"""Pacing for Telegram's limits: overall rate, per chat, per group, and 429 back-offs.

Limits honoured together (see ../shared/telegram/README.md):

* overall: at most ``rate`` sends in any window of ``1 s + jitter``. Measured at the server the
  window is 1 s, but requests reach it with a little scheduling/network jitter; counting over
  a slightly longer window keeps any server-side 1 s window within ``rate`` as long as the
  jitter spread stays below ``jitter`` (default 30 ms), at a cost of ~3 % throughput;
* bulk (broadcast) sends are also paced one per ``(1 s + jitter) / rate`` so they never burst;
* interactive replies (``priority=True``) may use the full rate. Bulk may use it too while no
  reply is waiting (so a broadcast alone still reaches ~97 % of the limit), but as soon as a
  reply is refused for lack of overall capacity, bulk is capped at ``rate - headroom`` until
  the reply's retry time has passed: the slot that frees next goes to the reply, which waits
  about one pacing interval at worst and is never starved by a broadcast;
* private chats (positive id): at least ``1 s + jitter`` between sends;
* groups and channels (negative id): the same gap, plus at most 20 sends per ``60 s + jitter``;
* ``block_chat`` (429 with ``retry_after`` for one chat) and ``pause_all`` (429 without chat
  context) stop sends until the given time.

The core is non-blocking: :meth:`RateLimiter.reserve` either books a send now (returns 0) or
says how long to wait (booking nothing), so a scheduler can skip a chat that is not ready and
send to another one instead of blocking the whole queue behind it (:meth:`next_ready` and
:meth:`global_wait` split the two kinds of constraint). :meth:`acquire` is the simple blocking
form. Per-chat state lives only as long as it can still delay a send, so 100,000 distinct
chats cost memory proportional to the chats sent to in the last minute, not to all of them.
"""

from __future__ import annotations

import asyncio
import heapq
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

# Waits shorter than this are float noise from adding and subtracting the same intervals.
_EPSILON = 1e-9
_NEVER = float("-inf")


class RateLimiter:
    """Non-blocking pacing for one bot token. Not thread-safe: use it from one event loop."""

    def __init__(
        self,
        rate: int = 30,
        *,
        headroom: int | None = None,
        jitter: float = 0.03,
        catch_up: float = 0.005,
        chat_interval: float = 1.0,
        group_limit: int = 20,
        group_window: float = 60.0,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if rate < 1:
            raise ValueError("rate must be at least 1 message per second")
        if jitter < 0 or catch_up < 0:
            raise ValueError("jitter and catch_up must not be negative")
        if headroom is None:
            headroom = max(1, round(rate * 0.1))
        self.rate = rate
        # With rate == 1 there is nothing to hold back: bulk keeps its only slot.
        self.headroom = max(0, min(headroom, rate - 1))
        self.window = 1.0 + jitter
        self.chat_gap = chat_interval + jitter
        self.group_limit = group_limit
        self.group_window = group_window + jitter
        self._interval = self.window / rate
        # A bulk send may go up to `catch_up` seconds ahead of its pacing slot: a sender that
        # wakes a little late then catches up on the next send instead of losing throughput
        # for good. Kept small (not a fraction of the interval) because, when replies keep
        # the window full, every early send shortens a gap that later windows copy.
        self._tolerance = catch_up
        self._clock = clock
        self._sleep = sleep

        self._sent: deque[float] = deque(maxlen=rate)  # booking times of the last `rate` sends
        self._bulk_tat = _NEVER  # theoretical arrival time of the next bulk send (GCRA)
        self._priority_hold_until = _NEVER  # bulk yields the headroom until then
        self._paused_until = _NEVER
        # Insertion-ordered by last send time (the clock is monotonic), so pruning only ever
        # looks at the front.
        self._private: OrderedDict[int, float] = OrderedDict()
        self._groups: OrderedDict[int, deque[float]] = OrderedDict()
        self._blocked: dict[int, float] = {}
        self._blocked_heap: list[tuple[float, int]] = []  # lazy: stale entries are skipped

    # ----------------------------------------------------------------- queries (book nothing)

    def global_wait(self, *, priority: bool = False, now: float | None = None) -> float:
        """Seconds until the overall limits allow one more send of this class (0 = now)."""
        now = self._now(now)
        wait = self._paused_until - now
        sent, rate = self._sent, self.rate
        full = sent[-rate] + self.window - now if len(sent) >= rate else 0.0
        if not priority:
            wait = max(wait, self._bulk_tat - self._tolerance - now)
            hold = self._priority_hold_until - now
            cap = rate - self.headroom
            if hold > 0 and len(sent) >= cap:
                # Held back for a reply: wait for a slot under the reduced cap, but no longer
                # than the hold lasts (then the full rate applies again): sleeping out the
                # reduced-cap wait after the reply went would leave ~headroom slots unused.
                full = max(full, min(sent[-cap] + self.window - now, hold))
        wait = max(wait, full)
        return wait if wait > _EPSILON else 0.0

    def next_ready(self, chat_id: int, *, now: float | None = None) -> float:
        """Earliest clock time this chat's own limits allow a send (ignores the overall rate)."""
        now = self._now(now)
        ready = max(now, self._blocked.get(chat_id, _NEVER))
        if chat_id < 0:
            sends = self._groups.get(chat_id)
            if sends:
                ready = max(ready, sends[-1] + self.chat_gap)
                if len(sends) >= self.group_limit:
                    ready = max(ready, sends[-self.group_limit] + self.group_window)
        else:
            ready = max(ready, self._private.get(chat_id, _NEVER) + self.chat_gap)
        return ready

    def chat_wait(self, chat_id: int, *, now: float | None = None) -> float:
        """Seconds until this chat's own limits allow a send (0 = now)."""
        now = self._now(now)
        wait = self.next_ready(chat_id, now=now) - now
        return wait if wait > _EPSILON else 0.0

    @property
    def tracked_chats(self) -> int:
        """Chats with live state (recent sends or a block); bounded by recent traffic."""
        return len(self._private) + len(self._groups) + len(self._blocked)

    # ------------------------------------------------------------------------------ booking

    def reserve(self, chat_id: int, *, priority: bool = False, now: float | None = None) -> float:
        """Book a send to ``chat_id`` now and return 0, or return the seconds to wait.

        When the answer is positive nothing is booked; ask again after (at least) that long.
        """
        now = self._now(now)
        self._prune(now)
        global_wait = self.global_wait(priority=priority, now=now)
        chat_wait = self.chat_wait(chat_id, now=now)
        if priority and global_wait > 0 and chat_wait <= global_wait:
            # Keep bulk off the slots that free up before this reply comes back for one
            # (plus an interval in case its wake-up is late). Only a reply refused for overall
            # capacity holds bulk back: one waiting for its own chat would stall it for nothing.
            hold = now + global_wait + self._interval
            self._priority_hold_until = max(self._priority_hold_until, hold)
        wait = max(chat_wait, global_wait)
        if wait > 0:
            return wait
        self._sent.append(now)
        if priority:
            # Release bulk at once: holding it longer would leave a gap in the schedule that
            # later sends inherit. Another waiting reply re-arms the hold on its next refusal.
            self._priority_hold_until = _NEVER
        else:
            self._bulk_tat = max(self._bulk_tat, now) + self._interval
        if chat_id < 0:
            sends = self._groups.pop(chat_id, None)
            if sends is None:
                sends = deque(maxlen=self.group_limit)
            sends.append(now)
            self._groups[chat_id] = sends
        else:
            self._private.pop(chat_id, None)
            self._private[chat_id] = now
        return 0.0

    async def acquire(self, chat_id: int, *, priority: bool = False) -> None:
        """Wait (with the injected sleep) until a send to ``chat_id`` is booked."""
        while True:
            wait = self.reserve(chat_id, priority=priority)
            if wait <= 0:
                return
            await self._sleep(wait)

    def block_chat(self, chat_id: int, retry_after: float, *, now: float | None = None) -> None:
        """A 429 for this chat: no sends to it for ``retry_after`` seconds; others unaffected."""
        until = self._now(now) + retry_after
        if until > self._blocked.get(chat_id, _NEVER):
            self._blocked[chat_id] = until
            heapq.heappush(self._blocked_heap, (until, chat_id))

    def pause_all(self, retry_after: float, *, now: float | None = None) -> None:
        """A 429 without chat context: nothing at all is sent for ``retry_after`` seconds."""
        self._paused_until = max(self._paused_until, self._now(now) + retry_after)

    # ---------------------------------------------------------------------------- internals

    def _now(self, now: float | None) -> float:
        return self._clock() if now is None else now

    def _prune(self, now: float) -> None:
        private, groups = self._private, self._groups
        horizon = now - self.chat_gap
        while private:
            chat_id, last = next(iter(private.items()))
            if last > horizon:
                break
            del private[chat_id]
        horizon = now - self.group_window
        while groups:
            chat_id, sends = next(iter(groups.items()))
            if sends[-1] > horizon:
                break
            del groups[chat_id]
        heap = self._blocked_heap
        while heap and heap[0][0] <= now:
            until, chat_id = heapq.heappop(heap)
            if self._blocked.get(chat_id) == until:  # not superseded by a longer block
                del self._blocked[chat_id]
