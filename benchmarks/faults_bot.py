"""The bot under test in the fault benchmark: the real ``newsbot run`` as a subprocess, its
SQLite database prepared with subscribers, and what the driver reads back from both.

The outbox and the log are only read, never written, and every read is best-effort: a read
that fails (a table or column renamed by later work) gives ``None``, never a crash, so the
benchmark keeps measuring what the sandbox saw.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import re
import signal
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from benchmarks.fanout import REPO, _env
from storage.db import Database
from storage.models import Subscriber

LOCKED = "database is locked"
# Rows the sender still has to try. Final ones (sent, failed, cancelled) are not counted.
OPEN_STATUSES = ("pending", "sending")
_RECORD_START = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} ", re.MULTILINE)


async def prepare_subscribers(url: str, first: int, count: int) -> None:
    """Schema, and ``count`` active instant subscribers ``first ..`` (bulk insert)."""
    database = Database(url)
    try:
        await database.upgrade()
        step = 10_000
        for start in range(first, first + count, step):
            rows = [
                {"chat_id": chat, "language": "vi", "first_name": f"Người dùng {chat}"}
                for chat in range(start, min(start + step, first + count))
            ]
            async with database.session() as session:
                await session.execute(insert(Subscriber), rows)
    finally:
        await database.dispose()


class BotUnderTest:
    """One ``newsbot run`` with its own directory, database and log."""

    def __init__(self, directory: Path, settings: dict[str, str]) -> None:
        self.directory = directory
        self.settings = settings  # NEWSBOT_* without the token
        self.db_path = directory / "newsbot.db"
        self.log_path = directory / "newsbot.log"
        self.process: asyncio.subprocess.Process | None = None
        self.exit_code: int | None = None

    @property
    def database_url(self) -> str:
        return f"sqlite+aiosqlite:///{self.db_path}"

    async def start(self, token: str) -> None:
        env = _env() | self.settings | {"NEWSBOT_TELEGRAM_TOKEN": token}
        with self.log_path.open("ab") as handle:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run",
                cwd=self.directory, env=env, stdout=handle, stderr=handle,
            )  # fmt: skip

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    async def stop(self, limit_s: float = 60.0) -> int | None:
        """SIGTERM, and SIGKILL if it has not exited within ``limit_s``."""
        process = self.process
        if process is None:
            return None
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), limit_s)
            except TimeoutError:
                process.kill()
                await process.wait()
        self.exit_code = process.returncode
        return self.exit_code

    # --- the log ----------------------------------------------------------------------------
    def log(self) -> str:
        try:
            return self.log_path.read_text("utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def tail(self, chars: int = 1500) -> str:
        return self.log()[-chars:]

    def records_mentioning(self, needle: str) -> list[str]:
        """The first lines of the log records (a timestamped line and its traceback) that
        contain ``needle``: one error counts once even when its traceback repeats it."""
        text = self.log()
        starts = [m.start() for m in _RECORD_START.finditer(text)] + [len(text)]
        pieces = [text[: starts[0]]] + [text[a:b] for a, b in itertools.pairwise(starts)]
        return [piece.split("\n", 1)[0][:300] for piece in pieces if needle in piece]

    # --- the outbox -------------------------------------------------------------------------
    async def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]] | None:
        # In a thread: a read that waits on SQLite must not stall the proxy in this process.
        return await asyncio.to_thread(_query, self.db_path, sql, tuple(params))

    async def outbox(self) -> dict[str, int] | None:
        rows = await self.query("SELECT status, count(*) FROM deliveries GROUP BY status")
        return None if rows is None else {str(s): int(n) for s, n in rows}

    async def open_rows(self) -> int | None:
        counts = await self.outbox()
        return None if counts is None else sum(counts.get(s, 0) for s in OPEN_STATUSES)

    async def max_rows_per_chat(self, first: int, count: int) -> int | None:
        rows = await self.query(
            "SELECT max(n) FROM (SELECT count(*) AS n FROM deliveries"
            " WHERE chat_id >= ? AND chat_id < ? GROUP BY chat_id)",
            (first, first + count),
        )
        return None if not rows else int(rows[0][0] or 0)

    async def articles(self) -> int | None:
        rows = await self.query("SELECT count(*) FROM articles")
        return None if not rows else int(rows[0][0])

    async def active_subscribers(self, ids: Sequence[int]) -> int | None:
        marks = ",".join("?" * len(ids))
        rows = await self.query(
            f"SELECT count(*) FROM subscribers WHERE active = 1 AND chat_id IN ({marks})", ids
        )
        return None if not rows else int(rows[0][0])


def _query(path: Path, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]] | None:
    if not path.exists():
        return None
    try:
        with contextlib.closing(sqlite3.connect(path, timeout=5)) as conn:
            conn.execute("PRAGMA query_only = 1")
            return conn.execute(sql, params).fetchall()
    except sqlite3.Error:
        return None


__all__ = ["LOCKED", "REPO", "BotUnderTest", "prepare_subscribers"]
