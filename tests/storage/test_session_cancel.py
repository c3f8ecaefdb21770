"""A stop cancels tasks mid-transaction: the connection still goes back to the pool cleanly."""

from __future__ import annotations

import asyncio
import logging
import random
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text

from storage.db import Database
from tests.conftest import copy_sqlite


async def test_cancelling_tasks_mid_transaction_leaves_the_pool_clean(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    async def busy() -> None:
        while True:
            async with database.session() as session:
                await session.execute(text("SELECT 1"))

    rng = random.Random(7)
    with caplog.at_level(logging.ERROR, logger="sqlalchemy.pool"):
        for _ in range(60):
            tasks = [asyncio.create_task(busy()) for _ in range(4)]
            await asyncio.sleep(rng.random() * 0.02)  # land the cancel anywhere in a session
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
    # Before the exit was shielded, SQLite logged "Exception during reset" (with a traceback)
    # for about half of these. (asyncpg's own "Future exception was never retrieved" for a
    # connection torn down mid-query is not the pool's and still appears on PostgreSQL.)
    pool = [r.getMessage() for r in caplog.records if r.name.startswith("sqlalchemy.pool")]
    assert pool == []
    async with database.session() as session:
        assert (await session.execute(text("SELECT 1"))).scalar_one() == 1


async def test_a_session_cancelled_mid_statement_keeps_no_other_writer_waiting(
    sqlite_template: Path, tmp_path: Path
) -> None:
    """A stop cancels the ingest inside its INSERT; the sender's lease release must not then
    wait out the 10 s busy timeout (7 of 60 runs of the stop tests took over 10 s for it)."""
    path = tmp_path / "newsbot.db"
    copy_sqlite(sqlite_template, path)
    database = Database(f"sqlite+aiosqlite:///{path}")
    loop = asyncio.get_running_loop()
    inside, release = asyncio.Event(), threading.Event()

    def mid_insert() -> int:  # runs in aiosqlite's thread, with the INSERT's write lock held
        loop.call_soon_threadsafe(inside.set)
        release.wait(5)
        return 1

    @event.listens_for(database.engine.sync_engine, "connect")
    def _register(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.create_function("mid_insert", 0, mid_insert)

    async def ingest() -> None:
        async with database.session() as session:
            await session.execute(
                text(
                    "INSERT INTO admins (user_id, role, created_at)"
                    " WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 50)"
                    " SELECT x, 'moderator', '2026-01-01 00:00:00' FROM n"
                    " WHERE x < 25 OR mid_insert()"
                    " RETURNING user_id"  # as the ORM's inserts: the statement stays open
                )
            )

    try:
        task = asyncio.create_task(ingest())
        await asyncio.wait_for(inside.wait(), 10)
        task.cancel()
        for _ in range(10):  # the cancellation reaches the session while the INSERT runs
            await asyncio.sleep(0)
        release.set()
        # Kept, as the runner keeps its cancelled tasks while their on_stop steps run: the
        # error's traceback holds the frames (and the cursor) of the cancelled statement.
        outcome = await asyncio.gather(task, return_exceptions=True)
        assert isinstance(outcome[0], asyncio.CancelledError)

        def write_elsewhere() -> None:  # any other writer: the sender releasing its leases
            other = sqlite3.connect(path, timeout=2)
            try:
                other.execute("BEGIN IMMEDIATE")
                other.execute("INSERT INTO admins (user_id, role, created_at) VALUES (1, 'x', 0)")
                other.commit()
            finally:
                other.close()

        await asyncio.to_thread(write_elsewhere)  # "database is locked" after 2 s before
        async with database.session() as session:  # and the cancelled INSERT left nothing
            assert (await session.execute(text("SELECT count(*) FROM admins"))).scalar_one() == 1
    finally:
        release.set()
        await database.dispose()
