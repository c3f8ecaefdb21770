"""A bulletin's video is stored with its article: the URL, and its size when the feed says."""

from __future__ import annotations

from bot.services.ingest import Ingest
from storage.db import Database
from tests.ingest.conftest import all_articles

BULLETIN = "Bản tin Thời sự tối 04/7/2014"
MP4 = "https://kontumtv.vn/wp-content/uploads/2014/07/thoi-su-04-07-2014.mp4"


async def test_the_station_bulletin_is_stored_with_its_video_and_size(
    database: Database, poller: Ingest, feed_id: int
) -> None:
    await poller.poll(feed_id)
    stored = {a.title: a for a in await all_articles(database)}
    bulletin = stored[BULLETIN]
    assert (bulletin.video_url, bulletin.video_size) == (MP4, 52_428_800)
    assert [a.title for a in stored.values() if a.video_url] == [BULLETIN]
