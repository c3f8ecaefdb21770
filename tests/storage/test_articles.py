"""Articles: one per (feed, guid) and per canonical URL; changes become revisions.

Drafts reach storage as `NewArticle` through the ingest service's `store_drafts` (which folds
and slugs); the storage contract itself is checked with hand-built items at the end.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.feeds.draft import ArticleDraft
from bot.feeds.parse import parse_feed
from bot.services.ingest_store import search_text, store_drafts
from storage.db import Database
from storage.models import Article, Topic
from storage.repositories import articles, feeds
from storage.repositories.articles import NewArticle, TopicRef
from tests.conftest import FIXTURES

NOW = datetime(2014, 7, 4, 14, 0, tzinfo=UTC)


def fixture_drafts() -> list[ArticleDraft]:
    body = (FIXTURES / "station" / "kontumtv-feed.xml").read_bytes()
    return parse_feed(body, fetched_at=NOW).entries


async def feed_ids(database: Database, *urls: str) -> list[int]:
    async with database.session() as session:
        return [feed.id for feed in await feeds.ensure_feeds(session, urls, now=NOW)]


async def test_fixture_feed_stores_ten_articles_with_topics_and_search_text(
    database: Database,
) -> None:
    (main,) = await feed_ids(database, "https://kontumtv.vn/feed")
    async with database.session() as session:
        result = await store_drafts(session, main, fixture_drafts(), now=NOW, backlog=True)
    assert len(result.new_ids) == 10
    async with database.session() as session:
        seed = (
            await session.scalars(select(Article).where(Article.guid.endswith("?p=24866")))
        ).one()
        assert {t.name for t in seed.topics} == {"Quốc phòng - An ninh", "Thời sự"}
        assert "quoc-phong-an-ninh" in {t.slug for t in seed.topics}
        assert seed.summary.startswith("Ngày 4/7, Tỉnh ủy Kon Tum")
        assert "hoi nghi so ket" in seed.search_text
        # Ten articles are stored oldest first, so ids follow publication order.
        stored = (await session.scalars(select(Article).order_by(Article.id))).all()
        assert all(a.backlog for a in stored)
        assert [a.published_at for a in stored] == sorted(a.published_at for a in stored)


async def test_polling_the_same_items_again_changes_nothing(database: Database) -> None:
    (main,) = await feed_ids(database, "https://kontumtv.vn/feed")
    drafts = fixture_drafts()
    async with database.session() as session:
        await store_drafts(session, main, drafts, now=NOW, backlog=True)
    async with database.session() as session:
        again = await store_drafts(
            session, main, list(reversed(drafts[3:])), now=NOW, backlog=False
        )
        count = (await session.execute(select(func.count()).select_from(Article))).scalar_one()
    assert (len(again.new_ids), len(again.revised), again.unchanged) == (0, 0, 7)
    assert count == 10


async def test_category_feed_repeating_main_items_merges_topics(database: Database) -> None:
    main, category = await feed_ids(
        database, "https://kontumtv.vn/feed", "https://kontumtv.vn/category/kinh-te/feed"
    )
    drafts = fixture_drafts()
    async with database.session() as session:
        await store_drafts(session, main, drafts, now=NOW, backlog=True)
    repeated = dataclasses.replace(drafts[-1], topics=("Kinh tế", "Tin nổi bật"))
    async with database.session() as session:
        result = await store_drafts(session, category, [repeated], now=NOW, backlog=True)
    assert (len(result.new_ids), result.merged) == (0, 1)
    async with database.session() as session:
        article = (await session.scalars(select(Article).where(Article.url == repeated.url))).one()
        names = {t.name for t in article.topics}
        topic_count = (await session.execute(select(func.count()).select_from(Topic))).scalar_one()
    assert set(drafts[-1].topics) | {"Kinh tế", "Tin nổi bật"} == names
    assert topic_count == len({t for d in drafts for t in d.topics} | {"Tin nổi bật"})


async def test_a_changed_title_is_a_revision_not_a_new_article(database: Database) -> None:
    (main,) = await feed_ids(database, "https://kontumtv.vn/feed")
    draft = fixture_drafts()[0]
    async with database.session() as session:
        await store_drafts(session, main, [draft], now=NOW, backlog=False)
    fixed = dataclasses.replace(draft, title=draft.title + " (cập nhật)", content_hash="changed")
    later = NOW + timedelta(hours=1)
    async with database.session() as session:
        result = await store_drafts(session, main, [fixed], now=later, backlog=False)
    assert not result.new_ids and [a.revision for a in result.revised] == [2]
    async with database.session() as session:
        (article,) = (await session.scalars(select(Article))).all()
    assert article.title.endswith("(cập nhật)") and article.updated_at == later
    assert "cap nhat" in article.search_text


async def test_an_entry_that_lost_its_text_keeps_the_stored_summary(database: Database) -> None:
    (main,) = await feed_ids(database, "https://kontumtv.vn/feed")
    draft = fixture_drafts()[0]
    async with database.session() as session:
        await store_drafts(session, main, [draft], now=NOW, backlog=False)
    bare = dataclasses.replace(draft, summary="", text="", content_hash="no-text")
    async with database.session() as session:
        result = await store_drafts(session, main, [bare], now=NOW, backlog=False)
        (article,) = (await session.scalars(select(Article))).all()
    assert result.revised == [] and result.unchanged == 1
    assert article.summary == draft.summary and article.revision == 1


async def test_a_title_fix_on_an_entry_without_text_is_searchable_with_the_kept_summary(
    database: Database,
) -> None:
    (main,) = await feed_ids(database, "https://kontumtv.vn/feed")
    draft = fixture_drafts()[0]
    async with database.session() as session:
        await store_drafts(session, main, [draft], now=NOW, backlog=False)
    renamed = dataclasses.replace(
        draft, title="Tiêu đề đã sửa", summary="", text="", content_hash="renamed"
    )
    async with database.session() as session:
        result = await store_drafts(session, main, [renamed], now=NOW, backlog=False)
        (article,) = (await session.scalars(select(Article))).all()
    assert [a.revision for a in result.revised] == [2]
    assert article.summary == draft.summary
    assert article.search_text == search_text(renamed.title, draft.summary, draft.text)
    assert article.search_text.startswith("tieu de da sua ")


def item(url: str, *topics: TopicRef, search_text: str | None = "bai viet") -> NewArticle:
    return NewArticle(
        guid=url,
        url=url,
        title="Bài viết",
        author=None,
        published_at=NOW,
        topics=topics,
        image_url=None,
        video_url=None,
        summary="Tóm tắt.",
        text="Tóm tắt.",
        content_hash=url,
        search_text=search_text,
    )


async def test_storage_keeps_the_callers_search_text_and_topic_slugs(database: Database) -> None:
    (main,) = await feed_ids(database, "https://kontumtv.vn/feed")
    news, spelled_otherwise = TopicRef("Thời sự", "thoi-su"), TopicRef("Thời Sự", "thoi-su")
    async with database.session() as session:
        result = await articles.store(
            session,
            main,
            [item("https://kontumtv.vn/a", news), item("https://kontumtv.vn/b", spelled_otherwise)],
            now=NOW,
            backlog=False,
        )
    assert [published for _, published in result.new] == [NOW, NOW]
    async with database.session() as session:
        stored = (await session.scalars(select(Article).order_by(Article.id))).all()
        (topic,) = (await session.scalars(select(Topic))).all()
    assert [a.search_text for a in stored] == ["bai viet", "bai viet"]
    assert (topic.slug, topic.name) == ("thoi-su", "Thời sự")  # the slug is the identity
    assert all([t.slug for t in a.topics] == ["thoi-su"] for a in stored)


async def test_a_changed_item_without_search_text_is_refused(database: Database) -> None:
    (main,) = await feed_ids(database, "https://kontumtv.vn/feed")
    async with database.session() as session:
        await articles.store(session, main, [item("https://kontumtv.vn/a")], now=NOW, backlog=False)
    changed = dataclasses.replace(
        item("https://kontumtv.vn/a", search_text=None), content_hash="other"
    )
    with pytest.raises(ValueError, match="without its search text"):
        async with database.session() as session:
            await articles.store(session, main, [changed], now=NOW, backlog=False)
    unchanged = item("https://kontumtv.vn/a", search_text=None)
    async with database.session() as session:
        again = await articles.store(session, main, [unchanged], now=NOW, backlog=False)
    assert again.unchanged == 1


async def test_unannounced_lists_the_feeds_pushable_articles_stored_after_a_time(
    database: Database,
) -> None:
    main, other = await feed_ids(
        database, "https://kontumtv.vn/feed", "https://kontumtv.vn/category/kinh-te/feed"
    )
    later = NOW + timedelta(minutes=5)
    async with database.session() as session:
        await articles.store(
            session, main, [item("https://kontumtv.vn/old")], now=NOW, backlog=False
        )
        await articles.store(
            session, main, [item("https://kontumtv.vn/bl")], now=later, backlog=True
        )
        fresh = await articles.store(
            session, main, [item("https://kontumtv.vn/new")], now=later, backlog=False
        )
        await articles.store(
            session, other, [item("https://kontumtv.vn/kt")], now=later, backlog=False
        )
        burst = await articles.store(
            session,
            main,
            [item(f"https://kontumtv.vn/burst-{i}") for i in range(1200)],  # pages of 500
            now=later,
            backlog=False,
        )
    async with database.session() as session:
        found = await articles.unannounced(session, main, after=NOW)
        none = await articles.unannounced(session, main, after=later)
    assert found == [*reversed(burst.new), *fresh.new]  # newest first; not "old", not backlog
    assert none == []


async def test_covering_ids_stand_for_every_topic_of_a_set_of_articles(database: Database) -> None:
    (main,) = await feed_ids(database, "https://kontumtv.vn/feed")
    news, sport = TopicRef("Thời sự", "thoi-su"), TopicRef("Thể thao", "the-thao")
    items = [
        item("https://kontumtv.vn/1", news),
        item("https://kontumtv.vn/2", news),
        item("https://kontumtv.vn/3", news, sport),
        item("https://kontumtv.vn/4"),
        item("https://kontumtv.vn/5", sport),
    ]
    async with database.session() as session:
        ids = (await articles.store(session, main, items, now=NOW, backlog=False)).new_ids
        covering = await articles.covering_ids(session, ids)
        untagged = await articles.covering_ids(session, [ids[3]])
        nothing = await articles.covering_ids(session, [])
    assert covering == [ids[0], ids[2]]  # thoi-su by the first, the-thao by the third
    assert (untagged, nothing) == ([ids[3]], [])
