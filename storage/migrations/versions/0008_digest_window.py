"""digest window: when each subscriber's last daily digest was made

Revision ID: 0008
Revises: 0010
Create Date: 2026-12-01 11:00:00

``subscribers.last_digest_at``: the scheduled moment (UTC) of the last digest edition made for
the subscriber, sent or found empty; the next one carries the headlines stored after it. A
nullable column without a default, so SQLite adds it without rebuilding the table.

``digest_editions``: each message of an edition, stored once; the outbox rows of its readers
carry only its id.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("subscribers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_digest_at", sa.DateTime(), nullable=True))
    op.create_table(
        "digest_editions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=128), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digest_editions")),
    )


def downgrade() -> None:
    op.drop_table("digest_editions")
    with op.batch_alter_table("subscribers", schema=None) as batch_op:
        batch_op.drop_column("last_digest_at")
