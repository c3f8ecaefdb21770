"""unlinked items and moved feeds: articles.url nullable, feeds.listed_url

Revision ID: 0010
Revises: 0004
Create Date: 2026-12-01 11:00:00

``articles.url`` becomes nullable: RSS 2.0 needs only a title or a description, so a valid
item may have no link; it is stored with NULL (pushed without the "read" button) and known by
its (feed, guid) entry. NULLs never collide in the unique index (SQLite and PostgreSQL), so
a URL still names at most one article, and ``url IN (...)`` lookups stay exact.

``feeds.listed_url``: the URL the feed was listed under in ``NEWSBOT_FEEDS`` when its row was
made. A permanent redirect changes ``url``; the listing (still the old URL) must keep
finding the same row at the next start instead of making a second one. Existing rows get
their current URL.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.alter_column("url", existing_type=sa.String(length=2048), nullable=True)
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
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.alter_column("url", existing_type=sa.String(length=2048), nullable=False)
