"""Async engine, session factory and schema upgrades."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import socket
import sqlite3
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any

import aiosqlite
from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

MIGRATIONS = Path(__file__).with_name("migrations")
SQLITE_BUSY_TIMEOUT_MS = 10_000


class DatabaseUnavailable(Exception):
    """The database cannot be reached or opened; the message is one sentence for the operator.

    ``permanent`` says whether waiting can help: a server that is down or still booting will
    come back (transient); a malformed URL, a refused login, a missing database or a file that
    cannot be created will not (permanent), so ``newsbot run`` stops at once instead of retrying.
    """

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


# errnos of a network that is not there yet (a server booting before its uplink).
_NETWORK_ERRNOS = frozenset(
    {errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ENETDOWN, errno.EHOSTDOWN, errno.ECONNREFUSED}
)
# SQLSTATE classes that pass: 08 connection exception, 53 insufficient resources (too many
# connections), 57 operator intervention (admin shutdown, "the database system is starting up").
_TRANSIENT_SQLSTATE_CLASSES = ("08", "53", "57")


def _causes(error: BaseException) -> Iterator[BaseException]:
    """The error, what SQLAlchemy wrapped (``orig``) and its causes, each once."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        orig = getattr(current, "orig", None)
        pending += [orig if isinstance(orig, BaseException) else None]
        pending += [current.__cause__, current.__context__]


def is_transient(error: BaseException) -> bool:
    """Whether a database error means "not reachable now" (retry) rather than "wrong" (stop)."""
    for cause in _causes(error):
        if isinstance(cause, (ConnectionError, TimeoutError, socket.gaierror)):
            return True
        if isinstance(cause, OSError) and cause.errno in _NETWORK_ERRNOS:
            return True
        if isinstance(cause, DBAPIError) and cause.connection_invalidated:
            return True
        sqlstate = getattr(cause, "sqlstate", None)
        if isinstance(sqlstate, str) and sqlstate[:2] in _TRANSIENT_SQLSTATE_CLASSES:
            return True
        # asyncpg's "connection is closed": the server went away under a pooled connection.
        if type(cause).__name__ in ("InterfaceError", "ConnectionDoesNotExistError") and (
            "closed" in str(cause) or "connection" in str(cause).lower()
        ):
            return True
        # SQLite: another process holds the write lock past our busy timeout.
        if isinstance(cause, sqlite3.OperationalError) and (
            "locked" in str(cause) or "busy" in str(cause)
        ):
            return True
    return False


def first_line(error: BaseException) -> str:
    """The first line of an error's text (or its type), for one-line log messages."""
    message = str(error).strip()
    return message.splitlines()[0] if message else type(error).__name__


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers (handlers) proceed while the sender writes; the busy timeout absorbs
    # short write contention instead of failing with "database is locked".
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class _RollbackBeforeClose(aiosqlite.Connection):
    """An aiosqlite connection that ends its transaction before it closes.

    A cancellation that reaches a statement mid-flight (a stop cancels the ingest inside its
    INSERT ... RETURNING) makes SQLAlchemy invalidate the connection and close it at once.
    The cancelled statement is still referenced by SQLAlchemy 2.0.58's aiosqlite cursor
    (``AsyncAdapt_aiosqlite_cursor.execute`` only closes its cursor on success), whose frame
    the cancellation's traceback keeps alive as long as anyone holds the cancelled task, and
    Python 3.11's ``sqlite3`` closes with ``sqlite3_close_v2`` without rolling back: SQLite
    then keeps the connection as a "zombie", its write lock included, until that statement
    is freed. The sender's lease release at stop waited out the 10 s busy timeout for it.
    A ROLLBACK runs fine beside an unfinished statement, so the lock goes with the close.
    """

    async def close(self) -> None:
        # Queued behind the cancelled statement on the connection's thread; a no-op without
        # a transaction. ValueError: already closed. Cancelled here, it still closes.
        try:
            with contextlib.suppress(ValueError, sqlite3.Error):
                await self.rollback()
        finally:
            await super().close()


def _sqlite_connector(
    engine: Callable[[], AsyncEngine],
) -> Callable[[], Coroutine[Any, Any, aiosqlite.Connection]]:
    """The engine's ``async_creator`` on SQLite: ``aiosqlite.connect``, as ``_RollbackBeforeClose``,
    with the arguments SQLAlchemy derives from the URL."""

    async def connect() -> aiosqlite.Connection:
        dialect, url = engine().dialect, engine().url
        args, kwargs = dialect.create_connect_args(url)
        kwargs["timeout"] = SQLITE_BUSY_TIMEOUT_MS / 1000
        connection = _RollbackBeforeClose(
            partial(sqlite3.connect, *args, **kwargs), iter_chunk_size=64
        )
        # As SQLAlchemy does for the connections it makes: a connection never closed must
        # not keep the interpreter from exiting.
        connection._thread.daemon = True
        return await connection

    return connect


def safe_url(url: str) -> str:
    """The URL with any password masked, for logs and error messages."""
    return make_url(url).render_as_string(hide_password=True)


class Database:
    """One engine and its session factory."""

    def __init__(self, url: str, *, echo: bool = False, pool_size: int = 10) -> None:
        self.url = url
        try:
            parsed = make_url(url)
        except (ArgumentError, ValueError) as error:
            # Never echo the URL itself: it is malformed, so its password cannot be masked.
            raise DatabaseUnavailable(
                f"NEWSBOT_DATABASE_URL is malformed: {first_line(error)}", permanent=True
            ) from None
        self.dialect = parsed.get_backend_name()
        kwargs: dict[str, Any] = {"echo": echo}
        if self.dialect == "sqlite":
            database = parsed.database or ""
            if database and database != ":memory:":
                self._make_directory(Path(database).expanduser().parent)
            kwargs["async_creator"] = _sqlite_connector(lambda: self.engine)
        else:
            kwargs.update(pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)
        try:
            self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        except (ArgumentError, ValueError, TypeError) as error:  # e.g. a port that is no number
            raise DatabaseUnavailable(
                f"NEWSBOT_DATABASE_URL is malformed: {first_line(error)}", permanent=True
            ) from None
        if self.dialect == "sqlite":
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    def _make_directory(self, directory: Path) -> None:
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as error:  # permissions, a file in the way: waiting will not fix it
            raise DatabaseUnavailable(
                f"NEWSBOT_DATABASE_URL points into {directory}, which cannot be created: "
                f"{error.strerror or first_line(error)}.",
                permanent=True,
            ) from None

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @property
    def sqlite_path(self) -> Path | None:
        if not self.is_sqlite:
            return None
        database = make_url(self.url).database
        if not database or database == ":memory:":
            return None
        return Path(database).expanduser().resolve()

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session inside a transaction that commits on success.

        A stop cancels background tasks wherever they are, often mid-transaction. Ending the
        transaction and handing the connection back are shielded from that cancellation:
        cancelled half-way they left connections in the pool's cleanup ("Exception during
        reset", with a traceback, in 28 of 60 cancelled SQLite sessions; asyncpg connections
        torn down with "unexpected connection_lost" on PostgreSQL).
        """
        session = self.sessions()
        try:
            yield session
        except BaseException:
            # The original error (or the cancellation) is what the caller must see.
            with contextlib.suppress(Exception):
                await _shielded(_end(session, commit=False))
            raise
        await _shielded(_end(session, commit=True))

    async def check(self) -> None:
        """Raise ``DatabaseUnavailable`` (transient or permanent) unless the database answers."""
        try:
            async with asyncio.timeout(10), self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception as error:
            raise self.unavailable(error) from None

    def unavailable(self, error: BaseException) -> DatabaseUnavailable:
        """The operator's one sentence for a failed database call, classified."""
        reason = first_line(error)
        # asyncpg's own errors are bare (no SQLAlchemy wrapper) and the SQLite ones start
        # with the driver's class name in brackets: keep the text after it.
        reason = reason.split(") ", 1)[1] if reason.startswith("(") and ") " in reason else reason
        if self.is_sqlite and not is_transient(error):
            return DatabaseUnavailable(
                f"NEWSBOT_DATABASE_URL cannot be opened ({safe_url(self.url)}): {reason}.",
                permanent=True,
            )
        if not is_transient(error):
            return DatabaseUnavailable(
                f"NEWSBOT_DATABASE_URL cannot be used ({safe_url(self.url)}): {reason}.",
                permanent=True,
            )
        return DatabaseUnavailable(
            f"NEWSBOT_DATABASE_URL is unreachable ({safe_url(self.url)}): {reason}"
        )

    async def upgrade(self, revision: str = "head") -> None:
        """Apply Alembic migrations up to ``revision`` (idempotent)."""
        if self.is_sqlite:
            await self._upgrade_sqlite(revision)
            return
        async with self.engine.begin() as conn:
            await conn.run_sync(_upgrade, revision)

    async def _upgrade_sqlite(self, revision: str) -> None:
        """SQLite changes a column by copying its table and dropping the old one, and with
        foreign keys on, that drop deletes every row referencing the table through ON DELETE
        CASCADE (altering ``articles`` emptied ``deliveries``). So the keys are off while
        migrating (the pragma is ignored inside a transaction: set before it), and checked
        before the transaction commits."""
        async with self.engine.connect() as conn:
            await conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            await conn.commit()
            try:
                async with conn.begin():
                    await conn.run_sync(_upgrade, revision)
                    broken = (await conn.exec_driver_sql("PRAGMA foreign_key_check")).all()
                    if broken:
                        raise RuntimeError(f"migration left broken references: {broken[:5]}")
            finally:
                await conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                await conn.commit()

    async def current_revision(self) -> str | None:
        async with self.engine.connect() as conn:
            return await conn.run_sync(_current_revision)

    async def dispose(self) -> None:
        await self.engine.dispose()


# The loop keeps only weak references to tasks: a shielded end whose caller was cancelled would
# otherwise have no owner, and a collected end leaves its connection inside a transaction
# (on SQLite, holding the write lock every other writer then waits for).
_ENDING: set[asyncio.Task[None]] = set()


async def _shielded(ending: Coroutine[Any, Any, None]) -> None:
    task = asyncio.ensure_future(ending)
    _ENDING.add(task)
    task.add_done_callback(_ENDING.discard)
    await asyncio.shield(task)


async def _end(session: AsyncSession, *, commit: bool) -> None:
    """Commit or roll back, then hand the connection back: one step, so it is shielded whole."""
    try:
        if commit:
            await session.commit()
        else:
            await session.rollback()
    finally:
        await session.close()


def alembic_config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def _upgrade(connection: Connection, revision: str) -> None:
    command.upgrade(alembic_config(connection), revision)


def _current_revision(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()
