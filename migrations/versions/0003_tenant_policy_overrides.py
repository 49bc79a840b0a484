"""Tenants choose whether their client keys may override the policy per request.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 00:00:00

`tenants.allow_policy_overrides` (default false): a `client` key's per-request `policy`
overrides are refused (403) unless its tenant allows them; admin keys always may (ADR 0013).
Existing tenants start with overrides not allowed.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "tenants",
        sa.Column("allow_policy_overrides", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    op.drop_column("tenants", "allow_policy_overrides")
