"""Revision 0004 on both engines: subscribers from before it keep their settings; it goes back."""

from __future__ import annotations

from alembic import command
from sqlalchemy import Connection, inspect, text

from storage.db import Database, alembic_config
from tests.comments.test_migration import old_database

__all__ = ["old_database"]  # the fixture: an empty database of its own on each engine

OLD_SUBSCRIBER = (
    "INSERT INTO subscribers (chat_id, chat_type, language, active, instant, wants_images,"
    " all_topics, quiet_start, quiet_end, created_at, updated_at) VALUES (1001, 'private', 'en',"
    " true, true, true, true, 1320, 360, '2026-11-27 03:00:00', '2026-11-27 03:00:00')"
)


async def test_a_subscriber_from_before_0004_keeps_its_settings(old_database: Database) -> None:
    await old_database.upgrade("0003")
    async with old_database.engine.begin() as conn:
        await conn.execute(text(OLD_SUBSCRIBER))
    await old_database.upgrade("0004")
    # Raw SQL: the model has columns of later revisions.
    async with old_database.engine.connect() as conn:
        row = (
            await conn.execute(
                text("SELECT language, digest_at, quiet_start, quiet_end FROM subscribers")
            )
        ).one()
    assert tuple(row) == ("en", None, 1320, 360)


def _downgrade(connection: Connection) -> list[str]:
    command.downgrade(alembic_config(connection), "0003")
    return [c["name"] for c in inspect(connection).get_columns("subscribers")]


async def test_0004_downgrades_to_0003(old_database: Database) -> None:
    await old_database.upgrade("0004")
    async with old_database.engine.begin() as conn:
        columns = await conn.run_sync(_downgrade)
    assert "digest_at" not in columns and "quiet_start" in columns
    assert await old_database.current_revision() == "0003"
