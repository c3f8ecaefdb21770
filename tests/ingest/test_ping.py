"""WordPress's update ping: a ping from the station's site polls its feeds at once (debounced),
and a hostile ping (unknown site, malformed, oversized, an entity bomb) gets an XML-RPC fault
and fetches nothing."""

from __future__ import annotations

import asyncio
import xmlrpc.client
from collections.abc import AsyncIterator
from datetime import timedelta

import aiohttp
import pytest

from bot.app import add_ping_route, build
from bot.feeds.requested import after_poll, requested_poll_at
from bot.services.feed_admin import FeedAdmin, FeedRefused
from bot.services.ingest import Ingest
from bot.services.site_ping import SitePings, feeds_of_site, site_key
from bot.web.ping import (
    BAD_PARAMS,
    MAX_BODY,
    PARSE_ERROR,
    TOO_LARGE,
    UNKNOWN_METHOD,
    UNKNOWN_SITE,
    PingFault,
    parse_ping,
)
from bot.web.server import WebServer
from bot.web.status import StatusSources
from config import Settings, SettingsError, load_settings
from storage.db import Database
from tests.ingest.conftest import (
    CATEGORY_PATH,
    NOW,
    Clock,
    IngestFactory,
    feed_row,
    new_item,
)
from tests.sandbox import Sandbox
from tests.sandbox.wordpress_ping import (
    BLOG_NAME,
    PingAnswer,
    ixr_request,
    post_xmlrpc,
    publish,
    publish_and_ping,
    read_answer,
    weblog_ping,
)

BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<methodCall><methodName>weblogUpdates.ping</methodName><params>
<param><value><string>&lol3;</string></value></param>
<param><value><string>{home}</string></value></param></params></methodCall>"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY feed SYSTEM "{home}secret">]>
<methodCall><methodName>weblogUpdates.ping</methodName><params>
<param><value><string>&feed;</string></value></param>
<param><value><string>{home}</string></value></param></params></methodCall>"""


def test_wordpress_core_ping_is_understood() -> None:
    body = ixr_request(
        "weblogUpdates.extendedPing", "Kon Tum TV & Radio", "https://kontumtv.vn/",
        "https://kontumtv.vn/feed/",
    )  # fmt: skip
    ping = parse_ping(body)
    assert ping.name == "Kon Tum TV & Radio"
    assert ping.urls == ("https://kontumtv.vn/", "https://kontumtv.vn/feed/")
    assert parse_ping(ixr_request("weblogUpdates.ping", "x", "https://kontumtv.vn/")).urls == (
        "https://kontumtv.vn/",
    )


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"<methodCall><methodName>weblogUpdates.ping", PARSE_ERROR),
        (b"not xml at all", PARSE_ERROR),
        (BOMB.replace(b"{home}", b"https://kontumtv.vn/"), PARSE_ERROR),
        (EXTERNAL.replace(b"{home}", b"https://kontumtv.vn/"), PARSE_ERROR),
        (ixr_request("system.listMethods"), UNKNOWN_METHOD),
        (ixr_request("weblogUpdates.ping", "only a name"), BAD_PARAMS),
        (
            ixr_request("weblogUpdates.ping", "x", "https://kontumtv.vn/" + "a" * MAX_BODY),
            TOO_LARGE,
        ),
        (xmlrpc.client.dumps(("x", 42), "weblogUpdates.ping").encode(), BAD_PARAMS),
    ],
)
def test_a_bad_body_is_a_fault(body: bytes, code: int) -> None:
    with pytest.raises(PingFault) as raised:
        parse_ping(body)
    assert raised.value.code == code


def test_the_site_is_matched_by_host_only() -> None:
    configured = [
        (1, "https://kontumtv.vn/feed"),
        (2, "https://kontumtv.vn/category/thoi-su/feed"),
        (3, "https://baokontum.com.vn/rss"),
        (4, "http://127.0.0.1:8123/feed"),
    ]
    assert feeds_of_site(configured, ["https://www.kontumtv.vn/"]) == [1, 2]
    assert feeds_of_site(configured, ["http://kontumtv.vn:80/", "x"]) == [1, 2]
    assert feeds_of_site(configured, ["http://127.0.0.1:8123/"]) == [4]
    assert feeds_of_site(configured, ["http://127.0.0.1:9999/"]) == []
    assert feeds_of_site(configured, ["https://kontumtv.vn.evil.example/"]) == []
    assert feeds_of_site(configured, ["ftp://kontumtv.vn/", "https://kontumtv.vn:99999/"]) == []
    assert site_key("javascript:alert(1)") is None


def test_debounce_rule() -> None:
    due_later = NOW + timedelta(seconds=300)
    assert requested_poll_at(NOW, None, due_later) == NOW
    polled = NOW - timedelta(seconds=3)
    assert requested_poll_at(NOW, polled, due_later) == polled + timedelta(seconds=10)
    # A poll due sooner anyway is never postponed.
    assert requested_poll_at(NOW, polled, NOW + timedelta(seconds=1)) == NOW + timedelta(seconds=1)
    # A feed already due (maybe being polled now) is stamped anew, so the poll can tell.
    assert requested_poll_at(NOW, None, NOW - timedelta(seconds=5)) == NOW
    # A request that came in while the poll ran survives it, 10 s after the poll.
    regular = NOW + timedelta(seconds=300)
    assert after_poll(due_later, due_later, regular, NOW) == regular
    assert after_poll(NOW, due_later, regular, NOW) == NOW + timedelta(seconds=10)


# --- the endpoint on the web server, the poller on the fake clock ---------------------------
@pytest.fixture
async def ping_url(database: Database, poller: Ingest, feed_id: int) -> AsyncIterator[str]:
    status = StatusSources(database, lambda: True, dict, lambda: (0, 0))
    server = WebServer("127.0.0.1", 0, status, stale_after_s=900)
    add_ping_route(server, "/wordpress/ping", SitePings(database, poller))
    await server.start()
    try:
        yield f"{server.url}/wordpress/ping"
    finally:
        await server.stop()


async def primed(poller: Ingest, clock: Clock, sb: Sandbox) -> None:
    """The first poll stored the backlog; the next regular poll is five minutes away."""
    (outcome,) = await poller.poll_due()
    assert outcome.status == "stored"
    clock.advance(60)
    assert await poller.start_due() == []
    sb.station.requests.clear()


def feed_fetches(sb: Sandbox) -> int:
    return len(sb.station.requests_to("/feed"))


async def test_a_ping_polls_the_feed_at_once_and_pushes(
    sb: Sandbox, poller: Ingest, clock: Clock, ping_url: str, feed_id: int, audience: int
) -> None:
    await primed(poller, clock, sb)
    answer = await publish_and_ping(sb.station, new_item(90001), ping_url)
    assert answer.method == "weblogUpdates.extendedPing" and answer.fault is None
    assert answer.result == {"flerror": False, "message": "Thanks for the ping."}
    (outcome,) = await poller.poll_due()
    assert (outcome.new, outcome.pushed, outcome.enqueued) == (1, 1, audience)
    assert feed_fetches(sb) == 1


async def test_ten_pings_make_one_poll(
    sb: Sandbox, poller: Ingest, clock: Clock, ping_url: str, feed_id: int
) -> None:
    await primed(poller, clock, sb)
    publish(sb.station, new_item(90002))
    body = ixr_request("weblogUpdates.extendedPing", BLOG_NAME, sb.station_url + "/",
                       sb.station_url + "/feed/")  # fmt: skip
    for _ in range(10):
        assert read_answer("x", *await post_xmlrpc(ping_url, body)).fault is None
    assert len(await poller.poll_due()) == 1
    # More pings 3 s after that poll wait for the 10 s gap's end: one more poll, not ten.
    clock.advance(3)
    for _ in range(10):
        await post_xmlrpc(ping_url, body)
    for _ in range(6):
        clock.advance(1)
        assert await poller.poll_due() == []
    clock.advance(1)
    assert len(await poller.poll_due()) == 1
    assert feed_fetches(sb) == 2
    assert (await feed_row(poller.database, feed_id)).next_poll_at > clock() + timedelta(
        seconds=250
    )


async def ping_raw(url: str, body: bytes) -> PingAnswer:
    return read_answer("raw", *await post_xmlrpc(url, body))


async def test_hostile_pings_get_a_fault_and_fetch_nothing(
    sb: Sandbox, poller: Ingest, clock: Clock, ping_url: str, feed_id: int
) -> None:
    await primed(poller, clock, sb)
    before = (await feed_row(poller.database, feed_id)).next_poll_at
    home = sb.station_url + "/"
    bodies = {
        # A site the bot does not follow: its URLs are never fetched.
        UNKNOWN_SITE: ixr_request(
            "weblogUpdates.extendedPing", "Evil", "https://evil.example/", f"{home[:-1]}.evil/feed/"
        ),
        PARSE_ERROR: b"<methodCall><methodName>weblogUpdates.ping</methodName><params>",
        TOO_LARGE: ixr_request("weblogUpdates.ping", "x" * (MAX_BODY + 1), home),
        UNKNOWN_METHOD: ixr_request("pingback.ping", home, home),
    }
    for code, body in bodies.items():
        answer = await ping_raw(ping_url, body)
        assert answer.fault is not None and answer.fault.faultCode == code, (code, answer)
    for bomb in (BOMB, EXTERNAL):
        answer = await ping_raw(ping_url, bomb.replace(b"{home}", home.encode()))
        assert answer.fault is not None and answer.fault.faultCode == PARSE_ERROR

    # Oversized without a declared length (chunked): still refused, read no further.
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(100):
            yield b"<!-- filler -->" * 1000

    async with aiohttp.ClientSession() as http, http.post(ping_url, data=chunks()) as response:
        (fault,) = [read_answer("raw", response.status, await response.read()).fault]
    assert fault is not None and fault.faultCode == TOO_LARGE
    assert await poller.poll_due() == []
    assert feed_fetches(sb) == 0
    assert [r.path for r in sb.station.requests] == []
    assert (await feed_row(poller.database, feed_id)).next_poll_at == before


async def test_a_ping_taken_by_a_standby_is_polled_by_the_leader(
    sb: Sandbox,
    database: Database,
    make_poller: IngestFactory,
    clock: Clock,
    feed_id: int,
    audience: int,
) -> None:
    """The standby's request is the feed row's next poll time; the leader's loop finds it."""
    leader, standby = make_poller(), make_poller()
    await primed(leader, clock, sb)
    status = StatusSources(database, lambda: False, dict, lambda: (0, 0))
    server = WebServer("127.0.0.1", 0, status, stale_after_s=900)
    add_ping_route(server, "/wordpress/ping", SitePings(database, standby))
    await server.start()
    try:
        answer = await publish_and_ping(sb.station, new_item(90003), f"{server.url}/wordpress/ping")
    finally:
        await server.stop()
    assert answer.fault is None
    (outcome,) = await leader.poll_due()
    assert (outcome.new, outcome.enqueued) == (1, audience)


@pytest.mark.parametrize("published", [True, False], ids=["answered-200", "answered-304"])
async def test_a_ping_during_a_running_poll_is_not_lost(
    sb: Sandbox, poller: Ingest, clock: Clock, ping_url: str, feed_id: int, published: bool
) -> None:
    """A poll in flight may have fetched before the post was up: the ping's request survives
    the poll's own scheduling, and another poll follows 10 s after it (not in 5 minutes)."""
    await primed(poller, clock, sb)
    clock.advance(300)  # the regular poll is due
    sb.station.fail("/feed", "slow", delay=0.5, times=1)
    (running,) = await poller.start_due()
    await asyncio.sleep(0.1)  # its request is on the way
    if published:
        publish(sb.station, new_item(90004))
    body = ixr_request("weblogUpdates.ping", BLOG_NAME, sb.station_url + "/")
    assert read_answer("x", *await post_xmlrpc(ping_url, body)).fault is None
    outcome = await running
    assert outcome.status == ("stored" if published else "not_modified")
    row = await feed_row(poller.database, feed_id)
    assert row.next_poll_at == clock() + timedelta(seconds=10)
    clock.advance(10)
    (again,) = await poller.poll_due()
    assert again.status == "not_modified"
    assert (await feed_row(poller.database, feed_id)).next_poll_at > clock() + timedelta(
        seconds=250
    )


def routes(settings: Settings) -> set[str]:
    server = build(settings).web
    assert server is not None
    return {r.resource.canonical for r in server.app.router.routes() if r.resource is not None}


def test_the_ping_path_is_a_setting_and_empty_turns_it_off() -> None:
    token = "123456:" + "A" * 35
    assert "/wordpress/ping" in routes(load_settings(telegram_token=token, http_port=0))
    custom = load_settings(telegram_token=token, http_port=0, ping_path="/hooks/wp-ping")
    assert "/hooks/wp-ping" in routes(custom) and "/wordpress/ping" not in routes(custom)
    assert not {"/wordpress/ping", ""} & routes(
        load_settings(telegram_token=token, http_port=0, ping_path="")
    )
    with pytest.raises(SettingsError, match="NEWSBOT_PING_PATH"):
        load_settings(telegram_token=token, ping_path="wordpress ping")


async def test_a_ping_from_a_feed_added_by_addfeed_polls_that_feed(
    sb: Sandbox, poller: Ingest, clock: Clock, ping_url: str, feed_id: int, audience: int
) -> None:
    """Feeds come from the database, not only NEWSBOT_FEEDS: a feed an admin added (here on
    another host name of the sandbox, with credentials in its URL) is polled by its site's
    ping; the configured feed on the other host is left to its schedule."""
    await primed(poller, clock, sb)
    added_host = sb.station_url.replace("127.0.0.1", "localhost")
    assert added_host != sb.station_url
    publish(sb.station, new_item(90010), CATEGORY_PATH)
    admin = FeedAdmin(poller.database, [], allow_private=True, clock=clock)
    added = await admin.add(1, f"{added_host.replace('://', '://editor:s3cret@')}{CATEGORY_PATH}")
    assert not isinstance(added, FeedRefused), added
    (first,) = await poller.poll_due()  # the added feed's first poll: its backlog
    assert first.feed_id == added.feed.id
    clock.advance(60)
    sb.station.requests.clear()
    publish(sb.station, new_item(90011), CATEGORY_PATH)

    answer = await weblog_ping(ping_url, BLOG_NAME, added_host + "/", added_host + "/feed/")
    assert answer.fault is None, answer
    (outcome,) = await poller.poll_due()
    assert outcome.feed_id == added.feed.id
    assert (outcome.new, outcome.enqueued) == (1, audience)
    assert [r.path for r in sb.station.requests] == [CATEGORY_PATH]
    # The station's configured feed (on 127.0.0.1) kept its regular schedule.
    assert (await feed_row(poller.database, feed_id)).next_poll_at > clock() + timedelta(
        seconds=150
    )
