"""Reading queries: the newest headlines and full-text search over the folded article text.

Search runs on the index migration 0001 built over ``articles.search_text`` (accent-folded
title + summary + text): FTS5 on SQLite, a GIN ``to_tsvector('simple', …)`` index on PostgreSQL.
Callers pass words already folded the way the stored text is (``bot.news.folding``); each word is
matched as a word, never as query syntax: FTS5 gets every word double-quoted (a folded word holds
no ``"``), PostgreSQL gets ``plainto_tsquery``, which reads its input as plain words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from storage.models import Article, ArticleTopic, Subscriber, SubscriberTopic


@dataclass(frozen=True, slots=True)
class Headline:
    """What a reading list shows of an article."""

    id: int
    title: str
    url: str | None  # None: the feed item had no link
    published_at: datetime


_COLUMNS = (Article.id, Article.title, Article.url, Article.published_at)


def _headlines(rows: Sequence[tuple[int, str, str, datetime]]) -> list[Headline]:
    return [Headline(id, title, url, published) for id, title, url, published in rows]


async def followed_topics(session: AsyncSession, chat_id: int) -> list[int] | None:
    """The topic ids a subscriber chose, or None when they follow everything (or are unknown)."""
    subscriber = await session.get(Subscriber, chat_id)
    if subscriber is None or subscriber.all_topics:
        return None
    rows = await session.scalars(
        select(SubscriberTopic.topic_id).where(SubscriberTopic.chat_id == chat_id)
    )
    return list(rows.all())


async def newest(
    session: AsyncSession, limit: int, *, topic_ids: Sequence[int] | None = None
) -> list[Headline]:
    """The ``limit`` most recently published articles, in ``topic_ids`` when given."""
    query = select(*_COLUMNS).order_by(Article.published_at.desc(), Article.id.desc())
    if topic_ids is not None:
        # EXISTS, not a join: an article in two followed topics is listed once.
        query = query.where(
            exists().where(
                ArticleTopic.article_id == Article.id, ArticleTopic.topic_id.in_(topic_ids)
            )
        )
    rows = await session.execute(query.limit(limit))
    return _headlines([tuple(row) for row in rows.all()])


def _match(session: AsyncSession, words: Sequence[str]) -> ColumnElement[bool]:
    if session.get_bind().dialect.name == "sqlite":
        # Every word a quoted FTS5 string: "near", "not", "*" and ":" are never operators.
        phrase = " ".join('"' + word.replace('"', "") + '"' for word in words)
        return text(
            "articles.id IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH :phrase)"
        ).bindparams(phrase=phrase)  # type: ignore[return-value]
    # The expression must be the index's own (to_tsvector('simple', search_text)) to use it.
    return text(
        "to_tsvector('simple', articles.search_text) @@ plainto_tsquery('simple', :phrase)"
    ).bindparams(phrase=" ".join(words))  # type: ignore[return-value]


async def matching(session: AsyncSession, words: Sequence[str], *, limit: int) -> list[Headline]:
    """Articles whose folded text holds every one of ``words``, newest first, at most ``limit``."""
    if not words:
        return []
    query = (
        select(*_COLUMNS)
        .where(_match(session, words))
        .order_by(Article.published_at.desc(), Article.id.desc())
        .limit(limit)
    )
    rows = await session.execute(query)
    return _headlines([tuple(row) for row in rows.all()])
