"""Storing feed entries as articles: one per (feed, guid), one per canonical URL.

Storage takes its own input type, `NewArticle`: the caller (the ingest service) has already
folded the search text and slugged the topics, so this module knows nothing of Vietnamese text.
Everything is looked up in bulk (one query per kind for the whole batch), because a category
feed repeats the main feed's items and a 1,000-item feed must not cost 3,000 round trips.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Article, ArticleTopic, FeedEntry, Topic

# Core tables: bulk inserts through them skip the ORM's per-row bookkeeping.
ARTICLES: Table = Article.__table__  # type: ignore[assignment]
ARTICLE_TOPICS: Table = ArticleTopic.__table__  # type: ignore[assignment]
FEED_ENTRIES: Table = FeedEntry.__table__  # type: ignore[assignment]


class TopicRef(NamedTuple):
    """A topic as a feed names it: display name and its slug (the identity)."""

    name: str
    slug: str


@dataclass(frozen=True, slots=True)
class NewArticle:
    """One feed entry ready for storage.

    ``search_text`` is the folded ``title + summary + text`` the article will hold once this
    entry is stored: for an entry without text, the stored summary and text it keeps (see
    `Known.stored`). It may be None only when the entry's ``content_hash`` equals the stored
    one (nothing to rewrite); folding every unchanged entry of every poll costs ~0.1 ms each.
    """

    guid: str
    url: str | None  # None: the entry has no usable link (its identity is the guid alone)
    title: str
    author: str | None
    published_at: datetime
    topics: tuple[TopicRef, ...]
    image_url: str | None
    video_url: str | None
    summary: str
    text: str
    content_hash: str
    search_text: str | None
    # The folded title alone (``search_title``); None keeps what is stored.
    search_title: str | None = None
    video_size: int | None = None


@dataclass(frozen=True, slots=True)
class StoredText:
    """What is stored for an entry already seen: enough to decide what to fold."""

    content_hash: str
    summary: str
    text: str


@dataclass
class Known:
    """The articles storage already holds for one batch, found by this feed's guid or by URL."""

    entries: dict[str, int]  # guid -> article id, this feed's entries
    by_url: dict[str, Article]
    by_id: dict[int, Article]

    def find(self, guid: str, url: str | None) -> Article | None:
        article_id = self.entries.get(guid)
        if article_id is not None:
            return self.by_id.get(article_id)
        return self.by_url.get(url) if url else None

    def stored(self, guid: str, url: str | None) -> StoredText | None:
        article = self.find(guid, url)
        if article is None:
            return None
        return StoredText(article.content_hash, article.summary, article.text)


@dataclass
class StoreResult:
    """What one batch of entries did to storage."""

    new: list[tuple[int, datetime]] = field(default_factory=list)  # (id, published), oldest first
    revised: list[Article] = field(default_factory=list)
    merged: int = 0  # seen before under another feed or guid; topics merged
    unchanged: int = 0
    # Stored articles that gained topics in this batch: article id -> the new topic ids.
    gained: dict[int, list[int]] = field(default_factory=dict)

    @property
    def new_ids(self) -> list[int]:
        return [article_id for article_id, _ in self.new]


async def topics_for(session: AsyncSession, refs: Sequence[TopicRef]) -> dict[str, Topic]:
    """Get or create topics; the slug is the identity, the first name seen is kept. By slug."""
    by_slug: dict[str, str] = {}
    for ref in refs:
        if ref.slug:
            by_slug.setdefault(ref.slug, ref.name)
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
    return found


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


async def lookup(
    session: AsyncSession, feed_id: int, keys: Sequence[tuple[str, str | None]]
) -> Known:
    """What is already stored for these (guid, url) pairs: three queries for the whole batch."""
    if not keys:
        return Known({}, {}, {})
    entries = {
        entry.guid: entry.article_id
        for entry in (
            await session.scalars(
                select(FeedEntry).where(
                    FeedEntry.feed_id == feed_id, FeedEntry.guid.in_([g for g, _ in keys])
                )
            )
        ).all()
    }
    urls = [u for _, u in keys if u]
    by_url: dict[str, Article] = {}
    if urls:
        for article in (await session.scalars(select(Article).where(Article.url.in_(urls)))).all():
            if article.url:
                by_url[article.url] = article
    by_id = {article.id: article for article in by_url.values()}
    missing_ids = [i for i in entries.values() if i not in by_id]
    if missing_ids:
        for article in (
            await session.scalars(select(Article).where(Article.id.in_(missing_ids)))
        ).all():
            by_id[article.id] = article
    return Known(entries, by_url, by_id)


async def store(
    session: AsyncSession,
    feed_id: int,
    items: Sequence[NewArticle],
    *,
    now: datetime,
    backlog: bool,
    known: Known | None = None,
) -> StoreResult:
    """Insert new articles, record revisions, merge repeats; items come oldest first.

    ``known`` is `lookup`'s answer for these items in this same session (the caller read it
    to decide what to fold); without it, it is looked up here.
    """
    result = StoreResult()
    if not items:
        return result
    if known is None:
        known = await lookup(session, feed_id, [(i.guid, i.url) for i in items])
    topics = await topics_for(session, [ref for item in items for ref in item.topics])

    fresh: dict[str, dict[str, Any]] = {}  # _key -> row of a new article
    fresh_topics: dict[str, list[int]] = {}
    new_entries: dict[str, int | str] = {}  # guid -> article id, or _key of a fresh article
    for item in items:
        article_id = known.entries.get(item.guid)
        found = known.find(item.guid, item.url)
        key = _key(item)
        item_topics = [topics[ref.slug] for ref in item.topics if ref.slug in topics]
        if found is None and key not in fresh:
            fresh[key] = _new_row(feed_id, item, now=now, backlog=backlog)
            fresh_topics[key] = list(dict.fromkeys(t.id for t in item_topics))
        elif found is None:  # a second guid for a story new in this very batch
            merged_ids = fresh_topics[key]
            merged_ids.extend(t.id for t in item_topics if t.id not in merged_ids)
            result.merged += 1
        else:
            moved = _new_url(found, item, known, fresh)
            changed = _really_changed(found, item)
            if changed or moved is not None:
                if found not in result.revised:
                    result.revised.append(found)
                _revise(found, item, now, text=changed, url=moved)
                if moved is not None:  # a later entry of this batch with the new link is it
                    known.by_url[moved] = found
            elif article_id is None:
                result.merged += 1
            else:
                result.unchanged += 1
            added = _merge_topics(found, item_topics)
            if added:
                result.gained.setdefault(found.id, []).extend(added)
        if item.guid not in known.entries and item.guid not in new_entries:
            new_entries[item.guid] = found.id if found is not None else key
    await session.flush()
    # New articles go in with bulk statements: the ORM unit of work costs several times
    # feedparser's own parse time on a 1,000-item feed.
    ids: dict[str, int] = {}
    if fresh:
        inserted = await session.execute(
            insert(ARTICLES).returning(ARTICLES.c.id, ARTICLES.c.url, ARTICLES.c.guid),
            list(fresh.values()),
        )
        # RETURNING order is not guaranteed in bulk, so rows are matched by their key.
        ids = {_row_key(url, guid): article_id for article_id, url, guid in inserted.all()}
        result.new.extend((ids[key], row["published_at"]) for key, row in fresh.items())
        links = [
            {"article_id": ids[key], "topic_id": topic_id}
            for key, topic_ids in fresh_topics.items()
            for topic_id in topic_ids
        ]
        if links:
            await session.execute(insert(ARTICLE_TOPICS), links)
    if new_entries:
        await session.execute(
            insert(FEED_ENTRIES),
            [
                {
                    "feed_id": feed_id,
                    "guid": guid,
                    "article_id": ref if isinstance(ref, int) else ids[ref],
                }
                for guid, ref in new_entries.items()
            ],
        )
    return result


async def unannounced(
    session: AsyncSession, feed_id: int, *, after: datetime
) -> list[tuple[int, datetime]]:
    """(id, published_at) of this feed's pushable articles stored after ``after``, newest first.

    Called with the feed's last successful poll: a poll stores in several transactions and
    only announces at the end, so these are the articles a poll that died half-way stored but
    never announced (plus the current poll's own). A feed's later inserts have larger ids, so
    its rows are read newest first and the scan stops at the first one stored by then: a
    normal poll reads one short page, not every article the feed ever had.
    """
    found: list[tuple[int, datetime]] = []
    below: int | None = None
    while True:
        query = select(Article.id, Article.published_at, Article.fetched_at, Article.backlog)
        query = query.where(Article.feed_id == feed_id)
        if below is not None:
            query = query.where(Article.id < below)
        rows = (await session.execute(query.order_by(Article.id.desc()).limit(_PAGE))).all()
        for article_id, published_at, fetched_at, backlog in rows:
            if fetched_at <= after:
                return found
            if not backlog:
                found.append((article_id, published_at))
        if len(rows) < _PAGE:
            return found
        below = rows[-1][0]


_PAGE = 500
# Ids per IN (...) list: SQLite and asyncpg both refuse more than 32,766 bound parameters.
_IDS_PER_QUERY = 5000


async def covering_ids(session: AsyncSession, article_ids: Sequence[int]) -> list[int]:
    """A few of ``article_ids`` whose topics together are all the topics of all of them.

    Who is told about a set of articles depends only on the union of their topics, so a notice
    for 4,995 articles can be addressed with one article per topic. Measured with 200 readers:
    the notice insert took 167 ms over all 4,995 ids (inside a write transaction), ~15 ms over
    the few. With no topic at all, any one article stands for the set.
    """
    if not article_ids:
        return []
    ids = list(article_ids)
    by_topic: dict[int, int] = {}
    for start in range(0, len(ids), _IDS_PER_QUERY):
        rows = await session.execute(
            select(ArticleTopic.topic_id, func.min(ArticleTopic.article_id))
            .where(ArticleTopic.article_id.in_(ids[start : start + _IDS_PER_QUERY]))
            .group_by(ArticleTopic.topic_id)
        )
        for topic_id, article_id in rows.all():
            by_topic[topic_id] = min(article_id, by_topic.get(topic_id, article_id))
    return sorted(set(by_topic.values())) or ids[:1]


def _row_key(url: str | None, guid: str) -> str:
    # A URL always starts with "http", so a link-less entry's key never equals one.
    return url if url else f"guid:{guid}"


def _key(item: NewArticle) -> str:
    """An entry's identity within one batch: its URL, or its guid when it has no link."""
    return _row_key(item.url, item.guid)


def _new_url(article: Article, item: NewArticle, known: Known, fresh: dict[str, Any]) -> str | None:
    """The entry's link when it changed and no other article holds it; else None.

    A link that went away keeps the stored one: the old address is the last one known to work.
    """
    if not item.url or item.url == article.url:
        return None
    holder = known.by_url.get(item.url)
    if (holder is not None and holder is not article) or item.url in fresh:
        return None  # the new address is another story's: both keep their own
    return item.url


def _search_text(item: NewArticle) -> str:
    if item.search_text is None:
        raise ValueError(f"entry {item.guid!r} changed but came without its search text")
    return item.search_text


def _new_row(feed_id: int, item: NewArticle, *, now: datetime, backlog: bool) -> dict[str, Any]:
    return {
        "feed_id": feed_id,
        "guid": item.guid,
        "url": item.url,
        "title": item.title,
        "author": item.author,
        "summary": item.summary,
        "text": item.text,
        "image_url": item.image_url,
        "video_url": item.video_url,
        "video_size": item.video_size,
        "published_at": item.published_at,
        "fetched_at": now,
        "updated_at": now,
        "revision": 1,
        "content_hash": item.content_hash,
        "search_text": _search_text(item),
        "search_title": item.search_title,
        "backlog": backlog,
    }


def _really_changed(article: Article, item: NewArticle) -> bool:
    """A changed hash is a revision, unless the entry merely lost its text this time (an
    excerpt-only item whose page could not be fetched): that must not blank the summary."""
    if article.content_hash == item.content_hash:
        return False
    return bool(item.summary) or item.title != article.title


def _revise(
    article: Article, item: NewArticle, now: datetime, *, text: bool, url: str | None
) -> None:
    """A new revision: new text (``text``), a new address (``url``), or both. Either one
    changes the sent message (its title, summary or 📖 link), so both count."""
    if url is not None:
        article.url = url
    if text:
        article.title = item.title
        article.summary = item.summary or article.summary
        article.text = item.text or article.text
        article.image_url = item.image_url or article.image_url
        if item.video_url:  # a bulletin re-encoded or re-uploaded: the push plays the new file
            article.video_url, article.video_size = item.video_url, item.video_size
        article.content_hash = item.content_hash
        article.search_text = _search_text(item)
        if item.search_title is not None:
            article.search_title = item.search_title
    article.revision += 1
    article.updated_at = now


def _merge_topics(article: Article, topics: Sequence[Topic]) -> list[int]:
    """A story repeated by a category feed (or revised into a new section) gains those topics;
    returns the ids of the topics it did not have."""
    added: list[int] = []
    for topic in topics:
        if topic not in article.topics:
            article.topics.append(topic)
            added.append(topic.id)
    return added
