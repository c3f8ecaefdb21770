"""Feed drafts → storage's own input type, stored in bounded transactions.

Storage knows nothing of Vietnamese text: search folding and topic slugs are computed here,
before it is called. Only entries that are new or changed are folded (~0.1 ms each on station
articles): a 1,000-item feed re-read unchanged must not cost 0.1 s of CPU per poll.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.feeds.draft import ArticleDraft
from bot.news.folding import fold
from bot.news.topics import slugify
from storage.db import Database
from storage.models import Article
from storage.repositories import articles, deliveries
from storage.repositories.articles import NewArticle, StoredText, TopicRef


def search_text(title: str, summary: str, text: str) -> str:
    """The accent-folded form /search matches against."""
    return fold(f"{title}\n{summary}\n{text}")


def to_new_article(
    draft: ArticleDraft, stored: StoredText | None, slugs: dict[str, str] | None = None
) -> NewArticle:
    """One draft as storage takes it; ``stored`` is what is already stored for its entry."""
    slugs = {} if slugs is None else slugs
    topics = []
    for name in draft.topics:
        slug = slugs.get(name)
        if slug is None:
            slug = slugs[name] = slugify(name)
        topics.append(TopicRef(name, slug))
    folded: str | None
    if stored is not None and stored.content_hash == draft.content_hash:
        folded = None  # unchanged: storage rewrites nothing
    elif stored is not None:  # a revision keeps the stored text the entry no longer carries
        folded = search_text(
            draft.title, draft.summary or stored.summary, draft.text or stored.text
        )
    else:
        folded = search_text(draft.title, draft.summary, draft.text)
    return NewArticle(
        guid=draft.guid,
        url=draft.url,
        title=draft.title,
        author=draft.author,
        published_at=draft.published_at,
        topics=tuple(topics),
        image_url=draft.image_url,
        video_url=draft.video_url,
        video_size=draft.video_size,
        summary=draft.summary,
        text=draft.text,
        content_hash=draft.content_hash,
        search_text=folded,
        search_title=None if folded is None else fold(draft.title),
    )


def prepare(
    drafts: Sequence[ArticleDraft], stored: Mapping[str, StoredText | None]
) -> list[NewArticle]:
    """Every draft converted; a feed repeats the same few topic names, so each is slugged once."""
    slugs: dict[str, str] = {}
    return [to_new_article(d, stored.get(d.guid), slugs) for d in drafts]


async def store_drafts(
    session: AsyncSession,
    feed_id: int,
    drafts: Sequence[ArticleDraft],
    *,
    now: datetime,
    backlog: bool,
) -> articles.StoreResult:
    """Store one batch of drafts (oldest first) in the caller's transaction."""
    if not drafts:
        return articles.StoreResult()
    known = await articles.lookup(session, feed_id, [(d.guid, d.url) for d in drafts])
    stored = {d.guid: known.stored(d.guid, d.url) for d in drafts}
    # Folding is CPU work (~20 ms per 200 items): off the event loop, so handlers keep answering.
    items = await asyncio.to_thread(prepare, drafts, stored)
    return await articles.store(session, feed_id, items, now=now, backlog=backlog, known=known)


# Items per storing transaction. Measured on SQLite (development machine, 5,000 items): a
# chunk of 200 holds the write lock ~15-40 ms, the whole poll in one transaction ~0.3 s (1 s
# with full-size station items): a reader's /start waits milliseconds, never its busy timeout.
CHUNK_ITEMS = 200


@dataclass
class StoredEntries:
    """What the chunks of one poll stored."""

    new: dict[int, datetime] = field(default_factory=dict)  # article id -> published
    revised: int = 0
    edits: int = 0  # edit requests enqueued for sent messages of revised articles
    late_pushes: int = 0  # pushes to the readers of a topic an article gained


async def store_in_chunks(
    database: Database,
    lock: asyncio.Lock,
    feed_id: int,
    drafts: Sequence[ArticleDraft],
    *,
    now: datetime,
    backlog: bool,
    late: LateTopics | None = None,
) -> StoredEntries:
    """Store drafts (oldest first, so ids follow publication) CHUNK_ITEMS at a time, each chunk
    its own transaction under ``lock``. A revision's edit requests, and with ``late`` the pushes
    to readers of a topic an article gained, go in the transaction that records the change, so
    none is lost if a later chunk fails (and the next poll sees no change to push again)."""
    stored = StoredEntries()
    for start in range(0, len(drafts), CHUNK_ITEMS):
        chunk = drafts[start : start + CHUNK_ITEMS]
        async with lock, database.session() as session:
            result = await store_drafts(session, feed_id, chunk, now=now, backlog=backlog)
            if not backlog:
                stored.edits += await _request_edits(session, result.revised, now)
                if late is not None and result.gained:
                    stored.late_pushes += await _push_new_topics(session, result, now, late)
        stored.new.update(result.new)
        stored.revised += len(result.revised)
    return stored


async def _request_edits(session: AsyncSession, revised: Sequence[Article], now: datetime) -> int:
    enqueued = 0
    for article in revised:
        if not article.backlog:
            enqueued += await deliveries.request_edits(
                session, article.id, article.revision, now=now, published_at=article.published_at
            )
    return enqueued


@dataclass(frozen=True, slots=True)
class LateTopics:
    """How a topic that arrives with a revision is pushed: how long a story stays news (an old
    story filed into a new section is not pushed)."""

    freshness: timedelta


async def _push_new_topics(
    session: AsyncSession, result: articles.StoreResult, now: datetime, late: LateTopics
) -> int:
    """An article revised into a new section reaches the readers who follow only that section,
    once (the outbox's unique (article, chat, audience) keeps the others from a second copy)."""
    enqueued = 0
    for article_id, topic_ids in result.gained.items():
        article = await session.get(Article, article_id)
        if article is None or article.backlog or article.published_at < now - late.freshness:
            continue
        enqueued += await deliveries.enqueue_article_for_new_topics(
            session,
            article_id,
            topic_ids,
            now=now,
            expires_at=now + late.freshness,
        )
    return enqueued
