"""The schema: migrations apply cleanly and repeatably, data survives a restart."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import inspect

from storage.db import Database
from storage.models import Base
from storage.repositories import subscribers


async def test_upgrade_is_idempotent_and_creates_every_table(database: Database) -> None:
    await database.upgrade()  # the fixture already migrated once
    assert await database.current_revision() is not None
    async with database.engine.connect() as conn:
        names = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
    assert {table.name for table in Base.metadata.sorted_tables} <= names


async def test_subscription_survives_a_restart(database_url: str) -> None:
    first = Database(database_url)
    async with first.session() as session:
        await subscribers.subscribe(session, 42, language="en", first_name="Lan")
    await first.dispose()

    second = Database(database_url)
    async with second.session() as session:
        stored = await subscribers.get(session, 42)
    await second.dispose()
    assert stored is not None and stored.active and stored.language == "en"
    assert stored.created_at.tzinfo is UTC
    assert stored.created_at <= datetime.now(UTC)


async def test_resubscribing_reactivates_without_a_second_row(database: Database) -> None:
    async with database.session() as session:
        _, first = await subscribers.subscribe(session, 7)
        await subscribers.deactivate(session, 7, "unsubscribed")
    async with database.session() as session:
        again, newly = await subscribers.subscribe(session, 7)
        assert first and newly and again.active
        assert await subscribers.count_active(session) == 1
