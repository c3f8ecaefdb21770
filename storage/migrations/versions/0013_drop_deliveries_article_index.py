"""deliveries: drop ix_deliveries_article_id, which the unique (article_id, chat_id, kind) repeats

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 15:00:00

Every lookup by article (the sender's views, edits of sent messages, the foreign key's cascade)
is served by the leading column of ``uq_deliveries_article_id_chat_id_kind``; the single-column
index only cost writes: one of six index entries per outbox row, NULL for every digest,
broadcast and notice row (the 07:00 digest writes 115,000 of them for 100,000 readers).
Both engines drop an index without rebuilding the table.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_deliveries_article_id", table_name="deliveries")


def downgrade() -> None:
    op.create_index("ix_deliveries_article_id", "deliveries", ["article_id"])
