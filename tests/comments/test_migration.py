"""Revision 0003 on both engines: comments written before it keep their rows, and it can be
taken back to 0002."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Connection, inspect, text
from sqlalchemy.engine import make_url

from storage.db import Database, alembic_config
from storage.enums import CommentSource, CommentStatus
from storage.models import Comment
from tests.conftest import _create_database, _drop_database, postgres_admin_url

OLD_ROWS = [
    "INSERT INTO feeds (id, url, active, primed, next_poll_at, failures, alerted_down,"
    " created_at) VALUES (1, 'https://kontumtv.vn/feed', true, true, '2026-11-27 03:00:00', 0,"
    " false, '2026-11-27 03:00:00')",
    "INSERT INTO articles (id, feed_id, guid, url, title, summary, text, published_at,"
    " fetched_at, updated_at, revision, content_hash, search_text, backlog) VALUES (7, 1,"
    " 'https://kontumtv.vn/?p=7', 'https://kontumtv.vn/bai-7', 'Bài 7', '', '',"
    " '2026-11-27 03:00:00', '2026-11-27 03:00:00', '2026-11-27 03:00:00', 1, 'h', '', false)",
    "INSERT INTO comments (id, article_id, user_id, chat_id, author_name, text, status,"
    " created_at) VALUES (1, 7, 1001, 1001, 'Lan', 'Bình luận cũ', 'pending',"
    " '2026-11-27 04:00:00')",
]


@pytest.fixture
async def old_database(database_url: str, tmp_path: Path) -> AsyncIterator[Database]:
    """An empty database of its own (migrated by the test), on the fixture's engine."""
    if database_url.startswith("sqlite"):
        database = Database(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
        yield database
        await database.dispose()
        return
    admin = postgres_admin_url()
    assert admin is not None
    name = f"newsbot_mig_{uuid.uuid4().hex[:8]}"
    await _create_database(admin, name)
    database = Database(make_url(admin).set(database=name).render_as_string(hide_password=False))
    try:
        yield database
    finally:
        await database.dispose()
        await _drop_database(admin, name)


async def test_comments_written_before_0003_survive_the_upgrade(old_database: Database) -> None:
    await old_database.upgrade("0002")
    async with old_database.engine.begin() as conn:
        for statement in OLD_ROWS:
            await conn.execute(text(statement))
    await old_database.upgrade("0003")
    assert await old_database.current_revision() == "0003"
    async with old_database.session() as session:
        comment = await session.get(Comment, 1)
    assert comment is not None and comment.text == "Bình luận cũ"
    assert comment.status is CommentStatus.PENDING and comment.source is CommentSource.REPLY
    assert comment.relay_status is None and comment.relay_attempts == 0


def _downgrade(connection: Connection) -> list[str]:
    command.downgrade(alembic_config(connection), "0002")
    return sorted(inspect(connection).get_table_names())


async def test_0003_downgrades_to_0002(old_database: Database) -> None:
    await old_database.upgrade("0003")
    async with old_database.engine.begin() as conn:
        tables = await conn.run_sync(_downgrade)
    assert await old_database.current_revision() == "0002"
    assert "comments" in tables
    assert not {"comment_authors", "comment_prompts", "comment_threads"} & set(tables)
