"""Precedents: the tenant's equivalence table (ADR 0024).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 15:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "precedents",
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("precedent_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("origens", JSON, nullable=False),
        sa.Column("destino_codigo", sa.String(200), nullable=True),
        sa.Column("course_id", sa.String(200), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("escopo", sa.Text(), nullable=True),
        sa.Column("parecer", sa.Text(), nullable=True),
        sa.Column("review_id", sa.String(64), nullable=True),
        sa.Column("request_id", sa.String(100), nullable=True),
        sa.Column("expressao", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", JSON, nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by", JSON, nullable=True),
        sa.PrimaryKeyConstraint("tenant_id", "precedent_id"),
    )
    op.create_table(
        "precedent_origins",
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("precedent_id", sa.String(64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("instituicao_key", sa.String(200), nullable=False),
        sa.Column("codigo_key", sa.String(200), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("tenant_id", "precedent_id", "position"),
    )
    op.create_index(
        "ix_precedent_origins_lookup",
        "precedent_origins",
        ["tenant_id", "instituicao_key", "codigo_key", "fingerprint"],
    )
    op.create_table(
        "precedent_pairs",
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("request_id", sa.String(100), nullable=False),
        sa.Column("pair", JSON, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "request_id"),
    )


def downgrade() -> None:
    op.drop_table("precedent_pairs")
    op.drop_index("ix_precedent_origins_lookup", table_name="precedent_origins")
    op.drop_table("precedent_origins")
    op.drop_table("precedents")
