"""One running bot per SQLite database, and the leader lock on PostgreSQL.

A second ``newsbot run`` on one SQLite file would post everything twice: it is refused. On
PostgreSQL several processes may run; the one holding ``AdvisoryLock`` leads
(``bot.leadership.PostgresLeadership``).

SQLite: an exclusive ``flock`` on ``<database>.lock`` beside the file (released by the kernel
when the process dies, even on SIGKILL). PostgreSQL: a session advisory lock held on a
dedicated connection (released when the connection closes).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
from pathlib import Path
from typing import IO

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.db import Database, first_line

log = logging.getLogger(__name__)

# Any constant works; it only has to be the same for every instance of this bot.
ADVISORY_LOCK_KEY = 0x4B54_4E42  # "KTNB"


class AlreadyRunning(Exception):
    """Another bot instance holds the database; the message is for the operator."""


class InstanceLock:
    """``exclusive_on_postgres=False``: on PostgreSQL leader election (``AdvisoryLock``)
    replaces the one-instance rule, so this lock is only taken on SQLite."""

    def __init__(self, database: Database, *, exclusive_on_postgres: bool = True) -> None:
        self._database = database
        self._exclusive_on_postgres = exclusive_on_postgres
        self._file: IO[str] | None = None
        self._connection: AsyncConnection | None = None

    @property
    def held(self) -> bool:
        return self._file is not None or self._connection is not None

    async def acquire(self) -> None:
        if self._database.is_sqlite:
            self._acquire_file()
        elif self._exclusive_on_postgres:
            await self._acquire_advisory()

    def _acquire_file(self) -> None:
        path = self._database.sqlite_path
        if path is None:  # in-memory databases are private to this process
            return
        lock_path = Path(f"{path}.lock")
        handle = lock_path.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            handle.close()
            raise AlreadyRunning(
                f"Another newsbot (pid {holder}) is already running on {path}; "
                "stop it first, or point NEWSBOT_DATABASE_URL at another database."
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._file = handle

    async def _acquire_advisory(self) -> None:
        connection = await self._database.engine.connect()
        result = await connection.execute(
            text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY}
        )
        if not result.scalar_one():
            await connection.close()
            raise AlreadyRunning(
                "Another newsbot is already running on this PostgreSQL database; "
                "stop it first, or point NEWSBOT_DATABASE_URL at another database."
            )
        await connection.commit()
        self._connection = connection

    async def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None
        if self._connection is not None:
            connection, self._connection = self._connection, None
            try:
                # Closing only returns the connection to the pool, where the lock would live on.
                await connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY}
                )
                await connection.commit()
                await connection.close()
            except Exception as error:
                # The server went away under the lock's connection: the lock went with it.
                # Invalidating drops the dead connection instead of pooling it.
                log.warning("instance lock: connection lost (%s)", first_line(error))
                with contextlib.suppress(Exception):
                    await connection.invalidate()


class AdvisoryLock:
    """The leader lock on PostgreSQL: a session advisory lock on a connection of its own.

    Unlike ``InstanceLock`` a busy lock is no error: ``try_acquire`` says whether we got it,
    and a standby simply tries again later. PostgreSQL releases the lock when the holder's
    connection ends, so a SIGKILLed leader frees it at once (its socket closes).
    """

    def __init__(self, database: Database, key: int = ADVISORY_LOCK_KEY) -> None:
        self._database = database
        self._key = key
        self._connection: AsyncConnection | None = None

    @property
    def held(self) -> bool:
        return self._connection is not None

    async def try_acquire(self) -> bool:
        if self._connection is not None:
            return True
        connection = await self._database.engine.connect()
        try:
            result = await connection.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key}
            )
            won = bool(result.scalar_one())
            await connection.commit()
        except BaseException:
            with contextlib.suppress(Exception):
                await connection.invalidate()
            raise
        if not won:
            await connection.close()
            return False
        self._connection = connection
        return True

    async def alive(self) -> bool:
        """Is the lock's connection (and so the lock) still there? A dead one is dropped."""
        connection = self._connection
        if connection is None:
            return False
        try:
            await connection.execute(text("SELECT 1"))
            await connection.commit()
            return True
        except Exception as error:
            log.warning("leader lock: connection lost (%s)", first_line(error))
            self._connection = None
            with contextlib.suppress(Exception):
                await connection.invalidate()
            return False

    async def abandon(self) -> None:
        """Drop the lock's connection without a word to a server that stopped answering:
        closing the socket is what frees the lock."""
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                await connection.invalidate()

    async def release(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            await connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self._key})
            await connection.commit()
            await connection.close()
        except Exception as error:
            log.warning("leader lock: connection lost (%s)", first_line(error))
            with contextlib.suppress(Exception):
                await connection.invalidate()
