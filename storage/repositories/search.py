"""Reading queries: the newest headlines and full-text search over the folded article text.

Search runs on the index migration 0001 built over ``articles.search_text`` (accent-folded
title + summary + text): FTS5 on SQLite, a GIN ``to_tsvector('simple', …)`` index on PostgreSQL;
migration 0009 indexed ``articles.search_title`` (the folded title alone) the same way, so title
hits are found by their own indexed query rather than by re-sorting a window of matches.
Callers pass words already folded the way the stored text is (``bot.news.folding``); each word is
matched as a word, never as query syntax: FTS5 gets every word double-quoted (a folded word holds
no ``"``), PostgreSQL gets ``plainto_tsquery``, which reads its input as plain words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from storage.models import Article, ArticleTopic, Subscriber, SubscriberTopic


@dataclass(frozen=True, slots=True)
class Headline:
    """What a reading list shows of an article."""

    id: int
    title: str
    url: str
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


def _fts_phrase(words: Sequence[str]) -> str:
    """Every word a quoted FTS5 string: "near", "not", "*" and ":" are never operators."""
    return " ".join('"' + word.replace('"', "") + '"' for word in words)


def _match(session: AsyncSession, words: Sequence[str]) -> ColumnElement[bool]:
    if session.get_bind().dialect.name == "sqlite":
        return text(
            "articles.id IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH :phrase)"
        ).bindparams(phrase=_fts_phrase(words))  # type: ignore[return-value]
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


_SQLITE_TITLE = (
    "articles.id IN (SELECT rowid FROM articles_title_fts WHERE articles_title_fts MATCH :title)"
)
_PG_TITLE = (
    "to_tsvector('simple', coalesce(articles.search_title, '')) "
    "@@ plainto_tsquery('simple', :title)"
)


def _title_match(session: AsyncSession, words: Sequence[str]) -> ColumnElement[bool]:
    """Every word in the folded title (its own index, migration 0009)."""
    if session.get_bind().dialect.name == "sqlite":
        return text(_SQLITE_TITLE).bindparams(title=_fts_phrase(words))  # type: ignore[return-value]
    return text(_PG_TITLE).bindparams(title=" ".join(words))  # type: ignore[return-value]


def _body_only(session: AsyncSession, words: Sequence[str]) -> ColumnElement[bool]:
    """Every word in the text, not all of them in the title: the hits ranked second."""
    if session.get_bind().dialect.name == "sqlite":
        return text(  # type: ignore[return-value]
            "articles.id IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH :phrase) "
            f"AND NOT ({_SQLITE_TITLE})"
        ).bindparams(phrase=_fts_phrase(words), title=_fts_phrase(words))
    return text(  # type: ignore[return-value]
        "to_tsvector('simple', articles.search_text) @@ plainto_tsquery('simple', :phrase) "
        f"AND NOT ({_PG_TITLE})"
    ).bindparams(phrase=" ".join(words), title=" ".join(words))


async def _count(session: AsyncSession, where: ColumnElement[bool], cap: int) -> int:
    capped = select(Article.id).where(where).limit(cap).subquery()
    return int((await session.execute(select(func.count()).select_from(capped))).scalar_one())


async def _page(
    session: AsyncSession, where: ColumnElement[bool], offset: int, limit: int
) -> list[Headline]:
    query = (
        select(*_COLUMNS)
        .where(where)
        .order_by(Article.published_at.desc(), Article.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return _headlines([tuple(row) for row in (await session.execute(query)).all()])


async def ranked(
    session: AsyncSession, words: Sequence[str], *, offset: int, limit: int, cap: int
) -> tuple[list[Headline], int]:
    """One page of the best matches for ``words`` and how many there are (at most ``cap``).

    Best first means title hits (every word in the title) above body hits, each newest first,
    over every match: the title hits are one indexed query, the body hits another that
    excludes them, each reading only the page it needs.
    """
    if not words:
        return [], 0
    in_title = _title_match(session, words)
    total = await _count(session, _match(session, words), cap)
    titles = await _count(session, in_title, cap)
    hits: list[Headline] = []
    if offset < titles:
        hits = await _page(session, in_title, offset, min(limit, titles - offset))
    if len(hits) < limit and offset + len(hits) < total:
        body = _body_only(session, words)
        start = max(0, offset - titles)
        hits += await _page(session, body, start, min(limit - len(hits), total - titles - start))
    return hits, total
