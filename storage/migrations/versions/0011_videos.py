"""videos: an article's video size, and Telegram's file_id per video URL

Revision ID: 0011
Revises: 0007
Create Date: 2026-12-01 10:45:00

``articles.video_size``: the video's bytes when the feed says (enclosure length), NULL when
not. ``video_files``: what the sender learned about a video URL, shared by every recipient,
channel and process and kept across restarts: the ``file_id`` Telegram gave it (a file
uploaded once is then sent by id), or why it cannot be sent as a video (``failure``: too big,
another host, refused), so a restart does not download it again.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("video_size", sa.BigInteger(), nullable=True))
    op.create_table(
        "video_files",
        sa.Column("video_url", sa.String(length=2048), nullable=False),
        sa.Column("file_id", sa.String(length=255), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("failure", sa.String(length=500), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("video_url", name=op.f("pk_video_files")),
    )


def downgrade() -> None:
    op.drop_table("video_files")
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_column("video_size")
