"""Curriculum versions and their units, immutable once stored; the tenant's current curriculum.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 00:00:00

Like taxonomy versions (0002, ADR 0010): triggers refuse any UPDATE or DELETE of
`curriculum_units` (and TRUNCATE on PostgreSQL), any DELETE of `curriculum_versions`, and an
UPDATE of a version that changes anything but `status` or takes it back to active.
`curriculum_defaults` is a pointer and may change (ADR 0016).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

_VERSION_CHANGED = (
    "OLD.id IS DISTINCT FROM NEW.id OR OLD.tenant_id IS DISTINCT FROM NEW.tenant_id"
    " OR OLD.version IS DISTINCT FROM NEW.version OR OLD.created_at IS DISTINCT FROM NEW.created_at"
    " OR OLD.nome_curso IS DISTINCT FROM NEW.nome_curso OR OLD.codigo_curriculo IS DISTINCT FROM NEW.codigo_curriculo"
    " OR OLD.source_format IS DISTINCT FROM NEW.source_format"
    " OR OLD.signature_present IS DISTINCT FROM NEW.signature_present"
    " OR (OLD.status = 'deprecated' AND NEW.status IS DISTINCT FROM 'deprecated')"
)
_TABLES = ("curriculum_units", "curriculum_versions")

# catalog_versions_immutable() is the function revision 0002 created.
_PG_PROTECT = (
    """
    CREATE TRIGGER curriculum_units_immutable BEFORE UPDATE OR DELETE ON curriculum_units
    FOR EACH ROW EXECUTE FUNCTION catalog_versions_immutable()
    """,
    f"""
    CREATE TRIGGER curriculum_versions_immutable BEFORE UPDATE ON curriculum_versions
    FOR EACH ROW WHEN ({_VERSION_CHANGED}) EXECUTE FUNCTION catalog_versions_immutable()
    """,
    """
    CREATE TRIGGER curriculum_versions_no_delete BEFORE DELETE ON curriculum_versions
    FOR EACH ROW EXECUTE FUNCTION catalog_versions_immutable()
    """,
    *(
        f"""
        CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
        FOR EACH STATEMENT EXECUTE FUNCTION catalog_versions_immutable()
        """
        for table in _TABLES
    ),
)


def _sqlite_trigger(name: str, event: str, table: str, when: str = "") -> str:
    return f"""
    CREATE TRIGGER {name} BEFORE {event} ON {table}
    {f"WHEN {when}" if when else ""}
    BEGIN
        SELECT RAISE(ABORT, '{table} is immutable ({event} refused): store a new version instead');
    END
    """


_SQLITE_PROTECT = (
    _sqlite_trigger("curriculum_units_no_update", "UPDATE", "curriculum_units"),
    _sqlite_trigger("curriculum_units_no_delete", "DELETE", "curriculum_units"),
    _sqlite_trigger(
        "curriculum_versions_immutable", "UPDATE", "curriculum_versions", _VERSION_CHANGED.replace("IS DISTINCT FROM", "IS NOT")
    ),
    _sqlite_trigger("curriculum_versions_no_delete", "DELETE", "curriculum_versions"),
)


def upgrade() -> None:
    op.create_table(
        "curriculum_versions",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("version", sa.String(100), nullable=False),
        sa.Column("status", sa.Text(), nullable=False, server_default="active"),
        sa.Column("nome_curso", sa.Text(), nullable=True),
        sa.Column("codigo_curriculo", sa.Text(), nullable=True),
        sa.Column("source_format", sa.String(8), nullable=False),
        sa.Column("signature_present", sa.Boolean(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("tenant_id", "version", name="uq_curriculum_versions_tenant_version"),
    )
    op.create_table(
        "curriculum_units",
        sa.Column(
            "curriculum_version_id",
            BIG_ID,
            sa.ForeignKey("curriculum_versions.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("position", sa.Integer(), primary_key=True),
        sa.Column("codigo", sa.String(100), nullable=False),
        sa.Column("nome", sa.Text(), nullable=False),
        sa.Column("tipo", sa.String(40), nullable=False),
        sa.Column("carga_horaria", sa.Float(), nullable=False),
        sa.Column("unidade_carga", sa.String(16), nullable=False),
        sa.Column("minutos_hora_aula", sa.Integer(), nullable=True),
        sa.Column("ementa", JSON, nullable=False),
        sa.Column("fase", sa.Text(), nullable=True),
        sa.Column("pre_requisitos", JSON, nullable=False),
        sa.Column("equivalencias", JSON, nullable=False),
        sa.UniqueConstraint("curriculum_version_id", "codigo", name="uq_curriculum_units_version_codigo"),
    )
    op.create_table(
        "curriculum_defaults",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("version", sa.String(100), nullable=False),
    )
    for statement in _statements(_PG_PROTECT, _SQLITE_PROTECT):
        op.execute(statement)


def downgrade() -> None:
    # Dropping a table drops its triggers; the shared trigger function belongs to 0002.
    op.drop_table("curriculum_defaults")
    op.drop_table("curriculum_units")
    op.drop_table("curriculum_versions")


def _statements(postgres: tuple[str, ...], sqlite: tuple[str, ...]) -> tuple[str, ...]:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        return postgres
    if dialect == "sqlite":
        return sqlite
    raise NotImplementedError(f"immutable curriculum versions on {dialect!r}")
