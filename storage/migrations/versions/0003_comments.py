"""comments: where a comment came from, its WordPress relay queue, pseudonyms, prompts, threads

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 08:20:00

The comments, bans and audit_log tables exist since 0001; this adds the columns reader
comments need (source, why a comment waits, the moderator's name, the relay's queue) and three
small tables: pseudonyms (``/name``), open 💬 prompts and channel posts' discussion threads.
Columns are added with server defaults, so SQLite needs no table rebuild.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("source", sa.String(length=16), nullable=False, server_default="reply")
        )
        batch_op.add_column(sa.Column("held_because", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("moderator_name", sa.String(length=256), nullable=True))
        batch_op.add_column(sa.Column("relay_status", sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column("relay_next_at", sa.DateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("relay_attempts", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("relay_error", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("wp_status", sa.String(length=20), nullable=True))
        # The relay's queue: due comments by time (a partial index would differ per engine).
        batch_op.create_index("ix_comments_relay", ["relay_status", "relay_next_at"])
    op.create_table(
        "comment_authors",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("pseudonym", sa.String(length=64), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_comment_authors")),
    )
    op.create_table(
        "comment_prompts",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_comment_prompts_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_comment_prompts")),
    )
    op.create_table(
        "comment_threads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("channel_chat_id", sa.BigInteger(), nullable=False),
        sa.Column("group_chat_id", sa.BigInteger(), nullable=False),
        sa.Column("group_message_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_comment_threads_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comment_threads")),
        sa.UniqueConstraint(
            "group_chat_id",
            "group_message_id",
            name=op.f("uq_comment_threads_group_chat_id_group_message_id"),
        ),
    )
    with op.batch_alter_table("comment_threads", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_comment_threads_article_id"), ["article_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("comment_threads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_comment_threads_article_id"))
    op.drop_table("comment_threads")
    op.drop_table("comment_prompts")
    op.drop_table("comment_authors")
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_index("ix_comments_relay")
        for column in ("wp_status", "relay_error", "relay_attempts", "relay_next_at",
                       "relay_status", "moderator_name", "held_because", "source"):  # fmt: skip
            batch_op.drop_column(column)
