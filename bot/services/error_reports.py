"""Which unhandled errors are worth a message to the admin chat: a rate limit per error type.

A bug that fails every update would otherwise send one report per update: at 30 updates a
second the admin chat drowns and Telegram throttles the bot. One report per error type per
window (10 minutes), at most ``per_window`` reports of any types per window, and the next
report of a type says how many were left out. The full trace is always in the log.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

WINDOW_S = 600.0  # the same error type at most once per 10 minutes
PER_WINDOW = 5  # reports of all types together per window


class ErrorReports:
    """The rate limit, on an injected monotonic clock."""

    def __init__(
        self,
        *,
        window_s: float = WINDOW_S,
        per_window: int = PER_WINDOW,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._window_s = window_s
        self._per_window = per_window
        self._clock = clock
        self._last: dict[str, float] = {}
        self._left_out: dict[str, int] = {}
        self._recent: deque[float] = deque()

    def admit(self, kind: str) -> int | None:
        """None to stay silent; else report now, saying how many of ``kind`` were left out."""
        now = self._clock()
        while self._recent and now - self._recent[0] >= self._window_s:
            self._recent.popleft()
        last = self._last.get(kind)
        if (last is not None and now - last < self._window_s) or len(
            self._recent
        ) >= self._per_window:
            self._left_out[kind] = self._left_out.get(kind, 0) + 1
            return None
        self._last[kind] = now
        self._recent.append(now)
        return self._left_out.pop(kind, 0)
