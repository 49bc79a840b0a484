"""Records the service keeps: tenants, keys, stored results, audit events, jobs.

They are plain data; the persistence adapter maps them to tables.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field
from typing import Any


class Role(str, enum.Enum):
    ADMIN = "admin"
    AUDITOR = "auditor"
    CLIENT = "client"
    REVIEWER = "reviewer"  # parecerista: claims review items and writes the parecer
    COORDINATOR = "coordinator"  # assigns review items, homologates or returns pareceres


@dataclass(frozen=True, slots=True)
class Tenant:
    tenant_id: str
    name: str
    active: bool = True
    default_taxonomy_version: str | None = None
    default_policy_version: str | None = None
    # May the tenant's `client` keys override its policy per request? Admin keys always may
    # (ADR 0013); off unless the tenant's operator turns it on.
    allow_policy_overrides: bool = False


@dataclass(frozen=True, slots=True)
class ApiKeyRecord:
    key_id: str
    tenant_id: str
    prefix: str
    key_hash: str
    role: Role
    name: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None = None
    last_used_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: an authenticated, active key of an active tenant."""

    tenant_id: str
    key_id: str
    role: Role
    # The tenant as authentication read it for this request (same read as the key): lets the
    # request use its defaults without reading the tenant again. Not part of the identity.
    tenant: Tenant | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class CourseBinding:
    tenant_id: str
    course_id: str
    taxonomy_version: str
    policy_version: str


@dataclass(frozen=True, slots=True)
class StoredResult:
    tenant_id: str
    request_id: str
    payload_hash: str
    decision: str
    score: float
    response: dict[str, Any]
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """An append-only fact. `seq`, `prev_hash` and `hash` are set by the audit log on append."""

    tenant_id: str
    event_type: str
    payload: dict[str, Any]
    created_at: dt.datetime
    seq: int | None = None
    prev_hash: str | None = None
    hash: str | None = None


class JobStatus(str, enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    # An item whose retries ran out (its message is in the dead-letter queue): failed for now,
    # until `dlq requeue` sets it queued again. A job with such items and nothing pending is
    # dead_lettered too (see core/usecases/batch.py job_status).
    DEAD_LETTERED = "dead_lettered"


@dataclass(frozen=True, slots=True)
class Job:
    job_id: str
    tenant_id: str
    status: JobStatus
    total: int
    created_at: dt.datetime
    done: int = 0
    failed: int = 0
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    progress: dict[str, Any] | None = None  # finer than items: a case job's units scored (ADR 0034)
    idempotency_key: str | None = None  # the submission's `Idempotency-Key`, unique per tenant
    request_fingerprint: str | None = None  # with a key: the body's (core/domain/batch_idempotency.py)


@dataclass(frozen=True, slots=True)
class JobItem:
    job_id: str
    index: int
    request_id: str
    payload: dict[str, Any]
    status: JobStatus = JobStatus.QUEUED
    attempts: int = 0
    error: str | None = None
    result: dict[str, Any] | None = field(default=None)
