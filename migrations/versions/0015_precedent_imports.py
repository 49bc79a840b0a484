"""Precedent imports: the files a tenant imported, by SHA-256, so the same file is imported once.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 01:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "precedent_imports",
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("arquivo_sha256", sa.String(64), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_by", JSON, nullable=False),
        sa.Column("precedent_ids", JSON, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "arquivo_sha256"),
    )


def downgrade() -> None:
    op.drop_table("precedent_imports")
