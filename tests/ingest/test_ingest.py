"""The ingest pipeline end to end: the sandbox station's feed → ingest → articles + outbox rows.

Every test runs on SQLite and PostgreSQL (the `database` fixture). Time is the injected clock;
nothing here waits for real time to pass except the fault modes that are about waiting.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta

import pytest
from sqlalchemy import update

from bot.feeds.fetch import FeedFetcher
from bot.feeds.schedule import failure_backoff_cap
from bot.services.ingest import Ingest
from storage.db import Database
from storage.models import Delivery
from tests.ingest.conftest import (
    CATEGORY_PATH,
    CHANNEL,
    FEED_PATH,
    INSTANT_SUBSCRIBERS,
    INTERVAL,
    NOW,
    Alerts,
    Clock,
    IngestFactory,
    add_feed,
    all_articles,
    all_deliveries,
    article_count,
    feed_row,
    new_item,
    split_feed,
    with_items,
)
from tests.sandbox import Sandbox

OLDEST_TITLE = "Thu ngân sách 6 tháng đầu năm đạt 52% dự toán"
NEWEST_TITLE = "Bản tin Thời sự tối 04/7/2014"
NEW_TITLE = "Khánh thành cầu treo qua sông Đăk Bla"
ALERT_AFTER = 1800.0  # the service's default, as in settings


def station_feed(sb: Sandbox) -> str:
    return sb.station.feed_bytes().decode("utf-8")


def serve_with_new_item(sb: Sandbox, item: str, path: str = FEED_PATH) -> None:
    """The site published a story: it tops the feed and the oldest item drops off."""
    feed = station_feed(sb)
    _, items, _ = split_feed(feed)
    sb.station.set(path, with_items(feed, [item, *items[:-1]]))


async def prime(poller: Ingest, feed_id: int) -> None:
    outcome = await poller.poll(feed_id)
    assert (outcome.status, outcome.new) == ("stored", 10)


# --- 1. first poll -----------------------------------------------------------------------------
async def test_first_poll_stores_the_ten_items_oldest_first_and_pushes_nothing(
    database: Database, sb: Sandbox, poller: Ingest, feed_id: int, audience: int
) -> None:
    outcome = await poller.poll(feed_id)

    assert (outcome.status, outcome.new, outcome.backlog, outcome.enqueued) == (
        "stored",
        10,
        True,
        0,
    )
    stored = await all_articles(database)
    assert len(stored) == 10
    # Stored oldest first: ids grow with publication time.
    assert [a.published_at for a in stored] == sorted(a.published_at for a in stored)
    assert (stored[0].title, stored[-1].title) == (OLDEST_TITLE, NEWEST_TITLE)
    assert all(a.backlog for a in stored)
    # Subscribers and the channel exist, and still nobody is sent the back catalogue.
    assert await all_deliveries(database) == []
    feed = await feed_row(database, feed_id)
    assert feed.primed and feed.failures == 0 and feed.last_error is None
    assert feed.title == "Đài Phát thanh – Truyền hình Kon Tum"


# --- 2. one new item ---------------------------------------------------------------------------
async def test_a_new_item_becomes_one_article_queued_for_every_subscriber_and_channel(
    database: Database, sb: Sandbox, poller: Ingest, feed_id: int, audience: int
) -> None:
    await prime(poller, feed_id)
    serve_with_new_item(sb, new_item(24880))
    enqueued: list[None] = []
    poller.on_enqueued = lambda: enqueued.append(None)

    outcome = await poller.poll(feed_id)

    assert (outcome.new, outcome.backlog, outcome.enqueued) == (1, False, audience)
    stored = await all_articles(database)
    assert len(stored) == 11  # the item that dropped off the feed is kept
    article = stored[-1]
    assert article.title == NEW_TITLE and not article.backlog
    assert article.summary.startswith("Sáng 5/7, UBND TP. Kon Tum khánh thành cầu treo")
    rows = await all_deliveries(database)
    assert {(r.article_id, r.chat_id, r.kind, r.status) for r in rows} == {
        *((article.id, chat, "instant", "pending") for chat in INSTANT_SUBSCRIBERS),
        (article.id, CHANNEL, "channel", "pending"),
    }
    assert enqueued == [None]  # the sender was woken once

    # Polling the same feed again pushes nothing more.
    sb.station.conditional = False  # even when the site ignores conditional GET
    again = await poller.poll(feed_id)
    assert (again.status, again.new, again.enqueued) == ("stored", 0, 0)
    assert len(await all_deliveries(database)) == audience


# --- 3. conditional GET ------------------------------------------------------------------------
async def test_a_304_yields_nothing_and_the_validators_survive_a_304_that_omits_them(
    database: Database, sb: Sandbox, poller: Ingest, feed_id: int, audience: int
) -> None:
    await prime(poller, feed_id)
    feed = await feed_row(database, feed_id)
    etag, last_modified = feed.etag, feed.last_modified
    assert etag and last_modified

    outcome = await poller.poll(feed_id)
    assert (outcome.status, outcome.new, outcome.enqueued) == ("not_modified", 0, 0)
    request = sb.station.requests_to(FEED_PATH)[-1]
    assert request.headers.get("If-None-Match") == etag
    assert request.headers.get("If-Modified-Since") == last_modified

    sb.station.validators_on_304 = False  # a server that drops ETag/Last-Modified on 304
    for _ in range(2):
        outcome = await poller.poll(feed_id)
        assert outcome.status == "not_modified"
        feed = await feed_row(database, feed_id)
        assert (feed.etag, feed.last_modified) == (etag, last_modified)
        assert sb.station.requests_to(FEED_PATH)[-1].headers.get("If-None-Match") == etag
    assert await article_count(database) == 10
    assert await all_deliveries(database) == []


# --- 4. a category feed repeating the main feed ------------------------------------------------
async def test_a_category_feed_repeating_main_feed_items_merges_topics_and_pushes_once(
    database: Database, sb: Sandbox, poller: Ingest, feed_id: int, audience: int
) -> None:
    category_id = await add_feed(database, f"{sb.station_url}{CATEGORY_PATH}")
    feed = station_feed(sb)
    _, items, _ = split_feed(feed)
    news = [item for item in items if "Thời sự" in item.split("<guid", 1)[0]]
    assert len(news) == 4
    sb.station.set(CATEGORY_PATH, with_items(feed, news))
    await prime(poller, feed_id)
    first = await poller.poll(category_id)
    assert (first.status, first.new) == ("stored", 0)  # all four are known stories
    assert await article_count(database) == 10

    # A new story appears in the category feed first, then in the main feed, where the
    # editor has meanwhile filed it under a second category too.
    sb.station.set(
        CATEGORY_PATH, with_items(feed, [new_item(24880, categories=["Thời sự"]), *news])
    )
    serve_with_new_item(sb, new_item(24880, categories=["Thời sự", "Giao thông"]))
    from_category = await poller.poll(category_id)
    from_main = await poller.poll(feed_id)

    assert (from_category.new, from_category.enqueued) == (1, audience)
    assert (from_main.new, from_main.revised, from_main.enqueued) == (0, 0, 0)
    stored = await all_articles(database)
    assert len(stored) == 11
    assert sorted(t.name for t in stored[-1].topics) == ["Giao thông", "Thời sự"]
    rows = await all_deliveries(database)
    assert len(rows) == audience and {r.article_id for r in rows} == {stored[-1].id}


# --- 5. bad input ------------------------------------------------------------------------------
async def test_malformed_xml_that_feedparser_reads_is_stored_with_a_warning(
    database: Database,
    sb: Sandbox,
    poller: Ingest,
    feed_id: int,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # A raw ampersand: not well-formed XML, which WordPress plugins do emit.
    broken = station_feed(sb).replace("Hỏi &#038; đáp về", "Hỏi & đáp về")
    assert broken != station_feed(sb)
    sb.station.set(FEED_PATH, broken)

    with caplog.at_level(logging.WARNING, logger="bot.services.ingest"):
        outcome = await poller.poll(feed_id)

    assert (outcome.status, outcome.new) == ("stored", 10)
    titles = {a.title for a in await all_articles(database)}
    assert "Sâm Ngọc Linh: Hỏi & đáp về kỹ thuật trồng dưới tán rừng" in titles
    assert any("malformed but readable" in r.getMessage() for r in caplog.records)


async def test_an_html_page_instead_of_the_feed_is_recorded_as_not_a_feed(
    database: Database, sb: Sandbox, poller: Ingest, feed_id: int
) -> None:
    sb.station.fail(FEED_PATH, "html")

    outcome = await poller.poll(feed_id)

    assert outcome.status == "error"
    feed = await feed_row(database, feed_id)
    assert feed.failures == 1 and not feed.primed
    assert feed.last_error is not None and feed.last_error.startswith("not a feed")
    assert "HTML page" in feed.last_error
    assert await article_count(database) == 0


async def test_an_empty_feed_stores_nothing_and_is_no_success(
    database: Database, sb: Sandbox, poller: Ingest, feed_id: int, audience: int
) -> None:
    full_feed = station_feed(sb)
    sb.station.set(FEED_PATH, with_items(full_feed, []))

    outcome = await poller.poll(feed_id)

    assert (outcome.status, outcome.new) == ("empty", 0)
    feed = await feed_row(database, feed_id)
    # Not the server's fault (no failure counted, no backoff), but no success either: the
    # "failing since" clock keeps running (see the alert tests).
    assert (feed.failures, feed.last_success_at, feed.primed) == (0, None, False)
    assert feed.last_error == "no usable item: the feed lists no entries"
    assert (feed.next_poll_at - NOW).total_seconds() <= INTERVAL * 1.1
    assert await article_count(database) == 0

    # An empty first answer is no baseline: when the items show up they are still the
    # back catalogue, not ten pushes to every subscriber.
    sb.station.set(FEED_PATH, full_feed)
    later = await poller.poll(feed_id)
    assert (later.new, later.backlog, later.enqueued) == (10, True, 0)
    assert await all_deliveries(database) == []
    feed = await feed_row(database, feed_id)
    assert (feed.last_error, feed.last_success_at) == (None, NOW)


@pytest.mark.parametrize("status", ["404", "500"])
async def test_http_errors_count_failures_and_back_off_exponentially(
    database: Database,
    sb: Sandbox,
    poller: Ingest,
    feed_id: int,
    clock: Clock,
    status: str,
) -> None:
    await prime(poller, feed_id)
    sb.station.fail(FEED_PATH, status)  # type: ignore[arg-type]
    clock.set((await feed_row(database, feed_id)).next_poll_at)
    delays = []
    for failures in (1, 2, 3, 4):
        (outcome,) = await poller.poll_due()
        assert outcome.status == "error"
        feed = await feed_row(database, feed_id)
        assert feed.failures == failures
        assert feed.last_error is not None and f"HTTP {status}" in feed.last_error
        delays.append((feed.next_poll_at - clock()).total_seconds())
        # Not due a moment before the backed-off time, due at it.
        clock.set(feed.next_poll_at - timedelta(seconds=1))
        assert await poller.poll_due() == []
        clock.set(feed.next_poll_at)
    # Doubling from the interval, capped at a quarter of the 30-minute alert delay.
    cap = failure_backoff_cap(INTERVAL, ALERT_AFTER)
    for failures, delay in enumerate(delays, start=1):
        expected = min(INTERVAL * 2 ** (failures - 1), cap)
        assert max(INTERVAL, 0.9 * expected) <= delay <= 1.1 * expected, delays
    assert await article_count(database) == 10


@pytest.mark.parametrize("mode", ["timeout", "stall"])
async def test_a_feed_that_hangs_times_out_quickly_and_keeps_what_was_stored(
    database: Database,
    sb: Sandbox,
    make_poller: IngestFactory,
    feed_id: int,
    mode: str,
) -> None:
    poller = make_poller(FeedFetcher(connect_timeout=1, read_timeout=0.7, total_timeout=1.5))
    await prime(poller, feed_id)
    sb.station.fail(FEED_PATH, mode)  # type: ignore[arg-type]

    started = time.monotonic()
    outcome = await poller.poll(feed_id)

    assert time.monotonic() - started < 5
    assert outcome.status == "error" and outcome.error is not None
    assert "timed out" in outcome.error
    feed = await feed_row(database, feed_id)
    assert feed.failures == 1 and feed.last_error == outcome.error
    assert await article_count(database) == 10


@pytest.mark.parametrize("declare_length", [False, True], ids=["streamed", "content-length"])
async def test_a_50_mb_body_is_refused_by_the_size_cap_quickly(
    database: Database, sb: Sandbox, poller: Ingest, feed_id: int, declare_length: bool
) -> None:
    sb.station.fail(FEED_PATH, "huge", size_mb=50, declare_length=declare_length)

    started = time.monotonic()
    outcome = await poller.poll(feed_id)

    assert time.monotonic() - started < 5
    assert outcome.status == "error" and outcome.error is not None
    assert "larger than the 5 MB limit" in outcome.error
    assert await article_count(database) == 0


@pytest.mark.parametrize(
    ("declaration", "content_type"),
    [
        ('encoding="ISO-8859-1"', "application/rss+xml; charset=UTF-8"),
        ('encoding="UTF-8"', "application/rss+xml; charset=ISO-8859-1"),
        ('encoding="windows-1252"', "text/xml; charset=windows-1252"),
    ],
    ids=["xml-declaration", "http-header", "both"],
)
async def test_a_wrongly_declared_encoding_still_gives_correct_vietnamese_titles(
    database: Database,
    sb: Sandbox,
    poller: Ingest,
    feed_id: int,
    declaration: str,
    content_type: str,
) -> None:
    body = station_feed(sb).replace('encoding="UTF-8"', declaration, 1)
    sb.station.set(FEED_PATH, body.encode("utf-8"), content_type=content_type)

    outcome = await poller.poll(feed_id)

    assert outcome.new == 10
    stored = await all_articles(database)
    assert {a.title for a in stored} >= {
        OLDEST_TITLE,
        "Sơ kết 5 năm thực hiện Hướng dẫn số 35 của Ban Tổ chức Trung ương",
        "Giá cà phê tăng, nông dân Đăk Hà phấn khởi chăm sóc vườn",
    }
    assert {t.name for a in stored for t in a.topics} >= {"Quốc phòng - An ninh", "Thời sự"}
    assert all("Ã" not in a.title and "Æ" not in a.summary for a in stored)


async def test_a_guid_repeated_inside_one_feed_is_one_article(
    database: Database, sb: Sandbox, poller: Ingest, feed_id: int, audience: int
) -> None:
    await prime(poller, feed_id)
    feed = station_feed(sb)
    _, items, _ = split_feed(feed)
    item = new_item(24880)
    sb.station.set(FEED_PATH, with_items(feed, [item, item, *items[:-1], item]))

    outcome = await poller.poll(feed_id)

    assert (outcome.new, outcome.enqueued) == (1, audience)
    assert [a.title for a in await all_articles(database)].count(NEW_TITLE) == 1
    assert len(await all_deliveries(database)) == audience


async def test_entries_without_link_title_or_date_are_stored_sensibly(
    database: Database,
    sb: Sandbox,
    poller: Ingest,
    feed_id: int,
    audience: int,
    clock: Clock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await prime(poller, feed_id)
    feed = station_feed(sb)
    _, items, _ = split_feed(feed)
    extra = [
        new_item(24881, "Tin không có đường dẫn", link=False),  # guid is the ?p= URL
        new_item(24882, None),
        new_item(24883, "Tin không có ngày đăng", published=None),
        new_item(
            24884, "Tin không có đường dẫn nào", link=False, guid="tag:kontumtv.vn,2014:24884"
        ),
        new_item(24885, None, body="", guid="tag:kontumtv.vn,2014:24885"),  # nothing to say
    ]
    edited = with_items(feed, [*extra, *items])
    sb.station.set(FEED_PATH, edited)

    with caplog.at_level(logging.WARNING, logger="bot.services.ingest"):
        outcome = await poller.poll(feed_id)

    assert (outcome.status, outcome.new, outcome.enqueued) == ("stored", 4, 4 * audience)
    assert outcome.skipped == 1
    stored = await all_articles(database)
    by_url = {a.url: a for a in stored}
    no_link = by_url["https://kontumtv.vn/?p=24881"]
    assert no_link.title == "Tin không có đường dẫn"
    no_title = by_url["https://kontumtv.vn/tin-tuc/thoi-su/bai-viet-24882"]
    assert no_title.title.startswith("Sáng 5/7, UBND TP. Kon Tum khánh thành")
    no_date = by_url["https://kontumtv.vn/tin-tuc/thoi-su/bai-viet-24883"]
    assert no_date.published_at == clock()
    # No link anywhere: still news, stored without a URL (pushed without the 📖 button).
    (unlinked,) = [a for a in stored if a.guid == "tag:kontumtv.vn,2014:24884"]
    assert unlinked.url is None and unlinked.title == "Tin không có đường dẫn nào"
    assert unlinked.summary.startswith("Sáng 5/7, UBND TP. Kon Tum khánh thành")
    assert not any(a.guid.endswith("24885") for a in stored)
    messages = [r.getMessage() for r in caplog.records]
    assert any("skipped 1 entries without a title or text" in m for m in messages)

    # Seen again unchanged: the same article (found by its guid), nothing pushed twice.
    clock.advance(INTERVAL)
    sb.station.set(FEED_PATH, edited + "\n")  # a new ETag: read and parsed again
    again = await poller.poll(feed_id)
    assert (again.status, again.new, again.enqueued) == ("stored", 0, 0)
    assert len(await all_articles(database)) == len(stored)


async def test_reordered_or_removed_items_push_nothing_again(
    database: Database, sb: Sandbox, poller: Ingest, feed_id: int, audience: int
) -> None:
    await prime(poller, feed_id)
    serve_with_new_item(sb, new_item(24880))
    assert (await poller.poll(feed_id)).enqueued == audience
    feed = station_feed(sb)
    _, items, _ = split_feed(feed)
    current = [new_item(24880), *items[:-1]]

    for shuffled in (current[::-1], current[3:], current[::2], [current[5], current[0]]):
        sb.station.set(FEED_PATH, with_items(feed, shuffled))
        outcome = await poller.poll(feed_id)
        assert (outcome.status, outcome.new, outcome.revised, outcome.enqueued) == (
            "stored",
            0,
            0,
            0,
        )
        assert await article_count(database) == 11
        assert len(await all_deliveries(database)) == audience


async def test_no_fault_crashes_the_poller_or_loses_stored_articles(
    database: Database, sb: Sandbox, make_poller: IngestFactory, feed_id: int, clock: Clock
) -> None:
    poller = make_poller(FeedFetcher(connect_timeout=1, read_timeout=0.4, total_timeout=0.8))
    await prime(poller, feed_id)
    faults = ["500", "404", "garbage", "huge", "html", "429", "503", "reset", "timeout", "stall"]
    for mode in faults:
        sb.station.fail(FEED_PATH, mode, size_mb=20)  # type: ignore[arg-type]
        clock.advance(86400)
        outcomes = await poller.poll_due()  # raises nothing, whatever the site does
        assert [o.status for o in outcomes] == ["error"], mode
        assert await article_count(database) == 10, mode
    bodies: list[bytes] = [b"", b"   ", b"\x00\xff" * 100, b"<rss", b"/etc/passwd"]
    for body in bodies:
        sb.station.set(FEED_PATH, body, content_type="application/rss+xml")
        sb.station.failures.clear()
        clock.advance(86400)
        outcomes = await poller.poll_due()
        assert [o.status for o in outcomes] == ["error"], body
        assert await article_count(database) == 10, body
    feed = await feed_row(database, feed_id)
    assert feed.failures == len(faults) + len(bodies)


# --- 6. alerts and isolation -------------------------------------------------------------------
async def fail_until_alerted(
    poller: Ingest, database: Database, feed_id: int, clock: Clock, alerts: Alerts
) -> float:
    """Poll whenever the feed is due until admins hear; seconds since its last success."""
    last_success = (await feed_row(database, feed_id)).last_success_at
    assert last_success is not None
    for _ in range(100):
        clock.set((await feed_row(database, feed_id)).next_poll_at)
        await poller.poll_due()
        if alerts.texts:
            return (clock() - last_success).total_seconds()
    raise AssertionError("no alert after 100 polls")


async def test_a_feed_failing_for_thirty_minutes_alerts_once_and_its_recovery_once(
    database: Database,
    sb: Sandbox,
    poller: Ingest,
    feed_id: int,
    clock: Clock,
    alerts: Alerts,
) -> None:
    await prime(poller, feed_id)
    sb.station.fail(FEED_PATH, "500")

    late = await fail_until_alerted(poller, database, feed_id, clock, alerts)

    # 30 minutes, plus at most one capped wait (before: 10 failures, 39.5 hours).
    assert ALERT_AFTER <= late <= ALERT_AFTER + 1.1 * failure_backoff_cap(INTERVAL, ALERT_AFTER)
    (down,) = alerts.texts
    assert down.startswith(f"⚠️ Nguồn tin {sb.station_url}{FEED_PATH} không hoạt động từ")
    assert "08:00, 05/07/2014" in down  # the last success, station time
    assert "HTTP 500" in down
    for _ in range(20):  # a day of failures later: still one alert
        clock.advance(3600)
        await poller.poll(feed_id)
    assert len(alerts.texts) == 1

    sb.station.clear(FEED_PATH)  # back, and unchanged (a 304)
    clock.advance(3600)
    outcome = await poller.poll(feed_id)
    assert outcome.status == "not_modified"
    assert alerts.texts[1] == f"✅ Nguồn tin {sb.station_url}{FEED_PATH} đã hoạt động trở lại."
    feed = await feed_row(database, feed_id)
    assert (feed.failures, feed.last_error, feed.alerted_down) == (0, None, False)

    # Healthy polls and a later outage shorter than the alert delay say nothing more.
    sb.station.fail(FEED_PATH, "500", times=3)
    for _ in range(6):
        clock.advance(INTERVAL * 1.1)
        await poller.poll(feed_id)
    assert len(alerts.texts) == 2


async def test_a_feed_with_no_usable_item_for_thirty_minutes_is_reported_and_logged_sparingly(
    database: Database,
    sb: Sandbox,
    poller: Ingest,
    feed_id: int,
    clock: Clock,
    alerts: Alerts,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Before: never reported, and its warning repeated in the log every poll."""
    await prime(poller, feed_id)
    feed = station_feed(sb)
    # Neither title nor text: nothing a reader could be told.
    empty = [new_item(24880 + i, None, body="", guid=f"tag:kontumtv.vn,2014:{i}") for i in range(3)]
    sb.station.set(FEED_PATH, with_items(feed, empty))
    requests_before = len(sb.station.requests_to(FEED_PATH))

    with caplog.at_level(logging.WARNING, logger="bot.services.ingest"):
        late = await fail_until_alerted(poller, database, feed_id, clock, alerts)
        for _ in range(12):  # another hour of it
            clock.advance(INTERVAL)
            assert (await poller.poll(feed_id)).status == "empty"

    assert ALERT_AFTER <= late <= ALERT_AFTER + 1.1 * INTERVAL  # polled at the normal pace
    (down,) = alerts.texts
    assert "no usable item: 3 entries without a title or text" in down
    # About 20 polls in 1.5 hours; each of the two warnings is logged once per hour.
    lines = [r.getMessage() for r in caplog.records]
    assert len(sb.station.requests_to(FEED_PATH)) - requests_before >= 18
    skipped = [line for line in lines if "skipped 3 entries without a title or text" in line]
    assert len(skipped) == 2 and "more like it not logged" in skipped[1]
    assert len([line for line in lines if "no usable item" in line]) == 2

    sb.station.set(FEED_PATH, feed)  # back to what was stored last: a 304 is a success
    clock.advance(INTERVAL)
    assert (await poller.poll(feed_id)).status == "not_modified"
    assert len(alerts.texts) == 2 and "hoạt động trở lại" in alerts.texts[1]


async def test_a_slow_feed_does_not_delay_another_feeds_poll(
    database: Database, sb: Sandbox, poller: Ingest, clock: Clock
) -> None:
    # The slow feed is the more overdue one, so it is started first.
    slow_id = await add_feed(database, f"{sb.station_url}{FEED_PATH}", due=NOW - timedelta(hours=1))
    good_id = await add_feed(database, f"{sb.station_url}{CATEGORY_PATH}")
    feed = station_feed(sb)
    _, items, _ = split_feed(feed)
    sb.station.set(CATEGORY_PATH, with_items(feed, items[:4]))
    sb.station.fail(FEED_PATH, "slow", delay=1.0)

    started = await poller.start_due()
    assert [t.get_name() for t in started] == [f"poll-{slow_id}", f"poll-{good_id}"]
    done, pending = await asyncio.wait(started, timeout=10, return_when=asyncio.FIRST_COMPLETED)

    assert [t.result().feed_id for t in done] == [good_id]
    assert done.pop().result().new == 4
    assert len(pending) == 1  # the slow one is still waiting for the site
    (slow,) = await asyncio.gather(*pending)
    assert (slow.feed_id, slow.status, slow.new) == (slow_id, "stored", 6)


# --- 7. Retry-After ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("mode", "retry_after", "wait"),
    [("429", 7200, 7200.0), ("503", 1800, 1800.0), ("429", 5, INTERVAL), ("503", 0, INTERVAL)],
)
async def test_retry_after_is_honoured_but_never_polls_sooner_than_the_interval(
    database: Database,
    sb: Sandbox,
    poller: Ingest,
    feed_id: int,
    clock: Clock,
    mode: str,
    retry_after: int,
    wait: float,
) -> None:
    sb.station.fail(FEED_PATH, mode, retry_after=retry_after)  # type: ignore[arg-type]

    outcome = await poller.poll(feed_id)

    assert outcome.status == "error"
    feed = await feed_row(database, feed_id)
    assert feed.last_error is not None and f"HTTP {mode}" in feed.last_error
    delay = (feed.next_poll_at - clock()).total_seconds()
    assert wait <= delay <= wait * 1.1 + 1
    clock.set(feed.next_poll_at - timedelta(seconds=1))
    assert await poller.poll_due() == []


# --- 8. redirects ------------------------------------------------------------------------------
@pytest.mark.parametrize(("status", "moves"), [(301, True), (308, True), (302, False)])
async def test_a_permanent_redirect_updates_the_stored_feed_url(
    database: Database, sb: Sandbox, poller: Ingest, feed_id: int, status: int, moves: bool
) -> None:
    old_url = f"{sb.station_url}{FEED_PATH}"
    sb.station.set("/tin-tuc/feed", station_feed(sb))
    sb.station.redirect(FEED_PATH, "/tin-tuc/feed", status)

    outcome = await poller.poll(feed_id)

    assert (outcome.status, outcome.new) == ("stored", 10)
    feed = await feed_row(database, feed_id)
    assert feed.url == (f"{sb.station_url}/tin-tuc/feed" if moves else old_url)
    before = len(sb.station.requests_to(FEED_PATH))
    again = await poller.poll(feed_id)
    assert again.status == "not_modified"
    assert len(sb.station.requests_to(FEED_PATH)) == (before if moves else before + 1)
    assert await article_count(database) == 10


# --- revisions ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("hours", "edited"), [(47, True), (49, False)])
async def test_a_revised_entry_marks_sent_messages_for_editing_within_48_hours(
    database: Database,
    sb: Sandbox,
    poller: Ingest,
    feed_id: int,
    audience: int,
    clock: Clock,
    hours: int,
    edited: bool,
) -> None:
    published = NOW - timedelta(minutes=30)  # "Sat, 05 Jul 2014 00:30:00 +0000"
    await prime(poller, feed_id)
    serve_with_new_item(sb, new_item(24880))
    assert (await poller.poll(feed_id)).enqueued == audience
    rows = await all_deliveries(database)
    sent = next(r for r in rows if r.kind == "channel")
    async with database.session() as session:
        await session.execute(
            update(Delivery)
            .where(Delivery.id == sent.id)
            .values(status="sent", message_id=4242, sent_revision=1, sent_at=NOW)
        )

    clock.set(published + timedelta(hours=hours))
    serve_with_new_item(sb, new_item(24880, "Khánh thành cầu treo dân sinh qua sông Đăk Bla"))
    outcome = await poller.poll(feed_id)

    assert (outcome.new, outcome.revised) == (0, 1)
    article = (await all_articles(database))[-1]
    assert (article.title, article.revision) == (
        "Khánh thành cầu treo dân sinh qua sông Đăk Bla",
        2,
    )
    after = {r.id: r for r in await all_deliveries(database)}
    assert len(after) == audience  # a correction is an edit, never a second push
    assert after[sent.id].edit_revision == (2 if edited else None)
    assert after[sent.id].status == "sent" and after[sent.id].message_id == 4242
    assert all(r.edit_revision is None for i, r in after.items() if i != sent.id)


async def test_main_and_category_feeds_polled_at_the_same_moment_share_articles(
    database: Database, sb: Sandbox, poller: Ingest, clock: Clock, audience: int
) -> None:
    """Both feeds fall due together (as at start-up) and list the same stories."""
    main_id = await add_feed(database, f"{sb.station_url}{FEED_PATH}")
    category_id = await add_feed(database, f"{sb.station_url}{CATEGORY_PATH}")
    feed = station_feed(sb)
    _, items, _ = split_feed(feed)
    sb.station.set(CATEGORY_PATH, with_items(feed, items))

    first = await poller.poll_due()

    assert sorted((o.feed_id, o.status, o.error) for o in first) == [
        (main_id, "stored", None),
        (category_id, "stored", None),
    ]
    assert await article_count(database) == 10

    item = new_item(24880)
    serve_with_new_item(sb, item)
    serve_with_new_item(sb, item, CATEGORY_PATH)
    clock.advance(86400)
    second = await poller.poll_due()

    assert [o.status for o in second] == ["stored", "stored"], [o.error for o in second]
    assert sum(o.new for o in second) == 1
    assert await article_count(database) == 11
    assert len(await all_deliveries(database)) == audience


async def test_an_item_with_no_text_in_the_feed_gets_its_summary_from_the_page_once(
    database: Database, make_poller: IngestFactory, clock: Clock, audience: int
) -> None:
    """A video post whose feed body is only a player: the summary comes from its page,
    which is read when the item is new, not again on every later change of the feed."""
    async with Sandbox(local_links=True) as sb:
        feed_id = await add_feed(database, f"{sb.station_url}{FEED_PATH}")
        poller = make_poller()
        await prime(poller, feed_id)
        page_path = "/video-clip/thoi-su/le-hoi-cong-chieng"
        sb.station.set(
            page_path,
            '<!DOCTYPE html><html lang="vi"><head><meta charset="UTF-8">'
            f'<meta property="og:image" content="{sb.station_url}/anh/cong-chieng.jpg">'
            '</head><body><article><h1 class="entry-title">Lễ hội cồng chiêng</h1>'
            '<div class="entry-content"><p>(kontumtv.vn) &#8211; Tối 4/7, Lễ hội cồng chiêng '
            "diễn ra tại Quảng trường 16/3, TP. Kon Tum. Hàng nghìn người dân đến xem.</p>"
            '<p style="text-align: right;"><strong>Văn Tuấn</strong></p></div></article>'
            "</body></html>",
        )
        video = (
            "\t<item>\n\t\t<title>Video: Lễ hội cồng chiêng</title>\n"
            f"\t\t<link>{sb.station_url}{page_path}</link>\n"
            "\t\t<pubDate>Sat, 05 Jul 2014 00:40:00 +0000</pubDate>\n"
            "\t\t<category><![CDATA[Video clip]]></category>\n"
            f'\t\t<guid isPermaLink="false">{sb.station_url}/?p=24890</guid>\n'
            "\t\t<description><![CDATA[]]></description>\n"
            '\t\t<content:encoded><![CDATA[<p><iframe src="/player/?l=x.mp4"></iframe></p>]]>'
            "</content:encoded>\n\t</item>\n"
        )
        serve_with_new_item(sb, video)

        outcome = await poller.poll(feed_id)

        assert (outcome.new, outcome.enqueued) == (1, audience)
        article = (await all_articles(database))[-1]
        assert article.summary == (
            "Tối 4/7, Lễ hội cồng chiêng diễn ra tại Quảng trường 16/3, TP. Kon Tum. "
            "Hàng nghìn người dân đến xem."
        )
        assert article.image_url == f"{sb.station_url}/anh/cong-chieng.jpg"
        assert len(sb.station.requests_to(page_path)) == 1

        # Another story is published: the video's page is not read again.
        feed = station_feed(sb)
        _, items, _ = split_feed(feed)
        sb.station.set(FEED_PATH, with_items(feed, [new_item(24891), video, *items[:-2]]))
        clock.advance(600)
        assert (await poller.poll(feed_id)).new == 1
        assert len(sb.station.requests_to(page_path)) == 1
        assert (await all_articles(database))[-2].summary == article.summary
