"""Initial schema: tenants, keys, versions, bindings, results, audit trail, jobs.

Revision ID: 0001
Revises:
Create Date: 2025-01-01 00:00:00

Hand-written so it runs the same on PostgreSQL and SQLite. Keep it in step with
adapters/persistence/sqla_models.py (tests/integration/test_migrations.py compares them).
audit_events is append-only: triggers refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _id() -> sa.Column:
    return sa.Column("id", BIG_ID, primary_key=True, autoincrement=True)


def upgrade() -> None:
    _create_directory_tables()
    _create_version_tables()
    _create_result_and_audit_tables()
    _create_job_tables()
    _protect_audit_events()


def downgrade() -> None:
    _unprotect_audit_events()
    for table in (
        "job_items",
        "jobs",
        "audit_chain_heads",
        "audit_events",
        "evaluation_results",
        "course_bindings",
        "policy_versions",
        "taxonomy_nodes",
        "taxonomy_versions",
        "api_keys",
        "tenants",
    ):
        op.drop_table(table)


def _create_directory_tables() -> None:
    op.create_table(
        "tenants",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("default_taxonomy_version", sa.String(100), nullable=True),
        sa.Column("default_policy_version", sa.String(100), nullable=True),
        _ts("created_at"),
    )
    op.create_table(
        "api_keys",
        sa.Column("key_id", sa.String(64), primary_key=True),
        sa.Column("tenant_id", sa.String(64), sa.ForeignKey("tenants.tenant_id"), nullable=False),
        sa.Column("prefix", sa.String(32), nullable=False),
        sa.Column("key_hash", sa.String(128), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        _ts("created_at"),
        _ts("revoked_at", nullable=True),
        _ts("last_used_at", nullable=True),
    )
    op.create_index("ix_api_keys_key_hash", "api_keys", ["key_hash"], unique=True)
    op.create_index("ix_api_keys_tenant_id", "api_keys", ["tenant_id"])
    op.create_table(
        "course_bindings",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("course_id", sa.String(200), primary_key=True),
        sa.Column("taxonomy_version", sa.String(100), nullable=False),
        sa.Column("policy_version", sa.String(100), nullable=False),
    )


def _create_version_tables() -> None:
    op.create_table(
        "taxonomy_versions",
        _id(),
        sa.Column("tenant_id", sa.String(64), nullable=False),  # '' = shared by every tenant
        sa.Column("version", sa.String(100), nullable=False),
        sa.Column("status", sa.Text(), nullable=False, server_default="active"),
        _ts("created_at"),
        sa.UniqueConstraint("tenant_id", "version", name="uq_taxonomy_versions_tenant_version"),
    )
    op.create_table(
        "taxonomy_nodes",
        sa.Column(
            "taxonomy_version_id",
            BIG_ID,
            sa.ForeignKey("taxonomy_versions.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("node_id", sa.String(100), primary_key=True),
        sa.Column("area", sa.Text(), nullable=False),
        sa.Column("subarea", sa.Text(), nullable=False),
        sa.Column("conceito", sa.Text(), nullable=False),
        sa.Column("descricao", sa.Text(), nullable=False),
        sa.Column("keywords", JSON, nullable=False),
        sa.Column("nivel", sa.String(16), nullable=True),
        sa.Column("critico", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "policy_versions",
        _id(),
        sa.Column("tenant_id", sa.String(64), nullable=False),  # '' = shared by every tenant
        sa.Column("version", sa.String(100), nullable=False),
        sa.Column("document", JSON, nullable=False),
        _ts("created_at"),
        sa.UniqueConstraint("tenant_id", "version", name="uq_policy_versions_tenant_version"),
    )


def _create_result_and_audit_tables() -> None:
    op.create_table(
        "evaluation_results",
        _id(),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("request_id", sa.String(100), nullable=False),
        sa.Column("payload_hash", sa.String(64), nullable=False),
        sa.Column("decision", sa.String(32), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("response", sa.Text(), nullable=False),
        _ts("created_at"),
        sa.UniqueConstraint("tenant_id", "request_id", name="uq_evaluation_results_tenant_request"),
    )
    op.create_table(
        "audit_events",
        _id(),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("event_type", sa.String(100), nullable=False),
        sa.Column("payload", JSON, nullable=False),
        _ts("created_at"),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.UniqueConstraint("tenant_id", "seq", name="uq_audit_events_tenant_seq"),
    )
    op.create_table(
        "audit_chain_heads",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("last_hash", sa.String(64), nullable=False),
    )


def _create_job_tables() -> None:
    op.create_table(
        "jobs",
        sa.Column("job_id", sa.String(64), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        _ts("created_at"),
        _ts("started_at", nullable=True),
        _ts("finished_at", nullable=True),
    )
    op.create_index("ix_jobs_tenant_id", "jobs", ["tenant_id"])
    op.create_table(
        "job_items",
        sa.Column("job_id", sa.String(64), sa.ForeignKey("jobs.job_id", ondelete="CASCADE"), primary_key=True),
        sa.Column("idx", sa.Integer(), primary_key=True),
        sa.Column("request_id", sa.String(100), nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("result", JSON, nullable=True),
        _ts("updated_at"),
    )
    op.create_index("ix_job_items_status", "job_items", ["status"])


_PG_PROTECT = (
    """
    CREATE FUNCTION audit_events_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION USING
            MESSAGE = 'audit_events is append-only (' || TG_OP || ' refused)',
            ERRCODE = 'insufficient_privilege';
    END;
    $$
    """,
    """
    CREATE TRIGGER audit_events_no_update_delete
    BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()
    """,
    """
    CREATE TRIGGER audit_events_no_truncate
    BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()
    """,
)
_PG_UNPROTECT = (
    "DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events",
    "DROP TRIGGER IF EXISTS audit_events_no_update_delete ON audit_events",
    "DROP FUNCTION IF EXISTS audit_events_append_only()",
)
_SQLITE_PROTECT = tuple(
    f"""
    CREATE TRIGGER audit_events_no_{action.lower()}
    BEFORE {action} ON audit_events
    BEGIN
        SELECT RAISE(ABORT, 'audit_events is append-only');
    END
    """
    for action in ("UPDATE", "DELETE")
)
_SQLITE_UNPROTECT = ("DROP TRIGGER IF EXISTS audit_events_no_delete", "DROP TRIGGER IF EXISTS audit_events_no_update")


def _protect_audit_events() -> None:
    for statement in _statements(_PG_PROTECT, _SQLITE_PROTECT):
        op.execute(statement)


def _unprotect_audit_events() -> None:
    for statement in _statements(_PG_UNPROTECT, _SQLITE_UNPROTECT):
        op.execute(statement)


def _statements(postgres: tuple[str, ...], sqlite: tuple[str, ...]) -> tuple[str, ...]:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        return postgres
    if dialect == "sqlite":
        return sqlite
    raise NotImplementedError(f"append-only protection of audit_events on {dialect!r}")
