"""The SQL case repository on SQLite and PostgreSQL: round trip, tenant scope, duplicates refused."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid

import pytest
from sqlalchemy.engine import Engine

from adapters.persistence.database import session_factory
from adapters.persistence.sqla_unit_of_work import SqlaUnitOfWorkFactory
from core.domain.cases.stored import StoredCase
from core.domain.errors import DuplicateResult
from core.domain.precedents import Origin
from core.domain.records import AuditEvent, Job, JobItem, JobStatus, StoredResult
from tests.support.precedents import ORIGEM_INSTITUICAO, precedent

T0 = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.timezone.utc)


def test_round_trip_tenant_scope_and_duplicates(engine: Engine) -> None:
    uows = SqlaUnitOfWorkFactory(session_factory(engine))
    tenant = f"cs-{uuid.uuid4().hex[:10]}"
    case = StoredCase(tenant, "case-1", T0, "concluido", "p" * 64, "s" * 64, {"case_id": "case-1", "destinos": [{"codigo": "A"}]})
    with uows() as uow:
        uow.cases.add(case)
        uow.commit()
    with uows.reading() as uow:
        stored = uow.cases.get(tenant, "case-1")
        assert stored is not None and stored.document == case.document and stored.student_sha256 == "s" * 64
        assert stored.created_at.replace(tzinfo=dt.timezone.utc) == T0
        assert uow.cases.get("another-tenant", "case-1") is None
    with uows() as uow, pytest.raises(DuplicateResult):
        uow.cases.add(case)


def test_a_cases_pairs_are_one_multi_row_insert_and_a_duplicate_is_refused(engine: Engine) -> None:
    """ResultRepository.add_many and AuditLog.record_many (ADR 0034) on both databases."""
    uows = SqlaUnitOfWorkFactory(session_factory(engine))
    tenant = f"cs-{uuid.uuid4().hex[:10]}"
    results = [StoredResult(tenant, f"case-1.{i:04d}", "h" * 64, "DEFERIDO", 90.0, {"i": i}, T0) for i in range(3)]
    events = [AuditEvent(tenant, "evaluation", {"request_id": r.request_id, "case_id": "case-1"}, T0) for r in results]
    with uows() as uow:
        uow.results.add_many(results)
        uow.audit.record_many(events)
        uow.commit()
    with uows.reading() as uow:
        assert [uow.results.get(tenant, r.request_id).response for r in results] == [{"i": 0}, {"i": 1}, {"i": 2}]  # type: ignore[union-attr]
        listed = [e.payload["request_id"] for e in uow.audit.list_events(tenant) if e.event_type == "evaluation"]
        assert listed == [r.request_id for r in results]  # chained in order
    fresh = StoredResult(tenant, "case-1.0009", "h" * 64, "DEFERIDO", 90.0, {}, T0)
    with uows() as uow, pytest.raises(DuplicateResult):
        uow.results.add_many([fresh, results[1]])
    with uows.reading() as uow:
        assert uow.results.get(tenant, "case-1.0009") is None  # rolled back with the duplicate


def test_a_jobs_progress_round_trips(engine: Engine) -> None:
    uows = SqlaUnitOfWorkFactory(session_factory(engine))
    tenant, job_id = f"cs-{uuid.uuid4().hex[:10]}", uuid.uuid4().hex
    with uows() as uow:
        uow.jobs.add(Job(job_id, tenant, JobStatus.QUEUED, 1, T0), [JobItem(job_id, 0, job_id, {"kind": "case"})])
        uow.commit()
    with uows.reading() as uow:
        assert uow.jobs.get(tenant, job_id).progress is None  # type: ignore[union-attr]
    shown = {"fase": "avaliando", "unidades_avaliadas": 20, "unidades_total": 60}
    with uows() as uow:
        uow.jobs.set_progress(job_id, shown)
        uow.commit()
    with uows.reading() as uow:
        assert uow.jobs.get(tenant, job_id).progress == shown  # type: ignore[union-attr]


def test_precedents_of_a_whole_transcript_in_one_read(engine: Engine) -> None:
    uows = SqlaUnitOfWorkFactory(session_factory(engine))
    tenant = f"cs-{uuid.uuid4().hex[:10]}"
    one = precedent(tenant, "pc_1", "Limites.", codigo="MAT101")
    both = dataclasses.replace(precedent(tenant, "pc_2", "Limites.", codigo="MAT101"),
                               origens=(Origin(ORIGEM_INSTITUICAO, "MAT101", "Limites."), Origin(ORIGEM_INSTITUICAO, "MAT102", "Séries.")))
    other = precedent(tenant, "pc_3", "Grafos.", codigo="MAT900")
    with uows() as uow:
        for p in (one, both, other):
            uow.precedents.add(p)
        uow.commit()
    with uows.reading() as uow:
        keys = [Origin(ORIGEM_INSTITUICAO, code).key for code in ("MAT101", "MAT102", "FIS1")]
        assert [p.precedent_id for p in uow.precedents.for_origins(tenant, keys)] == ["pc_1", "pc_2"]
        assert uow.precedents.for_origins(tenant, []) == []
        assert uow.precedents.for_origins("another-tenant", keys) == []
