"""Stored taxonomy and policy versions are immutable, enforced by the database.

Revision ID: 0002
Revises: 0001
Create Date: 2026-03-02 00:00:00

A decision names the taxonomy and policy versions it was made with; if their content could
change in place, the decision could no longer be explained. Triggers refuse:
- any UPDATE or DELETE of `taxonomy_nodes` and `policy_versions` (and TRUNCATE on PostgreSQL);
- an UPDATE of `taxonomy_versions` that changes anything but `status`, or that takes a
  deprecated version back to active (deprecation is one way); any DELETE.
The application never does any of these; a change is always a new version (ADR 0010).
A table owner can still drop the triggers: like the audit trail's, they stop mistakes and
casual edits, not a superuser.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_VERSION_CHANGED = (
    "OLD.id IS DISTINCT FROM NEW.id OR OLD.tenant_id IS DISTINCT FROM NEW.tenant_id"
    " OR OLD.version IS DISTINCT FROM NEW.version OR OLD.created_at IS DISTINCT FROM NEW.created_at"
    " OR (OLD.status = 'deprecated' AND NEW.status IS DISTINCT FROM 'deprecated')"
)

_PG_PROTECT = (
    """
    CREATE FUNCTION catalog_versions_immutable() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION USING
            MESSAGE = TG_TABLE_NAME || ' is immutable (' || TG_OP || ' refused): store a new version instead',
            ERRCODE = 'insufficient_privilege';
    END;
    $$
    """,
    """
    CREATE TRIGGER taxonomy_nodes_immutable BEFORE UPDATE OR DELETE ON taxonomy_nodes
    FOR EACH ROW EXECUTE FUNCTION catalog_versions_immutable()
    """,
    """
    CREATE TRIGGER policy_versions_immutable BEFORE UPDATE OR DELETE ON policy_versions
    FOR EACH ROW EXECUTE FUNCTION catalog_versions_immutable()
    """,
    f"""
    CREATE TRIGGER taxonomy_versions_immutable BEFORE UPDATE ON taxonomy_versions
    FOR EACH ROW WHEN ({_VERSION_CHANGED}) EXECUTE FUNCTION catalog_versions_immutable()
    """,
    """
    CREATE TRIGGER taxonomy_versions_no_delete BEFORE DELETE ON taxonomy_versions
    FOR EACH ROW EXECUTE FUNCTION catalog_versions_immutable()
    """,
    *(
        f"""
        CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
        FOR EACH STATEMENT EXECUTE FUNCTION catalog_versions_immutable()
        """
        for table in ("taxonomy_nodes", "taxonomy_versions", "policy_versions")
    ),
)
_PG_UNPROTECT = (
    *(f"DROP TRIGGER IF EXISTS {t}_no_truncate ON {t}" for t in ("taxonomy_nodes", "taxonomy_versions", "policy_versions")),
    "DROP TRIGGER IF EXISTS taxonomy_versions_no_delete ON taxonomy_versions",
    "DROP TRIGGER IF EXISTS taxonomy_versions_immutable ON taxonomy_versions",
    "DROP TRIGGER IF EXISTS policy_versions_immutable ON policy_versions",
    "DROP TRIGGER IF EXISTS taxonomy_nodes_immutable ON taxonomy_nodes",
    "DROP FUNCTION IF EXISTS catalog_versions_immutable()",
)


def _sqlite_trigger(name: str, event: str, table: str, when: str = "") -> str:
    return f"""
    CREATE TRIGGER {name} BEFORE {event} ON {table}
    {f"WHEN {when}" if when else ""}
    BEGIN
        SELECT RAISE(ABORT, '{table} is immutable ({event} refused): store a new version instead');
    END
    """


_SQLITE_TRIGGERS = (
    ("taxonomy_nodes_no_update", "UPDATE", "taxonomy_nodes", ""),
    ("taxonomy_nodes_no_delete", "DELETE", "taxonomy_nodes", ""),
    ("policy_versions_no_update", "UPDATE", "policy_versions", ""),
    ("policy_versions_no_delete", "DELETE", "policy_versions", ""),
    ("taxonomy_versions_immutable", "UPDATE", "taxonomy_versions", _VERSION_CHANGED.replace("IS DISTINCT FROM", "IS NOT")),
    ("taxonomy_versions_no_delete", "DELETE", "taxonomy_versions", ""),
)
_SQLITE_PROTECT = tuple(_sqlite_trigger(*trigger) for trigger in _SQLITE_TRIGGERS)
_SQLITE_UNPROTECT = tuple(f"DROP TRIGGER IF EXISTS {name}" for name, *_ in reversed(_SQLITE_TRIGGERS))


def upgrade() -> None:
    for statement in _statements(_PG_PROTECT, _SQLITE_PROTECT):
        op.execute(statement)


def downgrade() -> None:
    for statement in _statements(_PG_UNPROTECT, _SQLITE_UNPROTECT):
        op.execute(statement)


def _statements(postgres: tuple[str, ...], sqlite: tuple[str, ...]) -> tuple[str, ...]:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        return postgres
    if dialect == "sqlite":
        return sqlite
    raise NotImplementedError(f"immutable catalog versions on {dialect!r}")
