"""Cases: a student's whole request decided at once (POST /v1/cases, ADR 0027).

Revision ID: 0009
Revises: 0005
Create Date: 2026-12-03 13:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("case_id", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("payload_sha256", sa.String(64), nullable=False),
        sa.Column("student_sha256", sa.String(64), nullable=True),
        sa.Column("document", JSON, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "case_id"),
    )


def downgrade() -> None:
    op.drop_table("cases")
