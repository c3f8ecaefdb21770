"""Digest benchmark: queuing the 07:00 digest for 100,000 subscribers spread over 20 topic
combinations, on SQLite and PostgreSQL (the issue's goal: <= 5 s each).

    python -m benchmarks.digest --json

The database holds the subscribers (all at 07:00 in the station's zone; a third follow every
topic, the rest one of 19 topic sets, half of them in English) and a day of 200 stored
headlines over 8 topics. One timed call: ``DigestJob.run_once`` at 07:00, which finds the
due readers, groups them, lays each edition out once and writes every outbox row. Prints one
JSON line: subscribers, combinations, renders (editions laid out), rows, digest_enqueue_s,
pg_digest_enqueue_s (the loaded tables vacuumed and analysed first, as a running database has
them), and the same two straight after the bulk load (``*_cold_s``).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

from benchmarks.fanout import postgres_database
from bot.services.digest import DigestJob
from storage.db import Database
from storage.enums import MessageKind
from storage.models import Article, ArticleTopic, Delivery, Feed, Subscriber, SubscriberTopic, Topic

SUBSCRIBERS = 100_000
TOPICS = 8
HEADLINES = 200
SLOT = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)  # 07:00 in Asia/Ho_Chi_Minh
# 19 topic sets + "every topic" = 20 combinations.
SETS = [frozenset(c) for c in itertools.combinations(range(1, TOPICS + 1), 2)][:19]


async def prepare(database: Database) -> None:
    await database.upgrade()
    async with database.session() as session:
        session.add(Feed(id=1, url="https://kontumtv.vn/feed", primed=True))
        session.add_all(
            [Topic(id=i, slug=f"chu-de-{i}", name=f"Chuyên mục {i}") for i in range(1, 9)]
        )
        await session.flush()
        for n in range(1, HEADLINES + 1):
            at = SLOT - timedelta(minutes=7 * n)
            session.add(
                Article(
                    id=n, feed_id=1, guid=f"g{n}", url=f"https://kontumtv.vn/bai-{n}",
                    title=f"Tin số {n}: hội nghị sơ kết, giá cà phê Đăk Hà, bóng chuyền nữ",
                    published_at=at, fetched_at=at, content_hash=f"h{n}",
                )
            )  # fmt: skip
        await session.flush()
        await session.execute(
            insert(ArticleTopic),
            [{"article_id": n, "topic_id": 1 + n % TOPICS} for n in range(1, HEADLINES + 1)],
        )
    readers: list[dict[str, Any]] = []
    follows: list[dict[str, Any]] = []
    for chat_id in range(1, SUBSCRIBERS + 1):
        combination = chat_id % (len(SETS) + 1)
        readers.append(
            {
                "chat_id": chat_id, "active": True, "instant": True, "digest_at": 420,
                "language": "en" if chat_id % 2 else "vi", "all_topics": combination == 0,
                "last_digest_at": SLOT - timedelta(days=1),
            }
        )  # fmt: skip
        if combination:
            follows += [{"chat_id": chat_id, "topic_id": t} for t in SETS[combination - 1]]
    async with database.session() as session:
        for start in range(0, len(readers), 5000):
            await session.execute(insert(Subscriber), readers[start : start + 5000])
        for start in range(0, len(follows), 5000):
            await session.execute(insert(SubscriberTopic), follows[start : start + 5000])


async def settle(database: Database) -> None:
    """Leave the loaded tables as a running database has them at 07:00: vacuumed and analysed
    (autovacuum's work on PostgreSQL). Straight after the bulk load the job's first read set
    the hint bits of every fresh page and the planner guessed one row per table."""
    if database.is_sqlite:
        async with database.engine.connect() as connection:
            await connection.exec_driver_sql("ANALYZE")
            await connection.commit()
        return
    autocommit = database.engine.execution_options(isolation_level="AUTOCOMMIT")
    async with autocommit.connect() as connection:
        await connection.exec_driver_sql("VACUUM ANALYZE")


async def measure(url: str, *, settled: bool) -> dict[str, Any]:
    database = Database(url)
    try:
        await prepare(database)
        if settled:
            await settle(database)
        job = DigestJob(database, clock=lambda: SLOT + timedelta(seconds=5))
        start = time.perf_counter()
        queued = await job.run_once()
        elapsed = time.perf_counter() - start
        async with database.session() as session:
            rows = await session.scalar(
                select(func.count())
                .select_from(Delivery)
                .where(Delivery.message_kind == MessageKind.DIGEST)
            )
        assert rows == queued, (rows, queued)
        return {"seconds": elapsed, "rows": queued, "renders": job.stats["renders"]}
    finally:
        await database.dispose()


async def main() -> dict[str, Any]:
    runs: dict[str, dict[str, Any]] = {}
    for settled in (True, False):
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite+aiosqlite:///{Path(tmp) / 'digest.db'}"
            runs[f"lite{settled}"] = await measure(url, settled=settled)
        async with postgres_database() as url:
            runs[f"pg{settled}"] = await measure(url, settled=settled)
    return {
        "subscribers": SUBSCRIBERS,
        "combinations": len(SETS) + 1,
        "renders": runs["liteTrue"]["renders"],
        "rows": runs["liteTrue"]["rows"],
        "digest_enqueue_s": round(runs["liteTrue"]["seconds"], 2),
        "pg_digest_enqueue_s": round(runs["pgTrue"]["seconds"], 2),
        # The same straight after the bulk load (no vacuum, no statistics): the worst case,
        # not a running station's state.
        "digest_enqueue_cold_s": round(runs["liteFalse"]["seconds"], 2),
        "pg_digest_enqueue_cold_s": round(runs["pgFalse"]["seconds"], 2),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true", help="print only the JSON line")
    args = parser.parse_args()
    result = asyncio.run(main())
    if not args.json:
        print("digest benchmark (one run; the machine may be busy):")
    print(json.dumps(result))
