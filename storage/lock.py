"""One running bot per database: a second ``newsbot run`` would post everything twice.

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
    def __init__(self, database: Database) -> None:
        self._database = database
        self._file: IO[str] | None = None
        self._connection: AsyncConnection | None = None

    @property
    def held(self) -> bool:
        return self._file is not None or self._connection is not None

    async def acquire(self) -> None:
        if self._database.is_sqlite:
            self._acquire_file()
        else:
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
