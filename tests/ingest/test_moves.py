"""Things that move: a feed that answers 301 but is still listed under its old URL, and an
article whose link changed in a revision."""

from __future__ import annotations

from sqlalchemy import func, select, update

from bot.services.ingest import Ingest
from storage.db import Database
from storage.models import Delivery, Feed
from storage.repositories import feeds
from tests.ingest.conftest import (
    FEED_PATH,
    NOW,
    all_articles,
    all_deliveries,
    article_count,
    feed_row,
    new_item,
)
from tests.ingest.test_ingest import prime, serve_with_new_item, station_feed
from tests.sandbox import Sandbox


async def _feed_rows(database: Database) -> int:
    async with database.session() as session:
        return int(await session.scalar(select(func.count()).select_from(Feed)) or 0)


async def test_a_moved_feed_still_listed_under_its_old_url_is_the_same_feed(
    database: Database, sb: Sandbox, poller: Ingest, feed_id: int
) -> None:
    old_url = f"{sb.station_url}{FEED_PATH}"
    new_url = f"{sb.station_url}/tin-tuc/feed"
    sb.station.set("/tin-tuc/feed", station_feed(sb))
    sb.station.redirect(FEED_PATH, "/tin-tuc/feed", 301)
    assert (await poller.poll(feed_id)).new == 10
    assert (await feed_row(database, feed_id)).url == new_url

    # The bot restarts with NEWSBOT_FEEDS unchanged: the old URL is still this feed.
    async with database.session() as session:
        (again,) = await feeds.ensure_feeds(session, [old_url], now=NOW)
        assert again.id == feed_id and again.url == new_url
    # The station lists both, or only the new one: still one feed.
    async with database.session() as session:
        both = await feeds.ensure_feeds(session, [old_url, new_url], now=NOW)
        assert [f.id for f in both] == [feed_id]
    async with database.session() as session:
        (only_new,) = await feeds.ensure_feeds(session, [new_url], now=NOW)
        assert only_new.id == feed_id
    assert await _feed_rows(database) == 1
    assert (await poller.poll(feed_id)).status == "not_modified"
    assert await article_count(database) == 10


async def test_a_revision_with_a_new_link_updates_the_article_and_its_sent_message(
    database: Database, sb: Sandbox, poller: Ingest, feed_id: int, audience: int
) -> None:
    await prime(poller, feed_id)
    item = new_item(24880)
    serve_with_new_item(sb, item)
    assert (await poller.poll(feed_id)).enqueued == audience
    sent = (await all_deliveries(database))[0]
    async with database.session() as session:
        await session.execute(
            update(Delivery)
            .where(Delivery.id == sent.id)
            .values(status="sent", message_id=4242, sent_revision=1, sent_at=NOW)
        )

    # Same guid (?p=24880), same text, the permalink renamed by an editor.
    serve_with_new_item(sb, item.replace("bai-viet-24880", "khanh-thanh-cau-treo-dak-bla"))
    outcome = await poller.poll(feed_id)

    assert (outcome.new, outcome.revised) == (0, 1)
    (article,) = [a for a in await all_articles(database) if a.guid.endswith("?p=24880")]
    assert article.url == "https://kontumtv.vn/tin-tuc/thoi-su/khanh-thanh-cau-treo-dak-bla"
    assert article.revision == 2
    after = {r.id: r for r in await all_deliveries(database)}
    assert len(after) == audience  # the 📖 link is corrected by an edit, not a second push
    assert after[sent.id].edit_revision == 2
