"""`newsbot feed preview`: the fixture feed as JSON and as text, from a file or a URL."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from aiohttp import web

from bot.feeds.errors import FeedHttpError, FeedSourceError, NotAFeed
from bot.feeds.fetch import FeedFetcher
from bot.feeds.preview import preview, preview_json, preview_text
from tests.feeds.conftest import PREVIEW_KEYS, STATION, Serve

FEED = str(STATION / "kontumtv-feed.xml")


async def test_json_of_the_station_feed() -> None:
    raw = preview_json(await preview(FEED))
    items = json.loads(raw)

    assert isinstance(items, list) and len(items) == 10
    assert all(set(item) == PREVIEW_KEYS for item in items)
    published = [item["published"] for item in items]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", p) for p in published)
    assert published == sorted(published, reverse=True)  # newest first
    assert items[0]["title"] == "Bản tin Thời sự tối 04/7/2014"
    seed = items[1]
    assert seed["url"].endswith(
        "/so-ket-5-nam-thuc-hien-huong-dan-so-35-cua-ban-to-chuc-trung-uong"
    )
    assert seed["topics"] == ["Quốc phòng - An ninh", "Thời sự"]
    assert (
        seed["image"] == "https://kontumtv.vn/wp-content/uploads/2014/07/hoi-nghi-so-ket-5-nam.jpg"
    )
    assert seed["published"] == "2014-07-04T09:15:00Z"
    assert seed["summary"].startswith("Ngày 4/7, Tỉnh ủy Kon Tum")
    assert items[0]["image"] is None
    assert "Thời sự" in raw  # Vietnamese stays readable, not \u escapes


async def test_summary_limit_applies() -> None:
    items = json.loads(preview_json(await preview(FEED, summary_limit=100)))
    assert all(0 < len(item["summary"]) <= 100 for item in items)


async def test_text_rendering_for_a_person() -> None:
    text = preview_text(await preview(FEED))
    blocks = text.strip().split("\n\n")
    assert len(blocks) == 10
    assert blocks[0].startswith("1. Bản tin Thời sự tối 04/7/2014")
    assert "2014-07-04 09:15 UTC" in blocks[1]
    assert "Topics: Quốc phòng - An ninh, Thời sự" in blocks[1]
    assert (
        blocks[1]
        .rstrip()
        .endswith(
            "https://kontumtv.vn/tin-tuc/quoc-phong-an-ninh/"
            "so-ket-5-nam-thuc-hien-huong-dan-so-35-cua-ban-to-chuc-trung-uong"
        )
    )
    assert (
        "Video: https://kontumtv.vn/wp-content/uploads/2014/07/thoi-su-04-07-2014.mp4" in blocks[0]
    )
    assert preview_text([]) == "(no items)\n"


async def test_preview_from_a_url(serve: Serve, feed_bytes: bytes) -> None:
    async def feed(request: web.Request) -> web.Response:
        return web.Response(body=feed_bytes, content_type="application/rss+xml")

    async def missing(request: web.Request) -> web.Response:
        return web.Response(status=404)

    server = await serve({"/feed": feed, "/missing": missing})
    async with FeedFetcher() as fetcher:
        drafts = await preview(str(server.make_url("/feed")), fetcher=fetcher)
        assert [d.guid for d in drafts] == [d.guid for d in await preview(FEED)]
        with pytest.raises(FeedHttpError, match="HTTP 404"):
            await preview(str(server.make_url("/missing")), fetcher=fetcher)
    # Without a fetcher, preview makes and closes its own.
    assert len(await preview(str(server.make_url("/feed")))) == 10


async def test_bad_sources_give_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(FeedSourceError, match=r"cannot read .*nope\.xml"):
        await preview(str(tmp_path / "nope.xml"))
    with pytest.raises(NotAFeed, match="HTML page"):
        await preview(str(STATION / "kontumtv-article.html"))


async def test_fetch_pages_completes_title_only_items_as_the_poller_does(
    serve: Serve, article_html: bytes
) -> None:
    page_requests: list[str] = []

    async def feed(request: web.Request) -> web.Response:
        base = f"http://{request.host}"
        body = (
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>KRT</title>'
            f"<item><title>Sơ kết 5 năm</title><link>{base}/bai-viet</link></item>"
            "<item><title>Ở nơi khác</title><link>https://elsewhere.example/x</link></item>"
            "</channel></rss>"
        )
        return web.Response(text=body, content_type="application/rss+xml")

    async def page(request: web.Request) -> web.Response:
        page_requests.append(request.path)
        return web.Response(body=article_html, content_type="text/html")

    server = await serve({"/feed": feed, "/bai-viet": page})
    url = str(server.make_url("/feed"))

    plain = {d.title: d for d in await preview(url)}
    assert plain["Sơ kết 5 năm"].summary == "" and page_requests == []

    filled = {d.title: d for d in await preview(url, fetch_pages=True)}
    seed = filled["Sơ kết 5 năm"]
    assert seed.summary.startswith("Ngày 4/7, Tỉnh ủy Kon Tum đã tổ chức Hội nghị sơ kết 5 năm")
    assert seed.image_url == (
        "https://kontumtv.vn/wp-content/uploads/2014/07/hoi-nghi-so-ket-5-nam.jpg"
    )  # the page's og:image
    assert page_requests == ["/bai-viet"]  # never a page on another host
    assert filled["Ở nơi khác"].summary == ""
