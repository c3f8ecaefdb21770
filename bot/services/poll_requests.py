"""A request to poll feeds now, as the feed rows' next poll time: the one path for a WordPress
update ping (``Ingest.poll_now``, debounced) and an admin's ``/pollnow`` (no gap).

The request is stored, not held in memory, so it reaches the leader's ingest loop from any
process; the loop reads due feeds every second. The time itself is the pure rule of
``bot.feeds.requested`` (a request never postpones a poll that is due sooner).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.feeds.requested import requested_poll_at
from storage.db import Database
from storage.repositories import feeds


async def request_polls(
    database: Database, now: datetime, feed_ids: Sequence[int] | None, *, min_gap_s: float
) -> list[int]:
    """Move these active feeds' (None: every active feed's) next poll to now, or to
    ``min_gap_s`` after their last poll; returns the ids of the feeds requested."""
    async with database.session() as session:
        if feed_ids is None:
            chosen = await feeds.active_feeds(session)
        else:
            found = [await feeds.get(session, feed_id) for feed_id in dict.fromkeys(feed_ids)]
            chosen = [feed for feed in found if feed is not None and feed.active]
        for feed in chosen:
            feed.next_poll_at = requested_poll_at(
                now, feed.last_polled_at, feed.next_poll_at, min_gap_s
            )
        return [feed.id for feed in chosen]
