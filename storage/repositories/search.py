"""Reading queries: the newest headlines and full-text search over the folded article text.

Search runs on full-text indexes over ``articles.search_text`` (accent-folded title + summary +
text) and ``articles.search_title`` (the folded title alone, migration 0009): FTS5 tables on
SQLite, GIN-indexed stored ``tsvector`` columns on PostgreSQL (``search_vector``,
``title_vector``), so title hits are found by their own indexed query.
Callers pass words already folded the way the stored text is (``bot.news.folding``); each word is
matched as a word, never as query syntax: FTS5 gets every word double-quoted (a folded word holds
no ``"``), PostgreSQL gets ``plainto_tsquery``, which reads its input as plain words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, exists, select, text
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


def _fts_phrase(words: Sequence[str]) -> str:
    """Every word a quoted FTS5 string: "near", "not", "*" and ":" are never operators."""
    return " ".join('"' + word.replace('"', "") + '"' for word in words)


def _match(session: AsyncSession, words: Sequence[str]) -> ColumnElement[bool]:
    if session.get_bind().dialect.name == "sqlite":
        return text(
            "articles.id IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH :phrase)"
        ).bindparams(phrase=_fts_phrase(words))  # type: ignore[return-value]
    # The stored vector of migration 0009 (GIN-indexed).
    return text("articles.search_vector @@ plainto_tsquery('simple', :phrase)").bindparams(
        phrase=" ".join(words)
    )  # type: ignore[return-value]


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


# The ranked search reads ids straight off the full-text indexes, newest stored first (ids
# follow publication: ingest stores each poll oldest first). FTS5 streams a match's rowids in
# that order and stops at the LIMIT; joining the index to ``articles`` and sorting by
# ``published_at`` instead materialised every match: 518 ms p95 over 200,000 articles.
_SQLITE = {
    "titles": "SELECT rowid FROM articles_title_fts WHERE articles_title_fts MATCH :q"
    " ORDER BY rowid DESC LIMIT :n",
    "count": "SELECT count(*) FROM (SELECT rowid FROM articles_fts WHERE articles_fts MATCH :q"
    " LIMIT :n)",
    "body": "SELECT rowid FROM articles_fts WHERE articles_fts MATCH :q{exclude}"
    " ORDER BY rowid DESC LIMIT :n OFFSET :o",
    "exclude": " AND rowid NOT IN :titles",
}
# PostgreSQL: the stored vectors of migration 0009 (a plan that filters rows checks a stored
# vector, never runs to_tsvector), read newest first in id windows. Without windows PostgreSQL
# estimated "giá cà phê tăng Đăk Hà" at 1 hit (its words assumed independent), read all 20,000
# in a bitmap scan and sorted them: 530 ms. A window bounds whatever plan it picks by the
# window's rows; common words are answered by the first one, rare ones by the GIN index.
# Measured on this 2-core machine under load (load average 8): p50 96 ms, p95 182 ms over
# 200,000 articles, against 62/207 ms unwindowed and SQLite's 7/42 ms; the remaining cost is
# the stored vectors' per-row check (about 25 µs a row, detoasted) in the first window.
_PG_WINDOWS = (4_000, 40_000)  # then everything below: fewer hits there than a page needs
_PG_MATCH = {
    "titles": "title_vector @@ plainto_tsquery('simple', :q)",
    "body": "search_vector @@ plainto_tsquery('simple', :q)",
}


async def _ids(session: AsyncSession, sql: str, **params: object) -> list[int]:
    statement = text(sql)
    if "titles" in params:
        statement = statement.bindparams(bindparam("titles", expanding=True))
    return [int(row[0]) for row in (await session.execute(statement, params)).all()]


async def _pg_newest(
    session: AsyncSession, match: str, query: str, need: int, exclude: Sequence[int] = ()
) -> list[int]:
    """The ``need`` newest ids matching ``match`` (not in ``exclude``), window by window."""
    top = await session.scalar(text("SELECT max(id) FROM articles"))
    found: list[int] = []
    if top is None or need <= 0:
        return found
    upper = int(top) + 1
    # Materialised without a LIMIT inside, so PostgreSQL never picks a backward scan that
    # hopes to meet enough hits early (words common alone but never together: the whole table)
    # and each step reads at most its window's rows.
    where = f"{match} AND id >= :lo AND id < :hi" + (" AND id NOT IN :titles" if exclude else "")
    sql = (
        f"WITH hits AS MATERIALIZED (SELECT id FROM articles WHERE {where}) "
        "SELECT id FROM hits ORDER BY id DESC LIMIT :n"
    )
    extra: dict[str, object] = {"titles": list(exclude)} if exclude else {}
    for span in (*_PG_WINDOWS, None):
        lower = 0 if span is None else max(0, int(top) + 1 - span)
        found += await _ids(session, sql, q=query, lo=lower, hi=upper, n=need - len(found), **extra)
        if len(found) >= need or lower == 0:
            return found
        upper = lower
    return found


async def _sqlite_ranked(
    session: AsyncSession, words: Sequence[str], offset: int, limit: int, cap: int
) -> tuple[list[int], int]:
    query = _fts_phrase(words)
    titles = await _ids(session, _SQLITE["titles"], q=query, n=cap)
    count = await session.execute(text(_SQLITE["count"]), {"q": query, "n": cap})
    total = max(int(count.scalar_one()), len(titles))
    ids = titles[offset : offset + limit]
    if len(ids) < limit and offset + len(ids) < total:
        params: dict[str, object] = {"q": query, "n": limit - len(ids)}
        params["o"] = max(0, offset - len(titles))
        if titles:
            params["titles"] = titles
        body = _SQLITE["body"].format(exclude=_SQLITE["exclude"] if titles else "")
        ids += await _ids(session, body, **params)
    return ids, total


async def _pg_ranked(
    session: AsyncSession, words: Sequence[str], offset: int, limit: int, cap: int
) -> tuple[list[int], int]:
    query = " ".join(words)
    # asyncpg prepares every statement, and after five runs PostgreSQL may switch to a generic
    # plan that ignores what the words are: a backward scan of the whole table for words that
    # never occur together (5 s). Each search is planned for its own words.
    await session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    titles = await _pg_newest(session, _PG_MATCH["titles"], query, cap)
    # The newest ``cap`` matches hold every body hit a page within ``cap`` can show (title
    # hits are matches too), and their number is the capped total: one read for both.
    matches = await _pg_newest(session, _PG_MATCH["body"], query, cap)
    total = max(len(matches), len(titles))
    ids = titles[offset : offset + limit]
    if len(ids) < limit:
        in_title = set(titles)
        body = [i for i in matches if i not in in_title]
        start = max(0, offset - len(titles))
        ids += body[start : start + limit - len(ids)]
    return ids, total


async def ranked(
    session: AsyncSession, words: Sequence[str], *, offset: int, limit: int, cap: int
) -> tuple[list[Headline], int]:
    """One page of the best matches for ``words`` and how many there are (at most ``cap``).

    Best first means title hits (every word in the title) above body hits, each newest first,
    over every match. The title hits are read first (at most ``cap``: with that many, no body
    hit is ever shown), then the page's body hits skip them; each query reads only about the
    rows it returns, so a word in most of the archive costs no more than a rare one.
    """
    if not words:
        return [], 0
    if session.get_bind().dialect.name == "sqlite":
        ids, total = await _sqlite_ranked(session, words, offset, limit, cap)
    else:
        ids, total = await _pg_ranked(session, words, offset, limit, cap)
    if not ids:
        return [], total
    rows = await session.execute(select(*_COLUMNS).where(Article.id.in_(ids)))
    found = {row[0]: row for row in rows.all()}
    return _headlines([tuple(found[i]) for i in ids if i in found]), total
