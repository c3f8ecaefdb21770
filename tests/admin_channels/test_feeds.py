"""Feeds managed from Telegram, end to end through the sandbox: /feeds shows each feed's
health, /addfeed adds only what parses as a feed (its current items are backlog, never
pushed), /removefeed keeps the configured ones, /pollnow makes them due."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import select

from bot import callbacks
from bot.admin_buttons import FeedButton, FeedOp
from bot.feeds.fetch import FeedFetcher
from bot.i18n import t
from bot.services.feed_admin import FeedAdmin, FeedRefusal, FeedRefused, is_private, url_refusal
from bot.services.ingest import Ingest
from storage.db import Database
from storage.models import Feed
from tests.admin_channels.helpers import (
    OWNER,
    active_feed_urls,
    command,
    deliveries_to,
    fresh_item,
    publish,
    run_pipeline,
)
from tests.harness import running_bot
from tests.sandbox import Sandbox

READER = 1001
CATEGORY = "/category/kinh-te/feed"
ADMIN = {"owner_ids": [OWNER], "feeds_allow_private": True}  # the sandbox is on 127.0.0.1


async def feed_row(database: Database, url: str) -> Feed | None:
    async with database.session() as session:
        return (await session.scalars(select(Feed).where(Feed.url == url))).first()


async def test_feeds_lists_the_configured_feed_with_its_health(
    sb: Sandbox, database: Database
) -> None:
    url = f"{sb.station_url}/feed"
    await run_pipeline(sb, database, configured=[url])
    async with running_bot(sb, database, **ADMIN) as bot:
        reply = await command(bot, sb.user(OWNER), "/feeds")
    text = reply.text or ""
    assert url in text
    assert "Đài Phát thanh – Truyền hình Kon Tum" in text
    assert t("feeds.from_config", "vi") in text and t("feeds.health_ok", "vi") in text
    stored = await feed_row(database, url)
    assert stored is not None and stored.last_polled_at is not None
    assert f"Số bài đã lưu: {len(sb.station.feed_bytes().split(b'<item>')) - 1}" in text
    assert t("feeds.never", "vi") not in text  # it was polled: a time is shown
    # Configured feeds have 🔄 but no 🗑.
    assert [b["text"] for b in reply.buttons] == [t("feeds.button.poll", "vi", number="1")]


async def test_feeds_never_shows_a_feed_password(sb: Sandbox, database: Database) -> None:
    url = sb.station_url.replace("://", "://editor:s3cr3t-pw@") + "/feed?cat=5"
    await run_pipeline(sb, database, configured=[url])
    async with running_bot(sb, database, **ADMIN) as bot:
        owner = sb.user(OWNER)
        listed = (await command(bot, owner, "/feeds")).text or ""
        refused = (await command(bot, owner, "/removefeed 1")).text or ""
    assert "s3cr3t-pw" not in listed + refused
    # The rest stays, so two feeds of one site (?cat=5, ?cat=6) are still told apart.
    shown = sb.station_url.replace("://", "://editor:***@") + "/feed?cat=5"
    assert shown in listed and shown in refused
    stored = await feed_row(database, url)
    assert stored is not None and stored.last_polled_at is not None  # fetched with it


async def test_addfeed_refuses_what_is_not_a_feed_with_the_reason(
    sb: Sandbox, database: Database
) -> None:
    owner = sb.user(OWNER)
    sb.station.set("/gioi-thieu", "<!DOCTYPE html><html><body>Giới thiệu</body></html>")
    cases = {
        f"{sb.station_url}/gioi-thieu": t("feeds.refused.html_page", "vi"),
        f"{sb.station_url}/khong-co": t("feeds.refused.http_error", "vi", status="404"),
        "ftp://kontumtv.vn/feed": t("feeds.refused.bad_url", "vi"),
        "kontumtv.vn/feed": t("feeds.refused.bad_url", "vi"),
    }
    async with running_bot(sb, database, **ADMIN) as bot:
        for url, reason in cases.items():
            reply = await command(bot, owner, f"/addfeed {url}")
            assert reply.text == reason, url
        assert (await command(bot, owner, "/addfeed")).text == t("feeds.add_usage", "vi")
    # Without NEWSBOT_FEEDS_ALLOW_PRIVATE the sandbox's own address is refused outright.
    async with running_bot(sb, database, owner_ids=[OWNER]) as bot:
        reply = await command(bot, owner, f"/addfeed {sb.station_url}{CATEGORY}")
        assert reply.text == t("feeds.refused.private_address", "vi")
    assert sb.station.requests_to(CATEGORY) == []  # never fetched
    assert await active_feed_urls(database) == []


async def test_an_added_feed_keeps_its_old_items_and_pushes_new_ones(
    sb: Sandbox, database: Database
) -> None:
    owner, reader = sb.user(OWNER), sb.user(READER, "Lan")
    main, added = f"{sb.station_url}/feed", f"{sb.station_url}{CATEGORY}"
    publish(sb, CATEGORY, fresh_item(40001, "Giá cà phê Đăk Hà tăng mạnh"))
    await run_pipeline(sb, database, configured=[main])
    async with running_bot(sb, database, **ADMIN) as bot:
        await reader.send("/start")
        await sb.wait_for_message(reader.chat_id, timeout=10)
        reply = await command(bot, owner, f"/addfeed {added}")
        assert reply.text is not None and reply.text.startswith("✅")
        assert "Giá cà phê Đăk Hà tăng mạnh" in reply.text  # the newest item, previewed
        assert added in reply.text
        again = await command(bot, owner, f"/addfeed {added}")
        stored = await feed_row(database, added)
        assert stored is not None and stored.active and not stored.primed
        assert again.text == t("feeds.refused.already", "vi", number=str(stored.id))
    # The ingest loop picks the new row up (no restart); its current items are backlog.
    await run_pipeline(sb, database, configured=[main])
    assert await deliveries_to(database, READER) == []
    publish(sb, CATEGORY, fresh_item(40002, "Kon Tum mở rộng vùng sâm Ngọc Linh"),
            fresh_item(40001, "Giá cà phê Đăk Hà tăng mạnh"))  # fmt: skip
    await run_pipeline(sb, database, configured=[main])
    pushed = [m.text or m.caption or "" for m in sb.messages(READER)][1:]  # after the welcome
    assert len(pushed) == 1 and pushed[0].startswith("Kon Tum mở rộng vùng sâm Ngọc Linh")
    # After a restart (a new application, the configured feeds ensured again) it is still
    # listed and polled.
    async with running_bot(sb, database, **ADMIN) as bot:
        listing = await command(bot, owner, "/feeds")
    assert added in (listing.text or "") and main in (listing.text or "")
    assert sorted(await active_feed_urls(database)) == sorted([main, added])


async def test_removefeed_asks_first_and_keeps_configured_feeds(
    sb: Sandbox, database: Database
) -> None:
    owner = sb.user(OWNER)
    main, added = f"{sb.station_url}/feed", f"{sb.station_url}{CATEGORY}"
    publish(sb, CATEGORY, fresh_item(40003, "Hội chợ nông sản Kon Tum"))
    await run_pipeline(sb, database, configured=[main])
    async with running_bot(sb, database, **ADMIN) as bot:
        await command(bot, owner, f"/addfeed {added}")
        main_row, added_row = await feed_row(database, main), await feed_row(database, added)
        assert main_row is not None and added_row is not None
        reply = await command(bot, owner, f"/removefeed {main_row.id}")
        assert reply.text == t("feeds.configured", "vi", url=main)
        reply = await command(bot, owner, f"/removefeed {added}")
        assert reply.text == t("feeds.remove_confirm", "vi", url=added)
        assert await feed_row(database, added) is not None and added_row.active
        query = await owner.tap(
            reply, callbacks.encode(FeedButton(added_row.id, FeedOp.REMOVE_YES))
        )
        await bot.query_handled(query)
        assert reply.text == t("feeds.removed", "vi", url=added)
        listing = await command(bot, owner, "/feeds")
        assert added not in (listing.text or "")
        reply = await command(bot, owner, "/pollnow")
        assert reply.text == t("feeds.polling", "vi", count="1")
    removed = await feed_row(database, added)
    assert removed is not None and not removed.active
    polled_before = len(sb.station.requests_to(CATEGORY))
    await run_pipeline(sb, database, configured=[main])
    assert len(sb.station.requests_to(CATEGORY)) == polled_before  # no longer polled


async def test_pollnow_makes_a_feed_due_at_once(sb: Sandbox, database: Database) -> None:
    url = f"{sb.station_url}/feed"
    await run_pipeline(sb, database, configured=[url])
    before = await feed_row(database, url)
    assert before is not None and before.next_poll_at > datetime.now(UTC)
    async with running_bot(sb, database, **ADMIN) as bot:
        reply = await command(bot, sb.user(OWNER), f"/pollnow {before.id}")
        assert reply.text == t("feeds.polling", "vi", count="1")
        unknown = await command(bot, sb.user(OWNER), "/pollnow 999")
        assert unknown.text == t("feeds.unknown", "vi", ref="999")
    after = await feed_row(database, url)
    assert after is not None and after.next_poll_at <= datetime.now(UTC)


async def test_a_feed_that_does_not_answer_in_time_is_refused(
    sb: Sandbox, database: Database
) -> None:
    sb.station.fail(CATEGORY, "timeout")
    admin = FeedAdmin(database, [], allow_private=True, timeout_s=0.5)
    refused = await admin.add(OWNER, f"{sb.station_url}{CATEGORY}")
    assert refused == FeedRefused(FeedRefusal.TIMEOUT)
    assert await active_feed_urls(database) == []


async def test_private_addresses_are_refused_by_name_too(database: Database) -> None:
    async def resolves_to(address: str) -> FeedAdmin:
        async def resolver(host: str, port: int) -> list[str]:
            return [address]

        return FeedAdmin(database, [], resolver=resolver)

    for address in ("127.0.0.1", "10.1.2.3", "192.168.1.10", "169.254.169.254", "::1"):
        admin = await resolves_to(address)
        assert await admin.add(OWNER, "https://intranet.example/feed") == FeedRefused(
            FeedRefusal.PRIVATE_ADDRESS
        ), address
    assert not is_private("93.184.216.34") and is_private("fd00::1")
    assert url_refusal("https://kontumtv.vn/feed") is None
    assert url_refusal("https://kontumtv.vn:99999/feed") is FeedRefusal.BAD_URL
    assert url_refusal("javascript:alert(1)") is FeedRefusal.BAD_URL


async def test_the_running_ingest_loop_picks_up_added_and_removed_feeds(
    sb: Sandbox, database: Database
) -> None:
    url = f"{sb.station_url}{CATEGORY}"
    publish(sb, CATEGORY, fresh_item(40004, "Lễ hội cồng chiêng Kon Tum"))
    admin = FeedAdmin(database, [], allow_private=True)
    async with FeedFetcher(connect_timeout=2, read_timeout=3, total_timeout=5) as fetcher:
        loop = asyncio.create_task(Ingest(database, fetcher, interval_s=0.2).run_forever(0.05))
        try:
            added = await admin.add(OWNER, url)
            assert not isinstance(added, FeedRefused)
            for _ in range(200):  # the loop polls it within a tick or two
                row = await feed_row(database, url)
                if row is not None and row.primed:
                    break
                await asyncio.sleep(0.05)
            else:
                raise AssertionError("the running loop never polled the added feed")
            await admin.remove(OWNER, added.feed.id)
            await asyncio.sleep(0.5)  # a poll in flight may finish
            polled = len(sb.station.requests_to(CATEGORY))
            await asyncio.sleep(1.0)  # five poll intervals
            assert len(sb.station.requests_to(CATEGORY)) == polled
        finally:
            loop.cancel()
            await asyncio.gather(loop, return_exceptions=True)
