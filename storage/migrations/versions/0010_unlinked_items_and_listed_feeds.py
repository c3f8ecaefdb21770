"""unlinked items and moved feeds: articles.url nullable, feeds.listed_url

Revision ID: 0010
Revises: 0011
Create Date: 2026-12-01 11:00:00

``articles.url`` becomes nullable: RSS 2.0 needs only a title or a description, so a valid
item may have no link; it is stored with NULL (pushed without the "read" button) and known by
its (feed, guid) entry. NULLs never collide in the unique index (SQLite and PostgreSQL), so
a URL still names at most one article, and ``url IN (...)`` lookups stay exact. On SQLite the
NOT NULL is dropped in place, not by batch mode's table copy (see `_sqlite_url_nullable`).

``feeds.listed_url``: the URL the feed was listed under in ``NEWSBOT_FEEDS`` when its row was
made. A permanent redirect changes ``url``; the listing (still the old URL) must keep
finding the same row at the next start instead of making a second one. Existing rows get
their current URL.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_URL_NOT_NULL = re.compile(r"(\burl\s+VARCHAR\(2048\))\s+NOT\s+NULL", re.IGNORECASE)


def _sqlite_url_nullable(nullable: bool) -> None:
    """Drop (or restore) NOT NULL on articles.url in place.

    Batch mode would copy the table and drop the old one, which loses the FTS5 triggers that
    keep /search's index in step (migration 0001) and, with foreign keys on, cascades the
    drop into deliveries, feed entries and comments. SQLite documents editing the stored
    CREATE TABLE text for changes that leave the file format alone, removing NOT NULL among
    them (https://sqlite.org/lang_altertable.html, "other kinds of table schema changes").
    """
    conn = op.get_bind()
    sql = conn.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'articles'"
    ).scalar_one()
    if nullable:
        changed = _URL_NOT_NULL.sub(r"\1", sql, count=1)
    else:
        changed = re.sub(r"(\burl\s+VARCHAR\(2048\))(?!\s+NOT)", r"\1 NOT NULL", sql, count=1)
    if changed == sql:
        return  # already as wanted
    version = conn.exec_driver_sql("PRAGMA schema_version").scalar_one()
    conn.exec_driver_sql("PRAGMA writable_schema=ON")
    conn.exec_driver_sql(
        "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'articles'", (changed,)
    )
    conn.exec_driver_sql(f"PRAGMA schema_version={int(version) + 1}")
    conn.exec_driver_sql("PRAGMA writable_schema=OFF")
    problems = conn.exec_driver_sql("PRAGMA integrity_check").scalars().all()
    if problems != ["ok"]:
        raise RuntimeError(f"articles.url change left the database inconsistent: {problems}")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_url_nullable(True)
    else:
        op.alter_column("articles", "url", existing_type=sa.String(length=2048), nullable=True)
    # A column and a unique index: SQLite adds both in place, without copying the table.
    with op.batch_alter_table("feeds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("listed_url", sa.String(length=2048), nullable=True))
    op.create_index(op.f("ix_feeds_listed_url"), "feeds", ["listed_url"], unique=True)
    op.execute("UPDATE feeds SET listed_url = url")


def downgrade() -> None:
    op.drop_index(op.f("ix_feeds_listed_url"), table_name="feeds")
    with op.batch_alter_table("feeds", schema=None) as batch_op:
        batch_op.drop_column("listed_url")
    # The old schema cannot hold an article without a link.
    op.execute("DELETE FROM articles WHERE url IS NULL")
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_url_nullable(False)
    else:
        op.alter_column("articles", "url", existing_type=sa.String(length=2048), nullable=False)
