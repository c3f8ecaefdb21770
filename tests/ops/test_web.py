"""The web server of a running bot: /healthz and /metrics answer what an operator's monitoring
needs, /metrics parses with prometheus-client's own parser, and an unreachable database or a
stale poll turns /healthz into 503."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.app import Wiring, build
from bot.runner import Runtime
from bot.services.poll_stats import PollStats
from bot.web.metrics import render
from bot.web.server import WebServer
from bot.web.status import Snapshot, StatusSources, judge
from bot.web.webhook import Webhook
from config import load_settings
from storage.db import Database
from storage.enums import CommentStatus
from storage.repositories.ops import Backlog, FeedState
from tests.ops.test_webhook import free_port, webhook_mode
from tests.sandbox import Sandbox
from tests.sandbox.wordpress_ping import BLOG_NAME, weblog_ping

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a /metrics answer, parsed by prometheus-client."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


async def get(url: str) -> tuple[int, str, str]:
    async with aiohttp.ClientSession() as http, http.get(url) as answer:
        return answer.status, answer.headers.get("Content-Type", ""), await answer.text()


async def running(sb: Sandbox, database_url: str, **extra: Any) -> AsyncIterator[Wiring]:
    settings = load_settings(
        telegram_token=sb.token,
        telegram_api_url=sb.api_url,
        database_url=database_url,
        **{"feeds": [f"{sb.station_url}/feed"], "poll_interval": 60, "http_port": 0, **extra},
    )
    wiring = build(settings)
    stop = asyncio.Event()
    runtime = Runtime(wiring, stop=stop)
    serving = asyncio.create_task(runtime.serve())
    await asyncio.wait_for(runtime.started.wait(), 15)
    try:
        yield wiring
    finally:
        stop.set()
        await asyncio.wait_for(serving, 10)


async def wait_for_poll(url: str) -> dict[str, Any]:
    for _ in range(200):  # the first poll runs as soon as the ingest starts
        async with aiohttp.ClientSession() as http, http.get(f"{url}/healthz") as answer:
            body: dict[str, Any] = await answer.json()
        if body["last_poll_age_s"] is not None:
            return body
        await asyncio.sleep(0.05)
    raise AssertionError(f"no successful poll reported: {body}")


async def test_healthz_and_metrics_of_a_polling_bot(database_url: str) -> None:
    async with Sandbox() as sb:
        async for wiring in running(sb, database_url):
            assert wiring.web is not None
            body = await wait_for_poll(wiring.web.url)
            assert body["status"] == "ok"
            assert body["database"] == "reachable"
            assert body["role"] == "leader"
            assert 0 <= body["last_poll_age_s"] < 60
            assert body["outbox"]["waiting"] >= 0

            status, content_type, text = await get(f"{wiring.web.url}/metrics")
            assert status == 200 and content_type.startswith("text/plain")
            parsed = samples(text)
            feed = (("feed", f"{sb.station_url}/feed"),)
            assert parsed[("newsbot_leader", ())] == 1
            assert parsed[("newsbot_database_up", ())] == 1
            assert parsed[("newsbot_feed_consecutive_failures", feed)] == 0
            assert parsed[("newsbot_feed_last_success_age_seconds", feed)] < 60
            assert ("newsbot_outbox_rows", (("status", "pending"),)) in parsed
            assert parsed[("newsbot_comments", (("status", "pending"),))] == 0
            assert ("newsbot_telegram_rate_limited_total", ()) in parsed
            polls = (("feed", f"{sb.station_url}/feed"), ("result", "stored"))
            assert parsed[("newsbot_feed_polls_total", polls)] >= 1
            fetches = parsed[("newsbot_feed_fetch_seconds_count", ())]
            assert fetches >= 1
            assert parsed[("newsbot_feed_fetch_seconds_bucket", (("le", "+Inf"),))] == fetches
            assert 0 < parsed[("newsbot_feed_fetch_seconds_sum", ())] < 30 * fetches


async def test_no_web_server_in_polling_mode_unless_a_port_is_set() -> None:
    settings = load_settings(telegram_token="123456:" + "A" * 35)
    assert build(settings).web is None


def test_metrics_report_the_senders_own_counts() -> None:
    snapshot = Snapshot(
        now=NOW,
        started_at=NOW - timedelta(hours=1),
        leading=False,
        backlog=Backlog(waiting=7, due=5, oldest_due_at=NOW - timedelta(seconds=42)),
        sender_stats={"sent": 12, "retry": 3, "gone": 1, "rate_limited": 2, "uncertain": 1},
        comments={CommentStatus.PENDING: 4, CommentStatus.APPROVED: 9},
    )
    parsed = samples(render(snapshot).decode())
    assert parsed[("newsbot_deliveries_total", (("outcome", "sent"),))] == 12
    assert parsed[("newsbot_deliveries_total", (("outcome", "gone"),))] == 1
    assert ("newsbot_deliveries_total", (("outcome", "rate_limited"),)) not in parsed
    assert parsed[("newsbot_telegram_rate_limited_total", ())] == 2
    assert parsed[("newsbot_delivery_transient_failures_total", (("fate", "uncertain"),))] == 1
    assert parsed[("newsbot_outbox_due", ())] == 5
    assert parsed[("newsbot_outbox_oldest_due_age_seconds", ())] == 42
    assert parsed[("newsbot_leader", ())] == 0
    assert parsed[("newsbot_comments", (("status", "pending"),))] == 4
    assert parsed[("newsbot_comments", (("status", "rejected"),))] == 0


def test_metrics_report_poll_results_by_feed_and_the_fetch_latency() -> None:
    polls = PollStats()
    a, b = "https://a/feed", "https://b/rss"
    for url, status in [(a, "stored"), (a, "not_modified"), (a, "not_modified"), (b, "error")]:
        polls.poll_finished(url, status)
    for seconds in (0.03, 0.07, 0.3, 45.0):
        polls.fetch_seconds.observe(seconds)
    snapshot = Snapshot(now=NOW, started_at=NOW, leading=True, polls=polls, pings=(3, 2))
    parsed = samples(render(snapshot).decode())
    by_feed = "newsbot_feed_polls_total"
    assert parsed[(by_feed, (("feed", "https://a/feed"), ("result", "not_modified")))] == 2
    assert parsed[(by_feed, (("feed", "https://b/rss"), ("result", "error")))] == 1
    bucket = "newsbot_feed_fetch_seconds_bucket"
    assert parsed[(bucket, (("le", "0.05"),))] == 1
    assert parsed[(bucket, (("le", "0.1"),))] == 2
    assert parsed[(bucket, (("le", "30.0"),))] == 3
    assert parsed[(bucket, (("le", "+Inf"),))] == 4
    assert parsed[("newsbot_feed_fetch_seconds_count", ())] == 4
    assert parsed[("newsbot_feed_fetch_seconds_sum", ())] == pytest.approx(45.4)
    assert parsed[("newsbot_update_pings_total", (("result", "accepted"),))] == 3
    assert parsed[("newsbot_update_pings_total", (("result", "refused"),))] == 2


def feed(success_ago_s: float | None) -> FeedState:
    at = None if success_ago_s is None else NOW - timedelta(seconds=success_ago_s)
    return FeedState("https://kontumtv.vn/feed", at, at, 0)


@pytest.mark.parametrize(
    ("success_ago_s", "up_for_s", "healthy"),
    [
        (100, 3600, True),
        (901, 3600, False),  # stale beyond the 900 s threshold
        (None, 600, True),  # never polled yet, but only up for 10 minutes
        (None, 1000, False),  # never polled successfully since the start
    ],
)
def test_a_stale_poll_is_unhealthy(
    success_ago_s: float | None, up_for_s: float, healthy: bool
) -> None:
    snapshot = Snapshot(
        now=NOW,
        started_at=NOW - timedelta(seconds=up_for_s),
        leading=True,
        feeds=[feed(success_ago_s)],
    )
    assert judge(snapshot, stale_after_s=900).healthy is healthy


async def test_healthz_is_503_when_the_database_is_unreachable() -> None:
    database = Database("postgresql+asyncpg://postgres@127.0.0.1:9/none")  # nothing listens
    status = StatusSources(
        database=database,
        leading=lambda: True,
        sender_stats=dict,
        updates=lambda: (0, 0),
    )
    server = WebServer("127.0.0.1", 0, status, stale_after_s=900)
    await server.start()
    try:
        code, _, text = await get(f"{server.url}/healthz")
        assert code == 503
        assert '"database": "unreachable"' in text
        code, _, text = await get(f"{server.url}/metrics")
        assert code == 200
        assert samples(text)[("newsbot_database_up", ())] == 0
    finally:
        await server.stop()
        await database.dispose()


async def test_the_container_probe_follows_healthz(database_url: str) -> None:
    """The Docker health check (``python -m bot.web.probe``) passes on 200, fails on 503."""
    from bot.web.probe import healthy

    good, bad = Database(database_url), Database("postgresql+asyncpg://postgres@127.0.0.1:9/none")
    servers = [
        WebServer("127.0.0.1", 0, StatusSources(db, lambda: True, dict, lambda: (0, 0)),
                  stale_after_s=900)
        for db in (good, bad)
    ]  # fmt: skip
    for server in servers:
        await server.start()
    try:
        results = await asyncio.gather(
            *(asyncio.to_thread(healthy, f"{s.url}/healthz") for s in servers)
        )
        assert results == [True, False]
        assert not await asyncio.to_thread(healthy, "http://127.0.0.1:9/healthz")  # refused
    finally:
        for server in servers:
            await server.stop()
        await good.dispose()
        await bad.dispose()


async def test_metrics_in_webhook_mode_count_polls_fetches_and_pings(database_url: str) -> None:
    """Webhook mode serves the same families on the webhook's server, the update ping's
    among them; a feed listed with credentials is labelled without them (no auth on
    /metrics)."""
    port = free_port()
    async with Sandbox() as sb:
        listed = sb.station_url.replace("://", "://editor:s3cret@") + "/feed"
        async for wiring in running(sb, database_url, feeds=[listed], **webhook_mode(port)):
            assert isinstance(wiring.source, Webhook) and wiring.web is not None
            url = f"http://127.0.0.1:{port}"
            await wait_for_poll(url)
            answer = await weblog_ping(
                f"{url}/wordpress/ping", BLOG_NAME, sb.station_url + "/", sb.station_url + "/feed/"
            )
            assert answer.fault is None, answer
            status, _, text = await get(f"{url}/metrics")
    assert status == 200
    assert "s3cret" not in text and "editor" not in text
    parsed = samples(text)
    feed = (("feed", f"{sb.station_url}/feed"),)
    assert parsed[("newsbot_feed_consecutive_failures", feed)] == 0
    assert parsed[("newsbot_feed_polls_total", (*feed, ("result", "stored")))] >= 1
    assert parsed[("newsbot_feed_fetch_seconds_count", ())] >= 1
    assert parsed[("newsbot_update_pings_total", (("result", "accepted"),))] == 1
    assert parsed[("newsbot_update_pings_total", (("result", "refused"),))] == 0
    assert parsed[("newsbot_leader", ())] == 1
