"""Storing feed entries as articles: one per (feed, guid), one per canonical URL.

Everything is looked up in bulk (one query per kind for the whole feed), because a category
feed repeats the main feed's items and a 1,000-item feed must not cost 3,000 round trips.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Table, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.feeds.draft import ArticleDraft
from bot.news.folding import fold
from bot.news.topics import slugify
from storage.models import Article, ArticleTopic, FeedEntry, Topic

# Core tables: bulk inserts through them skip the ORM's per-row bookkeeping.
ARTICLES: Table = Article.__table__  # type: ignore[assignment]
ARTICLE_TOPICS: Table = ArticleTopic.__table__  # type: ignore[assignment]
FEED_ENTRIES: Table = FeedEntry.__table__  # type: ignore[assignment]


@dataclass
class StoreResult:
    """What one batch of drafts did to storage."""

    new_ids: list[int] = field(default_factory=list)  # oldest first
    revised: list[Article] = field(default_factory=list)
    merged: int = 0  # seen before under another feed or guid; topics merged
    unchanged: int = 0


def search_text(title: str, summary: str, text: str) -> str:
    return fold(f"{title}\n{summary}\n{text}")


async def topics_for(session: AsyncSession, names: Sequence[str]) -> dict[str, Topic]:
    """Get or create topics by display name; the slug is the identity."""
    # Each display name is slugged once: a 1,000-item feed repeats the same few names.
    slugs = {name: slug for name in dict.fromkeys(names) if (slug := slugify(name))}
    by_slug: dict[str, str] = {}
    for name, slug in slugs.items():
        by_slug.setdefault(slug, name)
    if not by_slug:
        return {}
    found = {
        topic.slug: topic
        for topic in (
            await session.scalars(select(Topic).where(Topic.slug.in_(list(by_slug))))
        ).all()
    }
    for slug, name in by_slug.items():
        if slug not in found:
            topic = Topic(slug=slug, name=name)
            session.add(topic)
            found[slug] = topic
    await session.flush()
    return {name: found[slug] for name, slug in slugs.items()}


async def stored_hashes(
    session: AsyncSession, feed_id: int, guids: Sequence[str]
) -> dict[str, str]:
    """guid -> content hash of the stored article, for this feed's entries already seen."""
    if not guids:
        return {}
    rows = await session.execute(
        select(FeedEntry.guid, Article.content_hash)
        .join(Article, Article.id == FeedEntry.article_id)
        .where(FeedEntry.feed_id == feed_id, FeedEntry.guid.in_(list(guids)))
    )
    return {guid: content_hash for guid, content_hash in rows.all()}


async def store_drafts(
    session: AsyncSession,
    feed_id: int,
    drafts: Sequence[ArticleDraft],
    *,
    now: datetime,
    backlog: bool,
) -> StoreResult:
    """Insert new articles, record revisions, merge repeats; drafts come oldest first."""
    result = StoreResult()
    if not drafts:
        return result
    entries = {
        entry.guid: entry.article_id
        for entry in (
            await session.scalars(
                select(FeedEntry).where(
                    FeedEntry.feed_id == feed_id, FeedEntry.guid.in_([d.guid for d in drafts])
                )
            )
        ).all()
    }
    by_url = {
        article.url: article
        for article in (
            await session.scalars(select(Article).where(Article.url.in_([d.url for d in drafts])))
        ).all()
    }
    by_id = {article.id: article for article in by_url.values()}
    missing_ids = [i for i in entries.values() if i not in by_id]
    if missing_ids:
        for article in (
            await session.scalars(select(Article).where(Article.id.in_(missing_ids)))
        ).all():
            by_id[article.id] = article
    topics = await topics_for(session, [name for d in drafts for name in d.topics])

    fresh: dict[str, dict[str, Any]] = {}  # url -> row of a new article
    fresh_topics: dict[str, list[int]] = {}
    new_entries: dict[str, str] = {}  # guid -> url, for feed entries of this feed
    for draft in drafts:
        article_id = entries.get(draft.guid)
        known = by_id.get(article_id) if article_id is not None else by_url.get(draft.url)
        topic_ids = [topics[n].id for n in draft.topics if n in topics]
        if known is None and draft.url not in fresh:
            fresh[draft.url] = _new_row(feed_id, draft, now=now, backlog=backlog)
            fresh_topics[draft.url] = list(dict.fromkeys(topic_ids))
        elif known is None:  # a second guid for a story new in this very batch
            merged_ids = fresh_topics[draft.url]
            merged_ids.extend(t for t in topic_ids if t not in merged_ids)
            result.merged += 1
        else:
            if _really_changed(known, draft):
                if known not in result.revised:
                    result.revised.append(known)
                _revise(known, draft, now)
            elif article_id is None:
                result.merged += 1
            else:
                result.unchanged += 1
            _merge_topics(known, [topics[n] for n in draft.topics if n in topics])
        if draft.guid not in entries and draft.guid not in new_entries:
            new_entries[draft.guid] = known.url if known is not None else draft.url
    await session.flush()
    # New articles go in with bulk statements: the ORM unit of work costs several times
    # feedparser's own parse time on a 1,000-item feed.
    ids_by_url: dict[str, int] = {a.url: a.id for a in by_url.values()}
    if fresh:
        inserted = await session.execute(
            insert(ARTICLES).returning(ARTICLES.c.id, ARTICLES.c.url),
            list(fresh.values()),
        )
        # RETURNING order is not guaranteed in bulk, so rows are matched by their URL.
        ids_by_url.update({url: article_id for article_id, url in inserted.all()})
        result.new_ids.extend(ids_by_url[url] for url in fresh)
        links = [
            {"article_id": ids_by_url[url], "topic_id": topic_id}
            for url, topic_ids in fresh_topics.items()
            for topic_id in topic_ids
        ]
        if links:
            await session.execute(insert(ARTICLE_TOPICS), links)
    if new_entries:
        await session.execute(
            insert(FEED_ENTRIES),
            [
                {"feed_id": feed_id, "guid": guid, "article_id": ids_by_url[url]}
                for guid, url in new_entries.items()
            ],
        )
    return result


def _new_row(feed_id: int, draft: ArticleDraft, *, now: datetime, backlog: bool) -> dict[str, Any]:
    return {
        "feed_id": feed_id,
        "guid": draft.guid,
        "url": draft.url,
        "title": draft.title,
        "author": draft.author,
        "summary": draft.summary,
        "text": draft.text,
        "image_url": draft.image_url,
        "video_url": draft.video_url,
        "published_at": draft.published_at,
        "fetched_at": now,
        "updated_at": now,
        "revision": 1,
        "content_hash": draft.content_hash,
        "search_text": search_text(draft.title, draft.summary, draft.text),
        "backlog": backlog,
    }


def _really_changed(article: Article, draft: ArticleDraft) -> bool:
    """A changed hash is a revision, unless the entry merely lost its text this time (an
    excerpt-only item whose page could not be fetched): that must not blank the summary."""
    if article.content_hash == draft.content_hash:
        return False
    return bool(draft.summary) or draft.title != article.title


def _revise(article: Article, draft: ArticleDraft, now: datetime) -> None:
    article.title = draft.title
    article.summary = draft.summary or article.summary
    article.text = draft.text or article.text
    article.image_url = draft.image_url or article.image_url
    article.content_hash = draft.content_hash
    article.search_text = search_text(article.title, article.summary, article.text)
    article.revision += 1
    article.updated_at = now


def _merge_topics(article: Article, topics: Sequence[Topic]) -> None:
    """A story repeated by a category feed gains that feed's topics."""
    for topic in topics:
        if topic not in article.topics:
            article.topics.append(topic)
