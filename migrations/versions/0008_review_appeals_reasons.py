"""Review appeals (recurso rounds, review terms), per-tenant reason codes, queue indexes (ADR 0026).

Revision ID: 0008
Revises: 0005
Create Date: 2026-12-03 15:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
AWAITING = sa.text("state IN ('pendente', 'em_analise')")
OPEN = sa.text("state <> 'homologado'")


def upgrade() -> None:
    with op.batch_alter_table("review_items") as batch:
        batch.add_column(sa.Column("rodada", sa.Integer(), nullable=False, server_default=sa.text("1")))
        batch.add_column(sa.Column("terms", JSON, nullable=True))
        batch.add_column(sa.Column("recurso", JSON, nullable=True))
    # the queue's "mine" filter, and the overdue filter / metrics over items awaiting a parecer
    op.create_index("ix_review_items_tenant_assignee", "review_items", ["tenant_id", "assignee_key_id", "review_id"])
    op.create_index(
        "ix_review_items_awaiting_deadline", "review_items", ["tenant_id", "deadline"],
        postgresql_where=AWAITING, sqlite_where=AWAITING,
    )
    op.create_index(
        "ix_review_items_open_created", "review_items", ["tenant_id", "state", "created_at"],
        postgresql_where=OPEN, sqlite_where=OPEN,
    )
    op.create_table(
        "review_reason_codes",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("codes", JSON, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("review_reason_codes")
    op.drop_index("ix_review_items_open_created", table_name="review_items")
    op.drop_index("ix_review_items_awaiting_deadline", table_name="review_items")
    op.drop_index("ix_review_items_tenant_assignee", table_name="review_items")
    with op.batch_alter_table("review_items") as batch:
        batch.drop_column("recurso")
        batch.drop_column("terms")
        batch.drop_column("rodada")
