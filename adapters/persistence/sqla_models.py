"""SQLAlchemy tables of the service (PostgreSQL and SQLite).

Only the repositories in this package see these classes; the core sees records.
The schema itself is created by the Alembic revision in `migrations/versions/`, which
must be kept in step with this module (the migration tests compare them).

Shared versions: taxonomy and policy versions that belong to no tenant are stored with
`tenant_id = SHARED_TENANT` ("") instead of NULL, because `UNIQUE(tenant_id, version)`
does not hold for NULLs in SQL. Repositories map "" <-> None at their boundary.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

SHARED_TENANT = ""

JsonDocument = JSON().with_variant(JSONB(), "postgresql")
"""JSON everywhere, JSONB on PostgreSQL."""

BigId = BigInteger().with_variant(Integer(), "sqlite")
"""A 64-bit surrogate key; INTEGER on SQLite so it aliases the autoincrementing rowid."""


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored in UTC and always read back timezone-aware in UTC.

    SQLite drops the offset of an aware datetime without converting it, so values are
    converted to UTC before they are written; naive values are taken to be UTC already.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        return None if value is None else to_utc(value)

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        return None if value is None else to_utc(value)


def to_utc(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(dt.timezone.utc)


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class Base(DeclarativeBase):
    # Every model here maps one Table (SQLAlchemy types it as any FromClause): the repositories'
    # prebuilt Core statements insert into and update it.
    __table__: ClassVar[Table]
    type_annotation_map = {dict[str, Any]: JsonDocument, list[Any]: JsonDocument, dt.datetime: UtcDateTime}


class TenantRow(Base):
    __tablename__ = "tenants"

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    default_taxonomy_version: Mapped[str | None] = mapped_column(String(100))
    default_policy_version: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)
    allow_policy_overrides: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class ApiKeyRow(Base):
    __tablename__ = "api_keys"

    key_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64), ForeignKey("tenants.tenant_id"), index=True)
    prefix: Mapped[str] = mapped_column(String(32))
    key_hash: Mapped[str] = mapped_column(String(128), unique=True, index=True)
    role: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]
    last_used_at: Mapped[dt.datetime | None]


class TaxonomyVersionRow(Base):
    __tablename__ = "taxonomy_versions"
    __table_args__ = (UniqueConstraint("tenant_id", "version", name="uq_taxonomy_versions_tenant_version"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64), default=SHARED_TENANT)
    version: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(Text, default="active", server_default="active")
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)


class TaxonomyNodeRow(Base):
    __tablename__ = "taxonomy_nodes"

    taxonomy_version_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("taxonomy_versions.id", ondelete="CASCADE"), primary_key=True
    )
    node_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    area: Mapped[str] = mapped_column(Text)
    subarea: Mapped[str] = mapped_column(Text)
    conceito: Mapped[str] = mapped_column(Text)
    descricao: Mapped[str] = mapped_column(Text, default="")
    keywords: Mapped[list[Any]]
    nivel: Mapped[str | None] = mapped_column(String(16))
    critico: Mapped[bool] = mapped_column(Boolean, default=False)


class PolicyVersionRow(Base):
    __tablename__ = "policy_versions"
    __table_args__ = (UniqueConstraint("tenant_id", "version", name="uq_policy_versions_tenant_version"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64), default=SHARED_TENANT)
    version: Mapped[str] = mapped_column(String(100))
    document: Mapped[dict[str, Any]]
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)


class CourseBindingRow(Base):
    __tablename__ = "course_bindings"

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    course_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    taxonomy_version: Mapped[str] = mapped_column(String(100))
    policy_version: Mapped[str] = mapped_column(String(100))


class EvaluationResultRow(Base):
    __tablename__ = "evaluation_results"
    __table_args__ = (UniqueConstraint("tenant_id", "request_id", name="uq_evaluation_results_tenant_request"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    request_id: Mapped[str] = mapped_column(String(100))
    payload_hash: Mapped[str] = mapped_column(String(64))
    decision: Mapped[str] = mapped_column(String(32))
    score: Mapped[float] = mapped_column(Float)
    # The answer exactly as first returned: JSON text keeps key order (JSONB would not), so a
    # replay is byte-identical to the original response.
    response: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime]


class AuditEventRow(Base):
    __tablename__ = "audit_events"
    __table_args__ = (UniqueConstraint("tenant_id", "seq", name="uq_audit_events_tenant_seq"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(BigInteger)
    event_type: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]]
    created_at: Mapped[dt.datetime]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditChainHeadRow(Base):
    __tablename__ = "audit_chain_heads"

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger)
    last_hash: Mapped[str] = mapped_column(String(64))


class AuditPendingRow(Base):
    """An audit event committed with its decision, not chained yet (ADR 0022): the sequencer
    moves it into audit_events, with its seq and hashes, after the decision commits."""

    __tablename__ = "audit_pending"
    __table_args__ = (Index("ix_audit_pending_tenant", "tenant_id", "pending_id"),)

    pending_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    event_type: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]]
    created_at: Mapped[dt.datetime]


class JobRow(Base):
    __tablename__ = "jobs"
    # One job per (tenant, Idempotency-Key): concurrent retries of a submission insert one row.
    # A unique index, not a constraint: SQLite adds it without rebuilding the table (0014).
    __table_args__ = (Index("uq_jobs_tenant_idempotency_key", "tenant_id", "idempotency_key", unique=True),)

    job_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16))
    total: Mapped[int] = mapped_column(Integer)
    done: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime]
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
    progress: Mapped[dict[str, Any] | None]  # a case job's units scored / total (ADR 0034)
    idempotency_key: Mapped[str | None] = mapped_column(String(100))  # POST /batch's header; NULLs never clash
    request_fingerprint: Mapped[str | None] = mapped_column(String(64))  # of the body sent with that key


class JobItemRow(Base):
    __tablename__ = "job_items"
    __table_args__ = (Index("ix_job_items_status", "status"),)

    job_id: Mapped[str] = mapped_column(String(64), ForeignKey("jobs.job_id", ondelete="CASCADE"), primary_key=True)
    idx: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any] | None]
    updated_at: Mapped[dt.datetime] = mapped_column(default=utc_now, onupdate=utc_now)


class CurriculumVersionRow(Base):
    """A tenant's curriculum version (never shared); immutable but for `status` (migration 0003)."""

    __tablename__ = "curriculum_versions"
    __table_args__ = (UniqueConstraint("tenant_id", "version", name="uq_curriculum_versions_tenant_version"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(Text, default="active", server_default="active")
    nome_curso: Mapped[str | None] = mapped_column(Text)
    codigo_curriculo: Mapped[str | None] = mapped_column(Text)
    source_format: Mapped[str] = mapped_column(String(8))
    signature_present: Mapped[bool | None] = mapped_column(Boolean)
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)


class CurriculumUnitRow(Base):
    __tablename__ = "curriculum_units"
    __table_args__ = (UniqueConstraint("curriculum_version_id", "codigo", name="uq_curriculum_units_version_codigo"),)

    curriculum_version_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("curriculum_versions.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    codigo: Mapped[str] = mapped_column(String(100))
    nome: Mapped[str] = mapped_column(Text)
    tipo: Mapped[str] = mapped_column(String(40))
    carga_horaria: Mapped[float] = mapped_column(Float)
    unidade_carga: Mapped[str] = mapped_column(String(16))
    minutos_hora_aula: Mapped[int | None] = mapped_column(Integer)
    ementa: Mapped[list[Any]]
    fase: Mapped[str | None] = mapped_column(Text)
    pre_requisitos: Mapped[list[Any]]
    equivalencias: Mapped[list[Any]]


class CurriculumDefaultRow(Base):
    """The tenant's current curriculum version: a pointer, the one mutable curriculum table."""

    __tablename__ = "curriculum_defaults"

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[str] = mapped_column(String(100))


class ReviewItemRow(Base):
    """A review item (core/domain/review.py); `version` guards against a concurrent transition."""

    __tablename__ = "review_items"
    __table_args__ = (
        Index("ix_review_items_tenant_state", "tenant_id", "state", "review_id"),
        Index("ix_review_items_tenant_request", "tenant_id", "request_id"),
        # migration 0008 (ADR 0026): the "mine" filter, overdue items, backlog metrics
        Index("ix_review_items_tenant_assignee", "tenant_id", "assignee_key_id", "review_id"),
        Index("ix_review_items_awaiting_deadline", "tenant_id", "deadline",
              postgresql_where=text("state IN ('pendente', 'em_analise')"), sqlite_where=text("state IN ('pendente', 'em_analise')")),
        Index("ix_review_items_open_created", "tenant_id", "state", "created_at",
              postgresql_where=text("state <> 'homologado'"), sqlite_where=text("state <> 'homologado'")),
        # migration 0011: the queue's institution and course filters, keyset pages within each
        Index("ix_review_items_tenant_instituicao", "tenant_id", "instituicao_key", "review_id"),
        Index("ix_review_items_tenant_curso", "tenant_id", "curso_key", "review_id"),
    )

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    review_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    request_id: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(32))
    assignee_key_id: Mapped[str | None] = mapped_column(String(64))
    decision: Mapped[str | None] = mapped_column(String(16))
    reason_code: Mapped[str | None] = mapped_column(String(64))
    parecer: Mapped[str | None] = mapped_column(Text)
    deadline: Mapped[dt.datetime]
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
    history: Mapped[list[Any]]
    version: Mapped[int] = mapped_column(Integer)
    # migration 0008 (ADR 0026): recurso rounds and the policy's review terms
    rodada: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    terms: Mapped[dict[str, Any] | None]
    recurso: Mapped[dict[str, Any] | None]
    # migration 0011: what the item is about (as the request named it) and its keys (course_key)
    instituicao: Mapped[str | None] = mapped_column(Text)
    curso: Mapped[str | None] = mapped_column(Text)
    instituicao_key: Mapped[str | None] = mapped_column(String(200))
    curso_key: Mapped[str | None] = mapped_column(String(200))
    # migration 0016: both courses as the request gave them (names, ementas), for the review screens
    disciplinas: Mapped[dict[str, Any] | None]


# --- webhooks (ADR 0025) ---------------------------------------------------------------


class WebhookEndpointRow(Base):
    """A tenant's webhook endpoint; `secret` signs (it cannot be hashed: HMAC needs it)."""

    __tablename__ = "webhook_endpoints"
    __table_args__ = (Index("ix_webhook_endpoints_tenant", "tenant_id"),)

    endpoint_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    url: Mapped[str] = mapped_column(Text)
    secret: Mapped[str] = mapped_column(String(128))
    event_types: Mapped[list[Any]]
    active: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]


class WebhookEventRow(Base):
    """An event of the outbox, its JSON envelope as sent (and signed) by every attempt."""

    __tablename__ = "webhook_events"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    event_type: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime]
    body: Mapped[str] = mapped_column(Text)


class WebhookDeliveryRow(Base):
    """One event to one endpoint: pendente (leased until `lease_until`), entregue or morta."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_due", "state", "lease_until"),
        Index("ix_webhook_deliveries_tenant", "tenant_id", "state", "created_at"),
    )

    delivery_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[str] = mapped_column(String(64))
    endpoint_id: Mapped[str] = mapped_column(String(64))
    event_type: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer)
    lease_until: Mapped[dt.datetime | None]
    delivered_at: Mapped[dt.datetime | None]
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]


class WebhookAttemptRow(Base):
    """The attempt log of a delivery: status code, error and duration of each POST."""

    __tablename__ = "webhook_attempts"
    __table_args__ = (Index("ix_webhook_attempts_delivery", "delivery_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    delivery_id: Mapped[str] = mapped_column(String(64))
    number: Mapped[int] = mapped_column(Integer)
    at: Mapped[dt.datetime]
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[float] = mapped_column(Float)
# Precedents: the tenant's equivalence table (ADR 0024; migration 0006).
class PrecedentRow(Base):
    """A precedent (core/domain/precedents.py); only its vigência end ever changes."""

    __tablename__ = "precedents"

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    precedent_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    origens: Mapped[list[Any]]
    destino_codigo: Mapped[str | None] = mapped_column(String(200))
    course_id: Mapped[str | None] = mapped_column(String(200))
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    escopo: Mapped[str | None] = mapped_column(Text)
    parecer: Mapped[str | None] = mapped_column(Text)
    review_id: Mapped[str | None] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(100))
    expressao: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime]
    created_by: Mapped[dict[str, Any]]
    ended_at: Mapped[dt.datetime | None]
    ended_by: Mapped[dict[str, Any] | None]


class PrecedentOriginRow(Base):
    """One origem course of a precedent, by its folded institution and code: the lookup index."""

    __tablename__ = "precedent_origins"
    __table_args__ = (
        Index("ix_precedent_origins_lookup", "tenant_id", "instituicao_key", "codigo_key", "fingerprint"),
    )

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    precedent_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    instituicao_key: Mapped[str] = mapped_column(String(200))
    codigo_key: Mapped[str] = mapped_column(String(200))
    fingerprint: Mapped[str | None] = mapped_column(String(64))


class PrecedentImportRow(Base):
    """A precedent table file a tenant imported, by its SHA-256: one row per file and tenant."""

    __tablename__ = "precedent_imports"

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    arquivo_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    imported_at: Mapped[dt.datetime]
    imported_by: Mapped[dict[str, Any]]
    precedent_ids: Mapped[list[Any]]


class PrecedentPairRow(Base):
    """The pair of an ANALISE_HUMANA result, so its homologated parecer can become a precedent."""

    __tablename__ = "precedent_pairs"

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    request_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    pair: Mapped[dict[str, Any]]
class CaseRow(Base):
    """A decided case (POST /v1/cases, migration 0009): its answer document, never the student's ids."""

    __tablename__ = "cases"

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    created_at: Mapped[dt.datetime]
    status: Mapped[str] = mapped_column(String(16))
    payload_sha256: Mapped[str] = mapped_column(String(64))
    student_sha256: Mapped[str | None] = mapped_column(String(64))
    document: Mapped[dict[str, Any]]


class ReviewReasonCodesRow(Base):
    """A tenant's own list of parecer reason codes (migration 0008); none means the default list."""

    __tablename__ = "review_reason_codes"

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    codes: Mapped[list[Any]]
    updated_at: Mapped[dt.datetime]
