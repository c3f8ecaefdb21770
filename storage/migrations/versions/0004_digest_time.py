"""digest time: when a subscriber's daily digest is due

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 09:00:00

``subscribers.digest_at``: minutes after local midnight (420 = 07:00), NULL for no digest. A
nullable column without a default, so SQLite adds it without rebuilding the table.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("subscribers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("digest_at", sa.SmallInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("subscribers", schema=None) as batch_op:
        batch_op.drop_column("digest_at")
