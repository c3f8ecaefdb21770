"""Reading queries: the newest headlines and full-text search over the folded article text.

Search runs on full-text indexes over ``articles.search_text`` (accent-folded title + summary +
text) and ``articles.search_title`` (the folded title alone, migration 0009): FTS5 tables on
SQLite, on PostgreSQL GIN-indexed ``tsvector`` columns of the narrow ``article_terms`` table
(migration 0012, kept in step by a trigger), so title hits are found by their own indexed query.
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
    # The word vectors of migration 0012 (GIN-indexed).
    return text(
        "articles.id IN (SELECT article_id FROM article_terms"
        " WHERE text_terms @@ plainto_tsquery('simple', :phrase))"
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
# PostgreSQL reads ``article_terms`` (migration 0012: stripped word vectors, ten rows to a page)
# newest first. A common word is answered by walking the ids backwards and checking each row's
# vector (1.3 µs a row): 442 rows give "kon tum" its 200 newest hits in 0.6 ms, where its GIN
# index alone took 36 ms to list 87,664 hits. A rare one by the GIN index, whose cost is a page
# visit per hit. Which is which, PostgreSQL cannot tell: it takes the words as independent and
# estimated "giá cà phê tăng" at 118 hits (20,000: one story's words, always together). So the
# walk starts on the newest ``_PG_PROBE`` ids and measures the hit rate: while walking on for
# the missing hits costs less than ``_PG_WALK_FACTOR`` GIN page visits per expected hit in
# the rest, it walks on, else the GIN index answers the rest. Over 200,000 articles (2-core
# machine, other jobs running): p50 9 ms, p95 20 ms (windows over 0009's vectors: 46/96 ms).
_PG_PROBE = 2_000
_PG_WALK_FACTOR = 20
_PG_TERMS = "FROM article_terms, plainto_tsquery('simple', :q) AS q WHERE text_terms @@ q"
_PG_SQL = {
    "top": "SELECT max(article_id) FROM article_terms",
    "walk": f"SELECT article_id, title_terms @@ q {_PG_TERMS}"
    " AND article_id >= :lo AND article_id < :hi ORDER BY article_id DESC LIMIT :n",
    # Materialised without a LIMIT inside, so PostgreSQL never turns it into a walk.
    "index": f"WITH hits AS MATERIALIZED (SELECT article_id, title_terms @@ q AS title {_PG_TERMS}"
    " AND article_id < :hi) SELECT article_id, title FROM hits ORDER BY article_id DESC LIMIT :n",
    "titles": "WITH hits AS MATERIALIZED (SELECT article_id FROM article_terms"
    " WHERE title_terms @@ plainto_tsquery('simple', :q) AND article_id < :hi)"
    " SELECT article_id FROM hits ORDER BY article_id DESC LIMIT :n",
}
# The plan each step means, set for the transaction (never a sequential scan: it checks every
# row). asyncpg prepares statements, and a generic plan would ignore the words: custom plans.
_PG_PLANS = {
    "walk": "SELECT set_config('plan_cache_mode', 'force_custom_plan', true),"
    " set_config('enable_seqscan', 'off', true), set_config('enable_bitmapscan', 'off', true)",
    "index": "SELECT set_config('enable_bitmapscan', 'on', true)",
}


async def _ids(session: AsyncSession, sql: str, **params: object) -> list[int]:
    statement = text(sql)
    if "titles" in params:
        statement = statement.bindparams(bindparam("titles", expanding=True))
    return [int(row[0]) for row in (await session.execute(statement, params)).all()]


async def _pg_newest(session: AsyncSession, query: str, need: int) -> list[tuple[int, bool]]:
    """The ``need`` newest matches as (id, title hit), walking or by the GIN index."""
    top = await session.scalar(text(_PG_SQL["top"]))
    found: list[tuple[int, bool]] = []
    if top is None:
        return found
    await session.execute(text(_PG_PLANS["walk"]))
    hi, window = int(top) + 1, _PG_PROBE
    while True:
        lo = max(0, hi - window)
        rows = await session.execute(
            text(_PG_SQL["walk"]), {"q": query, "lo": lo, "hi": hi, "n": need - len(found)}
        )
        found += [(int(id), bool(title)) for id, title in rows.all()]
        hi = lo
        if len(found) >= need or lo == 0:
            return found
        rate = len(found) / (int(top) + 1 - lo)
        missing = need - len(found)
        if rate > 0 and missing / rate <= _PG_WALK_FACTOR * rate * lo:
            window = int(missing / rate * 1.3) + 100  # a margin: the rate is a sample's
            continue
        await session.execute(text(_PG_PLANS["index"]))
        rows = await session.execute(
            text(_PG_SQL["index"]), {"q": query, "hi": hi, "n": need - len(found)}
        )
        return found + [(int(id), bool(title)) for id, title in rows.all()]


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
    # The newest ``cap`` matches hold every body hit a page within ``cap`` can show, their
    # number is the capped total, and their title hits are the newest title hits (a title hit
    # is a match): only when they are too few for the page are older title hits looked up.
    matches = await _pg_newest(session, query, cap)
    titles = [id for id, title in matches if title]
    need = offset + limit
    if len(titles) < need and len(matches) == cap:
        await session.execute(text(_PG_PLANS["index"]))  # the walk's plan would read them all
        titles += await _ids(
            session, _PG_SQL["titles"], q=query, hi=matches[-1][0], n=need - len(titles)
        )
    ids = titles[offset : offset + limit]
    if len(ids) < limit:
        in_title = set(titles)
        body = [id for id, _ in matches if id not in in_title]
        start = max(0, offset - len(titles))
        ids += body[start : start + limit - len(ids)]
    return ids, len(matches)


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
