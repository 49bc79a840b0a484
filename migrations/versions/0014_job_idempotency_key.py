"""A batch submission's Idempotency-Key: one job per (tenant, key), and the body it was sent with.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-10 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("idempotency_key", sa.String(100), nullable=True))
        batch.add_column(sa.Column("request_fingerprint", sa.String(64), nullable=True))
    # An index, not a constraint: on SQLite a constraint would rebuild `jobs`, and dropping the old
    # table would cascade to job_items. Rows without a key (NULL) never clash.
    op.create_index("uq_jobs_tenant_idempotency_key", "jobs", ["tenant_id", "idempotency_key"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_jobs_tenant_idempotency_key", table_name="jobs")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("request_fingerprint")
        batch.drop_column("idempotency_key")
