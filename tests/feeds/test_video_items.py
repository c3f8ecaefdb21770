"""Which feed items are bulletins: a playable video the push can carry (bot.feeds.media)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.feeds.parse import parse_feed
from tests.feeds.test_parse import FETCHED, VIDEO, item, rss

MP4 = "https://kontumtv.vn/wp-content/uploads/2014/07/thoi-su-04-07-2014.mp4"
LINK = "https://kontumtv.vn/video-clip/thoi-su/ban-tin"


def one(extra: str, *, description: str = "") -> tuple[str | None, int | None]:
    body = f"<description><![CDATA[{description}]]></description>" if description else ""
    parsed = parse_feed(
        rss(item("g1", LINK, "Bản tin", extra + body)),
        fetched_at=datetime(2014, 7, 4, tzinfo=UTC),
    )
    draft = parsed.entries[0]
    return draft.video_url, draft.video_size


def test_the_station_bulletin_has_its_video_and_size(feed_bytes: bytes) -> None:
    drafts = {d.guid: d for d in parse_feed(feed_bytes, fetched_at=FETCHED).entries}
    assert drafts[VIDEO].video_url == MP4
    assert drafts[VIDEO].video_size == 52_428_800  # the enclosure's length
    # Every other item of the station's feed is plain news.
    assert [g for g, d in drafts.items() if d.video_url] == [VIDEO]


def test_enclosure_and_media_content_of_type_video() -> None:
    assert one(f'<enclosure url="{MP4}" length="1048576" type="video/mp4" />') == (MP4, 1048576)
    # WordPress writes length="0" when it does not know: unknown, not zero.
    assert one(f'<enclosure url="{MP4}" length="0" type="video/mp4" />') == (MP4, None)
    assert one(f'<media:content url="{MP4}" type="video/mp4" fileSize="2048" />') == (MP4, 2048)
    assert one(f'<media:content url="{MP4}" medium="video" />') == (MP4, None)


def test_links_that_are_not_playable_files_are_not_videos() -> None:
    # Audio, an HLS playlist, an image: the push stays a text message with its preview.
    assert one('<enclosure url="https://kontumtv.vn/a.mp3" length="9" type="audio/mpeg" />') == (
        None,
        None,
    )
    hls = '<media:content url="https://kontumtv.vn/live/ban-tin.m3u8" type="video/mp4" />'
    assert one(hls) == (None, None)
    assert one('<enclosure url="https://kontumtv.vn/a.jpg" length="9" type="image/jpeg" />') == (
        None,
        None,
    )


def test_the_station_player_iframe_pointing_at_an_mp4() -> None:
    player = f'<p><iframe src="https://kontumtv.vn/player/?l={MP4}" width="640"></iframe></p>'
    assert one("", description=player + "<p>Bản tin tối.</p>") == (MP4, None)
    direct = f"<iframe src='{MP4}'></iframe>"
    assert one("", description=direct) == (MP4, None)
    # The enclosure's size is kept when both are there (the station's bulletins have both).
    both = f'<enclosure url="{MP4}" length="4096" type="video/mp4" />'
    assert one(both, description=player) == (MP4, 4096)


def test_other_sites_embeds_are_links_not_videos() -> None:
    youtube = '<iframe src="https://www.youtube.com/embed/abc123"></iframe>'
    assert one("", description=youtube) == (None, None)
    elsewhere = f'<iframe src="https://player.example.org/?l={MP4}"></iframe>'
    assert one("", description=elsewhere) == (None, None)
    # The station's player naming a file on another host is not the station's file.
    foreign = '<iframe src="https://kontumtv.vn/player/?l=https://cdn.example.org/x.mp4"></iframe>'
    assert one("", description=foreign) == (None, None)
