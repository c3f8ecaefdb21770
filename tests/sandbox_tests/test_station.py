"""The station site: fixtures, conditional GET, failure modes, WordPress comments."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator

import aiohttp
import feedparser
import pytest

from tests.sandbox import Sandbox

PERMALINK = (
    "/tin-tuc/quoc-phong-an-ninh/so-ket-5-nam-thuc-hien-huong-dan-so-35-cua-ban-to-chuc-trung-uong"
)


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
        yield session


async def test_feed_is_the_fixture_and_parses(sb: Sandbox, http: aiohttp.ClientSession) -> None:
    async with http.get(f"{sb.station_url}/feed", headers={"User-Agent": "KonTumNewsBot/1"}) as r:
        assert r.status == 200
        assert r.headers["Content-Type"] == "application/rss+xml; charset=UTF-8"
        body = await r.read()
    feed = feedparser.parse(body)
    assert len(feed.entries) == 10
    assert feed.entries[1].link.endswith(PERMALINK)
    assert sb.station.requests[-1].headers["User-Agent"] == "KonTumNewsBot/1"


async def test_article_at_permalink_and_post_id(sb: Sandbox, http: aiohttp.ClientSession) -> None:
    for path in (PERMALINK, "/?p=24866"):
        async with http.get(sb.station_url + path) as r:
            assert r.status == 200 and "text/html" in r.headers["Content-Type"]
            assert "Hướng dẫn số 35" in await r.text()


async def test_etag_and_last_modified_give_304(sb: Sandbox, http: aiohttp.ClientSession) -> None:
    async with http.get(f"{sb.station_url}/feed") as r:
        etag, modified = r.headers["ETag"], r.headers["Last-Modified"]
    assert etag.startswith('"')
    async with http.get(f"{sb.station_url}/feed", headers={"If-None-Match": etag}) as r:
        assert r.status == 304 and await r.read() == b"" and r.headers["ETag"] == etag
    async with http.get(f"{sb.station_url}/feed", headers={"If-Modified-Since": modified}) as r:
        assert r.status == 304
    sb.station.set(
        "/feed", sb.station.feed_bytes().replace(b"</channel>", b"<!-- new --></channel>")
    )
    async with http.get(f"{sb.station_url}/feed", headers={"If-None-Match": etag}) as r:
        assert r.status == 200 and r.headers["ETag"] != etag
    conditional = [q for q in sb.station.requests_to("/feed") if "If-None-Match" in q.headers]
    assert len(conditional) == 2


async def test_broken_server_omits_validators_on_304(
    sb: Sandbox, http: aiohttp.ClientSession
) -> None:
    sb.station.validators_on_304 = False
    async with http.get(f"{sb.station_url}/feed") as r:
        etag = r.headers["ETag"]
    async with http.get(f"{sb.station_url}/feed", headers={"If-None-Match": etag}) as r:
        assert r.status == 304 and "ETag" not in r.headers


async def test_set_serves_any_body_at_any_path(sb: Sandbox, http: aiohttp.ClientSession) -> None:
    sb.station.set("/category/thoi-su/feed", "<rss><channel><title>Thời sự</title></channel></rss>")
    async with http.get(f"{sb.station_url}/category/thoi-su/feed") as r:
        assert r.status == 200 and "rss" in r.headers["Content-Type"]
        assert "Thời sự" in await r.text()
    sb.station.clear("/category/thoi-su/feed")
    async with http.get(f"{sb.station_url}/category/thoi-su/feed") as r:
        assert r.status == 404


@pytest.mark.parametrize("mode", ["500", "404", "429", "503"])
async def test_status_failures(sb: Sandbox, http: aiohttp.ClientSession, mode: str) -> None:
    sb.station.fail("/feed", mode, retry_after=30)  # type: ignore[arg-type]
    async with http.get(f"{sb.station_url}/feed") as r:
        assert r.status == int(mode)
        if mode in ("429", "503"):
            assert r.headers["Retry-After"] == "30"


async def test_failure_for_n_times_then_recovers(sb: Sandbox, http: aiohttp.ClientSession) -> None:
    sb.station.fail("/feed", "500", times=2)
    statuses = []
    for _ in range(3):
        async with http.get(f"{sb.station_url}/feed") as r:
            statuses.append(r.status)
    assert statuses == [500, 500, 200]


async def test_timeout_never_answers(sb: Sandbox) -> None:
    sb.station.fail("/feed", "timeout")
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=0.3)) as http:
        with pytest.raises(asyncio.TimeoutError):
            await http.get(f"{sb.station_url}/feed")


async def test_stall_sends_part_of_the_body_then_hangs(sb: Sandbox) -> None:
    sb.station.fail("/feed", "stall")
    timeout = aiohttp.ClientTimeout(sock_read=0.3)
    async with (
        aiohttp.ClientSession(timeout=timeout) as http,
        http.get(f"{sb.station_url}/feed") as r,
    ):
        assert r.status == 200
        first = await r.content.read(100)
        assert first.startswith(b"<?xml")
        with pytest.raises(asyncio.TimeoutError):
            await r.read()


async def test_huge_streams_more_than_a_size_cap(sb: Sandbox, http: aiohttp.ClientSession) -> None:
    sb.station.fail("/feed", "huge", size_mb=3)
    received = 0
    async with http.get(f"{sb.station_url}/feed") as r:
        assert "Content-Length" not in r.headers
        async for chunk in r.content.iter_chunked(65536):
            received += len(chunk)
    assert received == 3 * 1024 * 1024


async def test_garbage_and_html_are_not_feeds(sb: Sandbox, http: aiohttp.ClientSession) -> None:
    sb.station.fail("/feed", "garbage")
    async with http.get(f"{sb.station_url}/feed") as r:
        assert feedparser.parse(await r.read()).entries == []
    sb.station.fail("/feed", "html")
    async with http.get(f"{sb.station_url}/feed") as r:
        assert r.headers["Content-Type"].startswith("text/html")
        assert feedparser.parse(await r.read()).entries == []


async def test_redirect(sb: Sandbox, http: aiohttp.ClientSession) -> None:
    sb.station.redirect("/rss", "/feed", status=301)
    async with http.get(f"{sb.station_url}/rss", allow_redirects=False) as r:
        assert r.status == 301 and r.headers["Location"] == f"{sb.station_url}/feed"
    async with http.get(f"{sb.station_url}/rss") as r:
        assert r.status == 200 and len(feedparser.parse(await r.read()).entries) == 10


# --- WordPress comments --------------------------------------------------------------------

COMMENTS = "/wp-json/wp/v2/comments"
COMMENT = {
    "post": 24866,
    "content": "Bài viết hay",
    "author_name": "Lan",
    "author_email": "lan@example.vn",
}


def _auth(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


async def test_comment_created_on_hold(sb: Sandbox, http: aiohttp.ClientSession) -> None:
    sb.station.wp_users = {"bot": "abcd efgh ijkl mnop"}
    async with http.post(
        sb.station_url + COMMENTS, json=COMMENT, headers=_auth("bot", "abcdefghijklmnop")
    ) as r:
        assert r.status == 201
        body = await r.json()
    assert (body["post"], body["status"]) == (24866, "hold") and isinstance(body["id"], int)
    assert sb.station.comments[0]["raw"] == "Bài viết hay"


@pytest.mark.parametrize(
    ("headers", "code"),
    [({}, "rest_comment_login_required"), (_auth("bot", "wrong"), "incorrect_password")],
)
async def test_comment_needs_valid_auth(
    sb: Sandbox, http: aiohttp.ClientSession, headers: dict[str, str], code: str
) -> None:
    sb.station.wp_users = {"bot": "secret"}
    async with http.post(sb.station_url + COMMENTS, json=COMMENT, headers=headers) as r:
        assert r.status == 401 and (await r.json())["code"] == code
    assert sb.station.comments == []


async def test_comment_missing_content_and_duplicate(
    sb: Sandbox, http: aiohttp.ClientSession
) -> None:
    sb.station.wp_users = {"bot": "secret"}
    auth = _auth("bot", "secret")
    async with http.post(sb.station_url + COMMENTS, data={"post": "24866"}, headers=auth) as r:
        assert r.status == 400 and (await r.json())["code"] == "rest_comment_content_invalid"
    async with http.post(sb.station_url + COMMENTS, data=COMMENT, headers=auth) as r:
        assert r.status == 201
    async with http.post(sb.station_url + COMMENTS, json=COMMENT, headers=auth) as r:
        assert r.status == 409 and (await r.json())["code"] == "comment_duplicate"
    assert len(sb.station.comments) == 1
