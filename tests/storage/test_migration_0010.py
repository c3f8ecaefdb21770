"""Revision 0010 on both engines: articles may have no link, feeds remember their listing.

The articles table is copied on SQLite to drop NOT NULL: nothing referencing it (deliveries,
feed entries, topics) may be lost on the way.
"""

from __future__ import annotations

from alembic import command
from sqlalchemy import Connection, inspect, text

from storage.db import Database, alembic_config
from tests.comments.test_migration import old_database

__all__ = ["old_database"]  # the fixture: an empty database of its own on each engine

T = "'2026-11-27 03:00:00'"
OLD_ROWS = [
    "INSERT INTO feeds (id, url, active, primed, next_poll_at, failures, alerted_down, "
    f"created_at) VALUES (1, 'https://kontumtv.vn/feed', true, true, {T}, 0, false, {T})",
    "INSERT INTO articles (id, feed_id, guid, url, title, summary, text, published_at, "
    "fetched_at, updated_at, revision, content_hash, search_text, backlog) VALUES "
    f"(1, 1, 'g1', 'https://kontumtv.vn/?p=1', 't', '', '', {T}, {T}, {T}, 1, 'h', '', false)",
    "INSERT INTO feed_entries (feed_id, guid, article_id) VALUES (1, 'g1', 1)",
    "INSERT INTO deliveries (article_id, chat_id, kind, priority, status, locale, with_image, "
    "silent, due_at, attempts, sent_as_photo, created_at, message_kind) VALUES "
    f"(1, 1001, 'instant', 2, 'pending', 'vi', true, false, {T}, 0, false, {T}, 'article')",
]
UNLINKED = (
    "INSERT INTO articles (id, feed_id, guid, url, title, summary, text, published_at, "
    "fetched_at, updated_at, revision, content_hash, search_text, backlog) VALUES "
    f"({{id}}, 1, 'u{{id}}', NULL, 't', '', '', {T}, {T}, {T}, 1, 'h', 'u{{id}}', false)"
)


async def _count(database: Database, table: str) -> int:
    async with database.engine.connect() as conn:
        return int((await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())


async def test_rows_from_before_0010_survive_and_links_become_optional(
    old_database: Database,
) -> None:
    await old_database.upgrade("0004")
    async with old_database.engine.begin() as conn:
        for statement in OLD_ROWS:
            await conn.execute(text(statement))
    await old_database.upgrade("0010")

    for table in ("articles", "feed_entries", "deliveries"):
        assert await _count(old_database, table) == 1, table
    async with old_database.engine.begin() as conn:
        listed = (await conn.execute(text("SELECT listed_url FROM feeds"))).scalar_one()
        assert listed == "https://kontumtv.vn/feed"  # the listing is the URL it had
        # Two items without a link: NULLs never collide in the unique index.
        await conn.execute(text(UNLINKED.format(id=2)))
        await conn.execute(text(UNLINKED.format(id=3)))
    assert await _count(old_database, "articles") == 3
    if old_database.is_sqlite:  # /search's FTS5 index still follows every new article
        async with old_database.engine.connect() as conn:
            found = await conn.execute(
                text("SELECT rowid FROM articles_fts WHERE articles_fts MATCH 'u2'")
            )
            assert found.scalars().all() == [2]


def _downgrade(connection: Connection) -> list[str]:
    command.downgrade(alembic_config(connection), "0004")
    return [c["name"] for c in inspect(connection).get_columns("feeds")]


async def test_0010_downgrades_to_0004(old_database: Database) -> None:
    await old_database.upgrade("0004")
    async with old_database.engine.begin() as conn:
        for statement in OLD_ROWS:
            await conn.execute(text(statement))
    await old_database.upgrade("0010")
    async with old_database.engine.begin() as conn:
        await conn.execute(text(UNLINKED.format(id=2)))
    async with old_database.engine.connect() as conn:
        if old_database.is_sqlite:  # as Database.upgrade does: the copy must not cascade
            await conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            await conn.commit()
        async with conn.begin():
            columns = await conn.run_sync(_downgrade)
    assert "listed_url" not in columns
    assert await old_database.current_revision() == "0004"
    assert await _count(old_database, "articles") == 1  # the unlinked one cannot stay
    assert await _count(old_database, "deliveries") == 1
