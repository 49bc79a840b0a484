"""The review queue's institution, course and age filters: what each item is about (ADR 0035).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 18:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Items opened before this migration keep NULL here: the new filters do not find them.
    with op.batch_alter_table("review_items") as batch:
        batch.add_column(sa.Column("instituicao", sa.Text(), nullable=True))
        batch.add_column(sa.Column("curso", sa.Text(), nullable=True))
        batch.add_column(sa.Column("instituicao_key", sa.String(200), nullable=True))
        batch.add_column(sa.Column("curso_key", sa.String(200), nullable=True))
    op.create_index("ix_review_items_tenant_instituicao", "review_items", ["tenant_id", "instituicao_key", "review_id"])
    op.create_index("ix_review_items_tenant_curso", "review_items", ["tenant_id", "curso_key", "review_id"])


def downgrade() -> None:
    op.drop_index("ix_review_items_tenant_curso", table_name="review_items")
    op.drop_index("ix_review_items_tenant_instituicao", table_name="review_items")
    with op.batch_alter_table("review_items") as batch:
        batch.drop_column("curso_key")
        batch.drop_column("instituicao_key")
        batch.drop_column("curso")
        batch.drop_column("instituicao")
