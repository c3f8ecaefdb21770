"""Shared fixtures for the feed tests: the station's real feed and a local HTTP server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

STATION = Path(__file__).resolve().parents[1] / "fixtures" / "station"
# The keys of each item `newsbot feed preview` prints, in the library call and the command.
PREVIEW_KEYS = {"title", "url", "summary", "topics", "image", "published", "guid", "author",
                "video", "text"}  # fmt: skip
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Serve = Callable[[Mapping[str, Handler]], Awaitable[TestServer]]


@pytest.fixture(scope="session")
def feed_bytes() -> bytes:
    return (STATION / "kontumtv-feed.xml").read_bytes()


@pytest.fixture(scope="session")
def article_html() -> bytes:
    return (STATION / "kontumtv-article.html").read_bytes()


@pytest.fixture
async def serve() -> AsyncIterator[Serve]:
    """Start an aiohttp server on 127.0.0.1 with the given GET routes."""
    servers: list[TestServer] = []

    async def start(routes: Mapping[str, Handler]) -> TestServer:
        app = web.Application()
        for path, handler in routes.items():
            app.router.add_get(path, handler)
        # Short shutdown: some handlers deliberately stall and must not hold up teardown.
        server = TestServer(app, shutdown_timeout=0.1)
        await server.start_server()
        servers.append(server)
        return server

    yield start
    for server in servers:
        await server.close()
