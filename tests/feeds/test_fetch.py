"""FeedFetcher against a real local HTTP server: what the station's server sees and what
the poller gets back."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from aiohttp import web

from bot.feeds.errors import (
    FeedConnectionError,
    FeedHttpError,
    FeedTimeout,
    FeedTooLarge,
    TooManyRedirects,
)
from bot.feeds.fetch import DEFAULT_USER_AGENT, FeedFetcher, parse_max_age, parse_retry_after
from tests.feeds.conftest import Handler, Serve

LAST_MODIFIED = "Fri, 04 Jul 2014 13:31:07 GMT"
NOW = datetime(2025, 7, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
async def fetcher() -> AsyncIterator[FeedFetcher]:
    async with FeedFetcher(connect_timeout=2, read_timeout=2, total_timeout=5) as f:
        yield f


async def test_feed_fetch_sends_user_agent_and_returns_validators(
    serve: Serve, fetcher: FeedFetcher, feed_bytes: bytes
) -> None:
    seen: list[web.Request] = []

    async def feed(request: web.Request) -> web.Response:
        seen.append(request)
        return web.Response(
            body=feed_bytes,
            content_type="application/rss+xml",
            charset="UTF-8",
            headers={
                "ETag": '"v1"',
                "Last-Modified": LAST_MODIFIED,
                "Cache-Control": "public, max-age=600",
            },
        )

    server = await serve({"/feed": feed})
    result = await fetcher.fetch(str(server.make_url("/feed")), etag=None, last_modified=None)

    assert (
        seen[0].headers["User-Agent"]
        == DEFAULT_USER_AGENT
        == ("KonTumNewsBot/0.1 (+https://kontumtv.vn)")
    )
    assert "If-None-Match" not in seen[0].headers
    assert "If-Modified-Since" not in seen[0].headers
    assert result.status == 200 and not result.not_modified
    assert result.body == feed_bytes
    assert (result.etag, result.last_modified, result.max_age) == ('"v1"', LAST_MODIFIED, 600)
    assert result.content_type == "application/rss+xml; charset=UTF-8"
    assert result.final_url == str(server.make_url("/feed"))
    assert result.permanent_url is None


async def test_user_agent_is_configurable(serve: Serve) -> None:
    agents: list[str] = []

    async def feed(request: web.Request) -> web.Response:
        agents.append(request.headers["User-Agent"])
        return web.Response(text="<rss/>")

    server = await serve({"/feed": feed})
    async with FeedFetcher(user_agent="KRTBot/2.0 (+https://krt.example)") as f:
        await f.fetch(str(server.make_url("/feed")), etag=None, last_modified=None)
    assert agents == ["KRTBot/2.0 (+https://krt.example)"]


@pytest.mark.parametrize(
    ("reply_headers", "expected_etag", "expected_modified"),
    [
        ({}, '"v1"', LAST_MODIFIED),  # a bare 304: keep what we had
        ({"ETag": '"v2"'}, '"v2"', LAST_MODIFIED),
    ],
)
async def test_conditional_get_and_304(
    serve: Serve,
    fetcher: FeedFetcher,
    reply_headers: dict[str, str],
    expected_etag: str,
    expected_modified: str,
) -> None:
    seen: list[web.Request] = []

    async def feed(request: web.Request) -> web.Response:
        seen.append(request)
        return web.Response(status=304, headers=reply_headers)

    server = await serve({"/feed": feed})
    result = await fetcher.fetch(
        str(server.make_url("/feed")), etag='"v1"', last_modified=LAST_MODIFIED
    )

    assert seen[0].headers["If-None-Match"] == '"v1"'
    assert seen[0].headers["If-Modified-Since"] == LAST_MODIFIED
    assert result.not_modified and result.status == 304 and result.body == b""
    assert (result.etag, result.last_modified) == (expected_etag, expected_modified)


def _redirect(status: int, to: str) -> Handler:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(status=status, headers={"Location": to})

    return handler


async def _ok(request: web.Request) -> web.Response:
    return web.Response(text="<rss version='2.0'><channel/></rss>", content_type="text/xml")


async def test_permanent_redirect_is_reported_for_the_stored_url(
    serve: Serve, fetcher: FeedFetcher
) -> None:
    server = await serve(
        {"/old": _redirect(301, "/mid"), "/mid": _redirect(308, "/new"), "/new": _ok}
    )
    result = await fetcher.fetch(str(server.make_url("/old")), etag=None, last_modified=None)
    assert result.status == 200
    assert result.permanent_url == result.final_url == str(server.make_url("/new"))


async def test_temporary_redirect_keeps_the_stored_url(serve: Serve, fetcher: FeedFetcher) -> None:
    server = await serve({"/feed": _redirect(302, "/today"), "/today": _ok})
    result = await fetcher.fetch(str(server.make_url("/feed")), etag=None, last_modified=None)
    assert result.final_url == str(server.make_url("/today"))
    assert result.permanent_url is None


async def test_permanent_move_followed_by_temporary_reports_only_the_permanent_part(
    serve: Serve, fetcher: FeedFetcher
) -> None:
    server = await serve({"/a": _redirect(301, "/b"), "/b": _redirect(307, "/c"), "/c": _ok})
    result = await fetcher.fetch(str(server.make_url("/a")), etag=None, last_modified=None)
    assert result.permanent_url == str(server.make_url("/b"))
    assert result.final_url == str(server.make_url("/c"))


@pytest.mark.parametrize(("hops", "ok"), [(5, True), (6, False)])
async def test_at_most_five_redirects(
    serve: Serve, fetcher: FeedFetcher, hops: int, ok: bool
) -> None:
    routes = {f"/r{i}": _redirect(302, f"/r{i + 1}") for i in range(hops)}
    routes[f"/r{hops}"] = _ok
    server = await serve(routes)
    url = str(server.make_url("/r0"))
    if ok:
        assert (await fetcher.fetch(url, etag=None, last_modified=None)).status == 200
    else:
        with pytest.raises(TooManyRedirects, match="more than 5 redirects"):
            await fetcher.fetch(url, etag=None, last_modified=None)


async def test_streamed_50_mb_body_is_refused_without_reading_it_all(serve: Serve) -> None:
    sent = 0

    async def huge(request: web.Request) -> web.StreamResponse:
        nonlocal sent
        resp = web.StreamResponse()  # chunked: no Content-Length to refuse early on
        await resp.prepare(request)
        chunk = b"x" * 65536
        try:
            while sent < 50 * 1024 * 1024:
                await resp.write(chunk)
                sent += len(chunk)
        except (ConnectionError, RuntimeError):
            pass  # the client hung up, as it should
        return resp

    server = await serve({"/feed": huge})
    started = time.monotonic()
    async with FeedFetcher() as f:  # the default 5 MB cap
        with pytest.raises(FeedTooLarge, match="larger than the 5 MB limit"):
            await f.fetch(str(server.make_url("/feed")), etag=None, last_modified=None)
    assert time.monotonic() - started < 5
    assert sent < 20 * 1024 * 1024


async def test_declared_oversize_body_is_refused_before_reading(serve: Serve) -> None:
    async def announced(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Length": str(50 * 1024 * 1024)})
        await resp.prepare(request)
        await resp.write(b"<rss>")
        await asyncio.sleep(5)  # never sends the rest: only the header can save us
        return resp

    server = await serve({"/feed": announced})
    # If the fetcher waited for the body instead, this would end in FeedTimeout.
    async with FeedFetcher(read_timeout=3, total_timeout=4) as f:
        with pytest.raises(FeedTooLarge):
            await f.fetch(str(server.make_url("/feed")), etag=None, last_modified=None)


async def test_stalled_body_times_out(serve: Serve) -> None:
    async def stall(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse()
        await resp.prepare(request)
        await resp.write(b"<rss version='2.0'><channel>")
        await asyncio.sleep(5)
        return resp

    server = await serve({"/feed": stall})
    started = time.monotonic()
    async with FeedFetcher(read_timeout=0.2, total_timeout=5) as f:
        with pytest.raises(FeedTimeout, match="timed out"):
            await f.fetch(str(server.make_url("/feed")), etag=None, last_modified=None)
    assert time.monotonic() - started < 2


async def test_slow_drip_body_hits_the_total_timeout(serve: Serve) -> None:
    async def drip(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse()
        await resp.prepare(request)
        for _ in range(200):  # each byte arrives well within the per-read timeout
            await resp.write(b" ")
            await asyncio.sleep(0.02)
        return resp

    server = await serve({"/feed": drip})
    started = time.monotonic()
    async with FeedFetcher(read_timeout=1, total_timeout=0.5) as f:
        with pytest.raises(FeedTimeout):
            await f.fetch(str(server.make_url("/feed")), etag=None, last_modified=None)
    assert time.monotonic() - started < 2


@pytest.mark.parametrize("status", [404, 410, 500, 502])
async def test_error_status_gives_a_short_message(
    serve: Serve, fetcher: FeedFetcher, status: int
) -> None:
    async def broken(request: web.Request) -> web.Response:
        return web.Response(status=status, text="<html>SECRET-BODY stack trace</html>")

    server = await serve({"/feed": broken})
    url = str(server.make_url("/feed")).replace("http://", "http://user:pw@") + "?key=SECRET"
    with pytest.raises(FeedHttpError) as caught:
        await fetcher.fetch(url, etag=None, last_modified=None)
    message = str(caught.value)
    assert caught.value.status == status and caught.value.retry_after is None
    assert f"HTTP {status}" in message and "/feed" in message
    assert "\n" not in message
    assert "SECRET" not in message and "pw" not in message


async def test_429_retry_after_seconds(serve: Serve, fetcher: FeedFetcher) -> None:
    async def busy(request: web.Request) -> web.Response:
        return web.Response(status=429, headers={"Retry-After": "120"})

    server = await serve({"/feed": busy})
    with pytest.raises(FeedHttpError) as caught:
        await fetcher.fetch(str(server.make_url("/feed")), etag=None, last_modified=None)
    assert (caught.value.status, caught.value.retry_after) == (429, 120.0)


async def test_503_retry_after_http_date_uses_the_fetcher_clock(serve: Serve) -> None:
    async def down(request: web.Request) -> web.Response:
        when = format_datetime(NOW + timedelta(seconds=90), usegmt=True)
        return web.Response(status=503, headers={"Retry-After": when})

    server = await serve({"/feed": down})
    async with FeedFetcher(clock=lambda: NOW) as f:
        with pytest.raises(FeedHttpError) as caught:
            await f.fetch(str(server.make_url("/feed")), etag=None, last_modified=None)
    assert (caught.value.status, caught.value.retry_after) == (503, 90.0)


def test_retry_after_and_max_age_parsing() -> None:
    assert parse_retry_after("3600", now=NOW) == 3600.0
    assert parse_retry_after("Tue, 01 Jul 2025 08:05:00 GMT", now=NOW) == 300.0
    assert parse_retry_after("Tue, 01 Jul 2025 07:00:00 GMT", now=NOW) == 0.0  # in the past
    assert parse_retry_after("soon", now=NOW) is None
    assert parse_retry_after(None, now=NOW) is None
    assert parse_max_age("no-cache, max-age=300") == 300
    assert parse_max_age("s-maxage=60") is None
    assert parse_max_age(None) is None


async def test_refused_connection_is_a_feed_error(serve: Serve, fetcher: FeedFetcher) -> None:
    server = await serve({"/feed": _ok})
    url = str(server.make_url("/feed"))
    await server.close()
    with pytest.raises(FeedConnectionError, match="cannot fetch"):
        await fetcher.fetch(url, etag=None, last_modified=None)


async def test_non_http_url_is_refused(fetcher: FeedFetcher) -> None:
    with pytest.raises(Exception, match="unsupported URL scheme 'file'"):
        await fetcher.fetch("file:///etc/passwd", etag=None, last_modified=None)


async def test_fetch_page_decodes_article_html(
    serve: Serve, fetcher: FeedFetcher, article_html: bytes
) -> None:
    async def page(request: web.Request) -> web.Response:
        # The server's default charset is wrong; the bytes are UTF-8.
        return web.Response(body=article_html, content_type="text/html", charset="iso-8859-1")

    async def image(request: web.Request) -> web.Response:
        return web.Response(body=b"\x89PNG", content_type="image/png")

    async def gone(request: web.Request) -> web.Response:
        return web.Response(status=404)

    server = await serve({"/post": page, "/img": image, "/gone": gone})
    text = await fetcher.fetch_page(str(server.make_url("/post")))
    assert text is not None and "Sơ kết 5 năm thực hiện Hướng dẫn số 35" in text
    assert await fetcher.fetch_page(str(server.make_url("/img"))) is None
    assert await fetcher.fetch_page(str(server.make_url("/gone"))) is None


async def test_fetch_page_honours_a_real_single_byte_charset(
    serve: Serve, fetcher: FeedFetcher
) -> None:
    async def page(request: web.Request) -> web.Response:
        body = '<html><head><meta charset="iso-8859-1"></head><p>Café</p></html>'
        return web.Response(body=body.encode("latin-1"), content_type="text/html")

    server = await serve({"/post": page})
    assert "<p>Café</p>" in (await fetcher.fetch_page(str(server.make_url("/post"))) or "")
