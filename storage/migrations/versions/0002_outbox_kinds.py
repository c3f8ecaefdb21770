"""outbox kinds: a message kind, a payload, a ref and an expiry on every delivery

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 07:55:00

Existing rows are articles: ``message_kind`` defaults to 'article' on the server, and their
``kind`` (the audience: channel, instant, reply, broadcast) and ``priority`` stay as stored.
Only columns and an index are added, so SQLite needs no table rebuild on upgrade.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "message_kind", sa.String(length=16), nullable=False, server_default="article"
            )
        )
        batch_op.add_column(sa.Column("payload", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("ref", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(), nullable=True))
        batch_op.create_index(
            "ux_deliveries_ref_chat_kind", ["ref", "chat_id", "kind"], unique=True
        )


def downgrade() -> None:
    # Revision 0001's sender knows only articles: other messages cannot survive the downgrade.
    op.execute("DELETE FROM deliveries WHERE message_kind <> 'article'")
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index("ux_deliveries_ref_chat_kind")
        batch_op.drop_column("expires_at")
        batch_op.drop_column("ref")
        batch_op.drop_column("payload")
        batch_op.drop_column("message_kind")
