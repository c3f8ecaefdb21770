"""Shared fixtures: a migrated database on SQLite and on PostgreSQL for every storage test.

SQLite: Alembic runs once per session into a template file that each test copies (a copy is
a few milliseconds; a migration per test cost far more). PostgreSQL: one database per
session, truncated before each test.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from storage.db import Database
from storage.models import Base

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"
POSTGRES_ENV = "NEWSBOT_TEST_POSTGRES_URL"


def postgres_admin_url() -> str | None:
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        if os.environ.get("NEWSBOT_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"NEWSBOT_REQUIRE_POSTGRES=1 but {POSTGRES_ENV} is not set")
        pytest.skip(f"{POSTGRES_ENV} is not set")
    return url


async def _create_database(admin_url: str, name: str) -> None:
    admin = Database(admin_url)
    try:
        async with admin.engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await admin.dispose()


async def _drop_database(admin_url: str, name: str) -> None:
    admin = Database(admin_url)
    try:
        async with admin.engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


async def _migrate(url: str) -> None:
    database = Database(url)
    try:
        await database.upgrade()
    finally:
        await database.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this test session, dropped afterwards."""
    admin_url = postgres_admin_url()
    assert admin_url is not None
    name = f"newsbot_test_{uuid.uuid4().hex[:10]}"
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    asyncio.run(_create_database(admin_url, name))
    asyncio.run(_migrate(url))
    yield url
    asyncio.run(_drop_database(admin_url, name))


async def truncate_all(database: Database) -> None:
    tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
    async with database.engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, empty SQLite file, made once per session for tests to copy."""
    path = tmp_path_factory.mktemp("sqlite-template") / "newsbot.db"
    asyncio.run(_migrate(f"sqlite+aiosqlite:///{path}"))
    return path


def copy_sqlite(template: Path, target: Path) -> None:
    """Copy a closed SQLite database, with its WAL sidecars should any remain."""
    for suffix in ("", "-wal", "-shm"):
        source = template.with_name(template.name + suffix)
        if source.exists():
            shutil.copyfile(source, target.with_name(target.name + suffix))


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database URL on each engine."""
    if request.param == "sqlite":
        path = tmp_path / "newsbot.db"
        copy_sqlite(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite+aiosqlite:///{path}"
    url = str(request.getfixturevalue("postgres_url"))
    asyncio.run(_truncate(url))
    return url


async def _truncate(url: str) -> None:
    database = Database(url)
    try:
        await truncate_all(database)
    finally:
        await database.dispose()


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    """An open ``Database`` on a migrated, empty schema (SQLite and PostgreSQL)."""
    db = Database(database_url)
    yield db
    await db.dispose()
