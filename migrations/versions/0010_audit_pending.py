"""Pending audit events: the decision's event is chained after commit by the sequencer (ADR 0022).
Key and tenant changes notify channel `eqv_auth` (PostgreSQL), which empties key caches (ADR 0028).

Revision ID: 0010
Revises: 0005
Create Date: 2026-12-03 15:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    # No append-only triggers here: the sequencer deletes each row in the transaction that
    # inserts it, chained, into audit_events (which keeps its triggers).
    op.create_table(
        "audit_pending",
        sa.Column("pending_id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("event_type", sa.String(100), nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_audit_pending_tenant", "audit_pending", ["tenant_id", "pending_id"])
    if op.get_bind().dialect.name == "postgresql":
        _notify_auth_changes()


def _notify_auth_changes() -> None:
    """One NOTIFY per statement that revokes, rotates or deletes a key, or changes a tenant.
    `last_used_at` updates (a key's use) do not notify: they change nothing auth decides on."""
    op.execute(
        "CREATE FUNCTION eqv_auth_changed() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN PERFORM pg_notify('eqv_auth', TG_TABLE_NAME); RETURN NULL; END $$"
    )
    op.execute(
        "CREATE TRIGGER api_keys_auth_changed AFTER UPDATE OF revoked_at, role, key_hash, tenant_id "
        "OR DELETE ON api_keys FOR EACH STATEMENT EXECUTE FUNCTION eqv_auth_changed()"
    )
    op.execute(
        "CREATE TRIGGER tenants_auth_changed AFTER UPDATE OR DELETE ON tenants "
        "FOR EACH STATEMENT EXECUTE FUNCTION eqv_auth_changed()"
    )


def downgrade() -> None:
    # Refuse to drop events that were never chained: chain them first (`equivalence audit verify`).
    bind = op.get_bind()
    left = bind.execute(sa.text("SELECT count(*) FROM audit_pending")).scalar_one()
    if left:
        raise RuntimeError(f"{left} audit events are still pending: run `equivalence audit verify` to chain them first")
    if bind.dialect.name == "postgresql":
        op.execute("DROP TRIGGER tenants_auth_changed ON tenants")
        op.execute("DROP TRIGGER api_keys_auth_changed ON api_keys")
        op.execute("DROP FUNCTION eqv_auth_changed()")
    op.drop_index("ix_audit_pending_tenant", table_name="audit_pending")
    op.drop_table("audit_pending")
