"""The station's fixture feed stored through the real ingest, for reading tests on both engines."""

from __future__ import annotations

import random

from bot.feeds.fetch import FeedFetcher
from bot.services.ingest import Ingest
from storage.db import Database
from storage.repositories import feeds
from tests.ingest.conftest import NOW
from tests.sandbox import Sandbox


async def load_station(sb: Sandbox, database: Database) -> None:
    """Poll the sandbox station's feed once: its ten items become stored articles."""
    async with database.session() as session:
        (feed,) = await feeds.ensure_feeds(session, [f"{sb.station_url}/feed"], now=NOW)
    fetcher = FeedFetcher(connect_timeout=2, read_timeout=3, total_timeout=5)
    try:
        ingest = Ingest(database, fetcher, interval_s=300, clock=lambda: NOW, rng=random.Random(7))
        outcome = await ingest.poll(feed.id)
    finally:
        await fetcher.close()
    assert (outcome.status, outcome.new) == ("stored", 10)
