"""Revision 0009 on both engines: articles stored before it are found by their title (the
back-fill folds it), subscribers gain ``source``, and it goes back to 0004."""

from __future__ import annotations

from alembic import command
from sqlalchemy import Connection, inspect, text

from storage.db import Database, alembic_config
from storage.repositories import search
from tests.comments.test_migration import OLD_ROWS, old_database

__all__ = ["old_database"]  # the fixture: an empty database of its own on each engine

OLD_ARTICLE = (
    "INSERT INTO articles (id, feed_id, guid, url, title, summary, text, published_at,"
    " fetched_at, updated_at, revision, content_hash, search_text, backlog) VALUES (8, 1,"
    " 'https://kontumtv.vn/?p=8', 'https://kontumtv.vn/bai-8', 'Ðắk Hà: HỘI NGHỊ sơ kết', '', '',"
    " '2026-11-26 03:00:00', '2026-11-26 03:00:00', '2026-11-26 03:00:00', 1, 'h',"
    " 'dak ha hoi nghi so ket', false)"
)


async def test_articles_from_before_0009_rank_by_their_title(old_database: Database) -> None:
    await old_database.upgrade("0004")
    async with old_database.engine.begin() as conn:
        await conn.execute(text(OLD_ROWS[0]))  # the feed
        await conn.execute(text(OLD_ARTICLE))
        await conn.execute(
            text(
                "INSERT INTO articles (id, feed_id, guid, url, title, summary, text,"
                " published_at, fetched_at, updated_at, revision, content_hash, search_text,"
                " backlog) VALUES (9, 1, 'g9', 'https://kontumtv.vn/bai-9', 'Tin mới', '', '',"
                " '2026-11-27 03:00:00', '2026-11-27 03:00:00', '2026-11-27 03:00:00', 1, 'h',"
                " 'tin moi hoi nghi o dak ha', false)"
            )
        )
    await old_database.upgrade()  # through 0009's back-fill to PostgreSQL's 0012 word table
    async with old_database.session() as session:
        hits, total = await search.ranked(session, ("dak", "ha"), offset=0, limit=5, cap=200)
        # The older article has the words in its title, so it comes first.
        assert [h.id for h in hits] == [8, 9] and total == 2
        columns = await session.execute(text("SELECT source FROM subscribers"))
        assert columns.all() == []


def _downgrade(connection: Connection) -> tuple[list[str], list[str]]:
    command.downgrade(alembic_config(connection), "0004")
    found = inspect(connection)
    return (
        [c["name"] for c in found.get_columns("subscribers")],
        [c["name"] for c in found.get_columns("articles")],
    )


async def test_0009_downgrades_to_0004(old_database: Database) -> None:
    await old_database.upgrade("0009")
    async with old_database.engine.begin() as conn:
        subscriber_columns, article_columns = await conn.run_sync(_downgrade)
    assert "source" not in subscriber_columns and "search_title" not in article_columns
    assert await old_database.current_revision() == "0004"
