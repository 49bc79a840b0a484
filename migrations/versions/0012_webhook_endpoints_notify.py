"""Webhook endpoint changes notify channel `eqv_auth` too: the in-process cache of a tenant's
subscribed endpoints is emptied with the key cache (ADR 0033).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 18:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # eqv_auth_changed() is migration 0010's: one NOTIFY per statement, after it.
        op.execute(
            "CREATE TRIGGER webhook_endpoints_changed AFTER INSERT OR UPDATE OR DELETE ON webhook_endpoints "
            "FOR EACH STATEMENT EXECUTE FUNCTION eqv_auth_changed()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER webhook_endpoints_changed ON webhook_endpoints")
