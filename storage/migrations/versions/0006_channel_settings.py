"""channel settings: silent posts, comment mode, and the button variant of a delivery

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 11:00:00

``channels.silent``: the channel's posts go out with ``disable_notification``.
``channels.comment_mode``: ``button`` (📖 and 💬 buttons under each post) or ``native`` (no
buttons at all: Telegram hides a linked discussion group's "Comments" bar under posts that
carry an inline keyboard, so a channel that wants native comments gets none).
``deliveries.with_buttons``: the variant a row is rendered in, fixed when it is queued, as
``with_image`` and ``silent`` are. Columns with server defaults: existing rows read back as
before (buttons on, not silent).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("channels", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("silent", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("comment_mode", sa.String(16), nullable=False, server_default="button")
        )
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("with_buttons", sa.Boolean(), nullable=False, server_default=sa.true())
        )


def downgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_column("with_buttons")
    with op.batch_alter_table("channels", schema=None) as batch_op:
        batch_op.drop_column("comment_mode")
        batch_op.drop_column("silent")
