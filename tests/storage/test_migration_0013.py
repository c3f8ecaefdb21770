"""Revision 0013 on both engines: deliveries lose the single-column article index, and
looking rows up by article (the cascade of a deleted article, the sender's views, edits of
sent messages) still goes through an index: the unique (article_id, chat_id, kind)."""

from __future__ import annotations

from sqlalchemy import Connection, inspect, text

from storage.db import Database
from tests.comments.test_migration import old_database

__all__ = ["old_database"]  # the fixture: an empty database of its own on each engine

BY_ARTICLE = "SELECT id FROM deliveries WHERE article_id = 7"


def _indexes(connection: Connection) -> set[str]:
    return {str(index["name"]) for index in inspect(connection).get_indexes("deliveries")}


async def _plan(database: Database) -> str:
    async with database.engine.connect() as conn:
        if database.is_sqlite:
            rows = await conn.execute(text(f"EXPLAIN QUERY PLAN {BY_ARTICLE}"))
            return " ".join(str(row[-1]) for row in rows)
        await conn.execute(text("SET enable_seqscan = off"))  # an empty table: ask for an index
        return " ".join(str(row[0]) for row in await conn.execute(text(f"EXPLAIN {BY_ARTICLE}")))


async def test_lookups_by_article_keep_an_index_without_the_redundant_one(
    old_database: Database,
) -> None:
    await old_database.upgrade("0012")
    async with old_database.engine.connect() as conn:
        assert "ix_deliveries_article_id" in await conn.run_sync(_indexes)
    await old_database.upgrade("0013")
    async with old_database.engine.connect() as conn:
        assert "ix_deliveries_article_id" not in await conn.run_sync(_indexes)
    plan = await _plan(old_database)
    assert "ix_deliveries_article_id" not in plan
    # PostgreSQL names the constraint's index; SQLite its automatic one.
    assert "uq_deliveries_article_id_chat_id_kind" in plan or "sqlite_autoindex_deliveries" in plan
