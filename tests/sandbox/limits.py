"""Telegram's flood limits as a checker: per private chat, overall, per group/channel."""

from __future__ import annotations

import math
import time
from collections import deque

from .errors import ApiError
from .models import Limits, Stats


def too_many(retry_after: int) -> ApiError:
    return ApiError(
        429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
    )


class RateLimiter:
    def __init__(self, limits: Limits, stats: Stats) -> None:
        self.limits = limits
        self.stats = stats
        self._chat_interval = 1.0 / limits.per_chat_per_s - limits.jitter
        self._overall_window = 1.0 - limits.jitter
        self._group_window = 60.0 - limits.jitter
        self._last_private: dict[int, float] = {}
        self._overall: deque[float] = deque()
        self._groups: dict[int, deque[float]] = {}

    def check(self, chat_id: int, paid: bool) -> None:
        """Record one message to ``chat_id``; raise 429 when it breaks a limit (enforce mode)."""
        now = time.monotonic()
        limits = self.limits
        overall = self._overall
        cutoff = now - self._overall_window
        while overall and overall[0] <= cutoff:
            overall.popleft()
        cap = limits.paid_overall_per_s if paid else limits.overall_per_s
        wait = 0.0
        if len(overall) >= cap:
            wait = max(wait, overall[0] + self._overall_window - now)
        if chat_id > 0:
            last = self._last_private.get(chat_id)
            if last is not None and now - last < self._chat_interval:
                wait = max(wait, last + self._chat_interval - now)
        else:
            window = self._groups.get(chat_id)
            if window is None:
                window = self._groups[chat_id] = deque()
            group_cutoff = now - self._group_window
            while window and window[0] <= group_cutoff:
                window.popleft()
            if len(window) >= limits.group_per_min:
                wait = max(wait, window[0] + self._group_window - now)
        if wait > 0.0:
            self.stats.violations += 1
            if limits.enforce:
                raise too_many(max(1, math.ceil(wait)))
        overall.append(now)
        if chat_id > 0:
            self._last_private[chat_id] = now
        else:
            self._groups[chat_id].append(now)
