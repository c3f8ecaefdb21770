"""/search benchmark: 200,000 stored articles, the search the bot runs, on SQLite and PostgreSQL.

    python -m benchmarks.search --json

The corpus is the station fixture's ten stories, varied (a place, a number, an opening
sentence and a date per copy), folded and indexed exactly as ingest stores them. The queries
are 200 a reader might type: accented and not, one to four words, common words that hit most
of the archive, rare ones, and some with no hit at all. Each query runs once to warm up, then
is timed through ``Reading.search`` (the storage-level search behind /search, a session
included), page 1.

Prints one JSON line: ``articles``, ``queries``, ``p50_ms``/``p95_ms`` (SQLite) and
``pg_p50_ms``/``pg_p95_ms`` (PostgreSQL, null when no URL is set), the same p95s as
``search_p95_ms_sqlite``/``search_p95_ms_postgres``, and the corpus build times. Goal: p95 at
most 50 ms on both engines.

The SQLite file is cached in ``/tmp`` between runs (keyed by corpus size and schema
revision); PostgreSQL gets a database of its own, built once and kept, from
``NEWSBOT_BENCH_PG_URL`` (or ``NEWSBOT_TEST_POSTGRES_URL``); unset: PostgreSQL is skipped.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import random
import sqlite3
import statistics
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import make_url

from bot.feeds.parse import parse_feed
from bot.news.folding import fold
from bot.services.ingest_store import search_text
from bot.services.reading import Reading, search_words
from storage.db import Database
from storage.models import Article, Feed

FIXTURE = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "station"
ARTICLES = 200_000
QUERIES = 200
CHUNK = 5_000
CORPUS_VERSION = 1  # bump when the corpus changes, so a cached SQLite file is rebuilt
START = datetime(2021, 1, 1, tzinfo=UTC)
PLACES = (
    "TP. Kon Tum", "Đăk Hà", "Đăk Tô", "Ngọc Hồi", "Sa Thầy", "Kon Rẫy", "Kon Plông",
    "Đăk Glei", "Tu Mơ Rông", "Ia H'Drai", "Măng Đen", "Ya Chim", "Đăk Blà", "Ngọc Linh",
)  # fmt: skip
OPENINGS = (
    "Theo báo cáo của UBND tỉnh, kết quả đạt {n}% kế hoạch năm.",
    "Trong tháng {n}, các địa phương đã triển khai nhiều giải pháp đồng bộ.",
    "Đến nay, toàn tỉnh có {n} mô hình được nhân rộng tại {place} và các huyện.",
    "Ông Nguyễn Văn {n}, Phó Chủ tịch UBND huyện {place}, cho biết sẽ tiếp tục chỉ đạo.",
    "Hội nghị sơ kết {n} năm được tổ chức tại hội trường huyện {place}.",
    "Giải bóng chuyền, văn hoá thể thao các dân tộc lần thứ {n} khai mạc tại {place}.",
)
# What readers type: accented, unaccented, mixed tone placement, one to four words.
QUERY_POOL = (
    "hoi nghi so ket",
    "Hội nghị sơ kết",
    "dak ha",
    "Đăk Hà",
    "Ðắk Hà",
    "văn hoá thể thao",
    "van hoa the thao",
    "bóng chuyền",
    "ca phe",
    "cà phê Đăk Hà",
    "kon tum",
    "Kon Tum",
    "ngoc hoi",
    "mang den",
    "Măng Đen du lịch",
    "ubnd",
    "phó chủ tịch",
    "giá cà phê tăng",
    "nong dan",
    "nông dân phấn khởi",
    "giao thong",
    "an ninh",
    "quốc phòng an ninh",
    "y te",
    "giáo dục",
    "sa thay",
    "kon plong",
    "dak glei",
    "tu mo rong",
    "hoà",
    "hòa",
    "thuỷ",
    "thủy",
    "mô hình",
    "nhân rộng",
    "kế hoạch năm",
    "khai mạc",
    "dân tộc",
    "ya chim",
    "xyzzy",
    "tokyo olympic",
    "bitcoin",
    '"near" * -',
    "hội nghị NEAR tổng kết",
)


def _drafts() -> list[Any]:
    body = (FIXTURE / "kontumtv-feed.xml").read_bytes()
    parsed = parse_feed(body, fetched_at=START)
    assert parsed is not None and parsed.entries, "the station fixture feed did not parse"
    return list(parsed.entries)


def corpus(count: int) -> Iterator[dict[str, Any]]:
    """``count`` article rows, oldest first (ids follow publication, as ingest stores them)."""
    drafts = _drafts()
    rng = random.Random(8)
    step = timedelta(days=5 * 365) / count
    for i in range(count):
        draft = drafts[i % len(drafts)]
        place = PLACES[rng.randrange(len(PLACES))]
        n = rng.randrange(2, 99)
        title = f"{draft.title} ({place}, kỳ {i % 97 + 1})" if i % 3 else draft.title
        opening = OPENINGS[rng.randrange(len(OPENINGS))].format(n=n, place=place)
        summary = f"{opening} {draft.summary}"
        body = f"{summary} {draft.text[:600]}"
        yield {
            "feed_id": 1,
            "guid": f"https://kontumtv.vn/?p={1_000_000 + i}",
            "url": f"https://kontumtv.vn/tin-tuc/bai-{i}",
            "title": title,
            "summary": summary,
            "text": body,
            "published_at": START + step * i,
            "fetched_at": START + step * i,
            "updated_at": START + step * i,
            "revision": 1,
            "content_hash": f"h{i}",
            "search_text": search_text(title, summary, body),
            "search_title": fold(title),
            "backlog": False,
        }


def queries(count: int) -> list[str]:
    rng = random.Random(9)
    found = list(QUERY_POOL)
    while len(found) < count:  # more realistic mixes: a place with a subject
        found.append(f"{rng.choice(QUERY_POOL[:30])} {rng.choice(PLACES)}"[:60])
    return found[:count]


# --- building ------------------------------------------------------------------------------
async def _head_revision(url: str) -> str:
    database = Database(url)
    try:
        await database.upgrade()
        return str(await database.current_revision())
    finally:
        await database.dispose()


def _build_sqlite(path: Path, count: int) -> None:
    """Bulk rows straight through sqlite3 (the FTS triggers index them as they go in)."""
    connection = sqlite3.connect(path)
    try:
        connection.execute(
            "INSERT INTO feeds (id, url, active, primed, next_poll_at, failures, alerted_down,"
            " created_at) VALUES (1, 'https://kontumtv.vn/feed', 1, 1, ?, 0, 0, ?)",
            (START.isoformat(), START.isoformat()),
        )
        rows = corpus(count)
        columns = list(next(corpus(1)))
        statement = (
            f"INSERT INTO articles ({', '.join(columns)}) "
            f"VALUES ({', '.join('?' for _ in columns)})"
        )
        while True:
            chunk = [tuple(_sqlite_value(row[c]) for c in columns) for row in islice(rows, CHUNK)]
            if not chunk:
                break
            connection.executemany(statement, chunk)
        connection.commit()
        connection.execute("INSERT INTO articles_fts(articles_fts) VALUES ('optimize')")
        connection.execute("INSERT INTO articles_title_fts(articles_title_fts) VALUES ('optimize')")
        connection.execute("ANALYZE")
        connection.commit()
    finally:
        connection.close()


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):  # as storage.models.UTCDateTime writes it
        return value.replace(tzinfo=None).isoformat(sep=" ")
    return value


def _cached_file(count: int) -> tuple[Path, bool]:
    """The cache file for this corpus and schema (every migration's file name is in the key)."""
    versions = Path(__file__).resolve().parent.parent / "storage" / "migrations" / "versions"
    schema = hashlib.sha1(
        " ".join(sorted(p.name for p in versions.glob("[0-9]*.py"))).encode()
    ).hexdigest()[:8]
    path = Path(f"/tmp/newsbot-bench-search-{count}-v{CORPUS_VERSION}-{schema}.db")
    ready = path.with_suffix(".ok").exists()
    if not ready:
        path.unlink(missing_ok=True)
    return path, ready


async def sqlite_database(count: int) -> tuple[Database, float]:
    """The cached corpus file, built if missing; returns it and the build time (0: cached)."""
    path, ready = await asyncio.to_thread(_cached_file, count)
    built = 0.0
    if not ready:
        start = time.perf_counter()
        await _head_revision(f"sqlite+aiosqlite:///{path}")
        await asyncio.to_thread(_build_sqlite, path, count)
        built = time.perf_counter() - start
        await asyncio.to_thread(path.with_suffix(".ok").touch)
    return Database(f"sqlite+aiosqlite:///{path}"), built


def _pg_url() -> str | None:
    return os.environ.get("NEWSBOT_BENCH_PG_URL") or os.environ.get("NEWSBOT_TEST_POSTGRES_URL")


async def postgres_database(admin_url: str, count: int) -> tuple[Database, float]:
    """A database of its own (``newsbot_bench_search``), filled once and kept for later runs."""
    name = f"newsbot_bench_search_{count}_v{CORPUS_VERSION}"
    admin = Database(admin_url)
    try:
        async with admin.engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            exists = await conn.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            )
            if not exists:
                await conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await admin.dispose()
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    await _head_revision(url)
    database = Database(url)
    async with database.session() as session:
        stored = int(await session.scalar(select(func.count()).select_from(Article)) or 0)
    if stored == count:
        return database, 0.0
    start = time.perf_counter()
    async with database.engine.begin() as conn:
        await conn.execute(text("TRUNCATE articles, feeds RESTART IDENTITY CASCADE"))
    async with database.session() as session:
        session.add(Feed(id=1, url="https://kontumtv.vn/feed", primed=True))
    rows = corpus(count)
    while True:
        chunk = list(islice(rows, CHUNK))
        if not chunk:
            break
        async with database.session() as session:
            await session.execute(insert(Article), chunk)
    async with database.engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("VACUUM ANALYZE articles"))
    return database, time.perf_counter() - start


# --- measuring -----------------------------------------------------------------------------
async def measure(database: Database, typed: list[str]) -> tuple[float, float, int]:
    """p50 and p95 in ms of one timed search per query (after a warm-up pass), and hits."""
    reading = Reading(database)
    words = [search_words(q) for q in typed]
    for query in words:
        await reading.search(query)
    times: list[float] = []
    hits = 0
    for query in words:
        start = time.perf_counter()
        page = await reading.search(query)
        times.append((time.perf_counter() - start) * 1000)
        hits += bool(page and page.total)
    cut = statistics.quantiles(times, n=100)
    return round(statistics.median(times), 2), round(cut[94], 2), hits


async def main(count: int) -> dict[str, Any]:
    typed = queries(QUERIES)
    result: dict[str, Any] = {"articles": count, "queries": len(typed)}
    sqlite, built = await sqlite_database(count)
    try:
        p50, p95, hits = await measure(sqlite, typed)
    finally:
        await sqlite.dispose()
    result.update(p50_ms=p50, p95_ms=p95, queries_with_hits=hits, sqlite_build_s=round(built, 1))
    pg_p50 = pg_p95 = None
    admin = _pg_url()
    if admin:
        postgres, pg_built = await postgres_database(admin, count)
        try:
            pg_p50, pg_p95, _ = await measure(postgres, typed)
        finally:
            await postgres.dispose()
        result["pg_build_s"] = round(pg_built, 1)
    result.update(pg_p50_ms=pg_p50, pg_p95_ms=pg_p95)
    result.update(search_p95_ms_sqlite=p95, search_p95_ms_postgres=pg_p95)
    return result


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true", help="print only the JSON line")
    parser.add_argument("--articles", type=int, default=ARTICLES, help="corpus size")
    args = parser.parse_args()
    result = asyncio.run(main(args.articles))
    if not args.json:
        print("search over", result["articles"], "articles", file=sys.stderr)
    print(json.dumps(result))


if __name__ == "__main__":
    cli()
