"""Revision 0008 on both engines: a digest time stored before it keeps working; it goes back."""

from __future__ import annotations

from alembic import command
from sqlalchemy import Connection, inspect, text

from storage.db import Database, alembic_config
from tests.comments.test_migration import old_database

__all__ = ["old_database"]  # the fixture: an empty database of its own on each engine

READER_WITH_A_DIGEST_TIME = (
    "INSERT INTO subscribers (chat_id, chat_type, language, active, instant, wants_images,"
    " all_topics, digest_at, created_at, updated_at) VALUES (1001, 'private', 'vi', true, true,"
    " true, true, 420, '2026-11-27 03:00:00', '2026-11-27 03:00:00')"
)


async def test_a_digest_time_from_before_0008_has_no_digest_made_yet(
    old_database: Database,
) -> None:
    await old_database.upgrade("0004")
    async with old_database.engine.begin() as conn:
        await conn.execute(text(READER_WITH_A_DIGEST_TIME))
    await old_database.upgrade("0008")
    async with old_database.engine.connect() as conn:
        row = (await conn.execute(text("SELECT digest_at, last_digest_at FROM subscribers"))).one()
    # NULL: the job gives this reader the last day's headlines at the next 07:00.
    assert tuple(row) == (420, None)


def _downgrade(connection: Connection) -> list[str]:
    command.downgrade(alembic_config(connection), "0004")
    return [c["name"] for c in inspect(connection).get_columns("subscribers")]


async def test_0008_downgrades_to_0004(old_database: Database) -> None:
    await old_database.upgrade("0008")
    async with old_database.engine.begin() as conn:
        columns = await conn.run_sync(_downgrade)
    assert "last_digest_at" not in columns and "digest_at" in columns
    assert await old_database.current_revision() == "0004"
