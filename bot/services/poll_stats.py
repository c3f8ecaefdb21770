"""What the ingest counts for ``/metrics``: poll results by feed and the fetch latency
histogram. Counted in memory where the work happens (since the process started), read by a
scrape; Prometheus' ``rate()`` copes with the restart to zero."""

from __future__ import annotations

import bisect
from collections import Counter
from dataclasses import dataclass, field

# Seconds. A healthy 304 from the station's host takes ~20-100 ms; a full feed a few hundred
# ms; the fetcher gives up at its total timeout (30 s), so the last bucket catches hangs.
FETCH_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


@dataclass
class Histogram:
    bounds: tuple[float, ...] = FETCH_BUCKETS
    counts: list[int] = field(default_factory=list)  # per bucket, the last one is +Inf
    total: float = 0.0

    def __post_init__(self) -> None:
        self.counts = self.counts or [0] * (len(self.bounds) + 1)

    def observe(self, value: float) -> None:
        self.counts[bisect.bisect_left(self.bounds, value)] += 1
        self.total += value

    @property
    def count(self) -> int:
        return sum(self.counts)

    def cumulative(self) -> list[tuple[str, int]]:
        """``(le, count of observations <= le)`` pairs as Prometheus wants, ending at +Inf."""
        pairs, running = [], 0
        for bound, n in zip((*map(str, self.bounds), "+Inf"), self.counts, strict=True):
            running += n
            pairs.append((bound, running))
        return pairs


@dataclass
class PollStats:
    results: Counter[tuple[str, str]] = field(default_factory=Counter)  # (feed URL, status)
    fetch_seconds: Histogram = field(default_factory=Histogram)

    def poll_finished(self, url: str, status: str) -> None:
        self.results[(url, status)] += 1
