"""Stored results: unique per (tenant, request_id), written with their audit event atomically."""

from __future__ import annotations

import datetime as dt

import pytest

from adapters.persistence.sqla_unit_of_work import SqlaUnitOfWorkFactory
from core.domain.errors import DuplicateResult
from core.domain.records import AuditEvent, CourseBinding, StoredResult

T0 = dt.datetime(2025, 3, 1, 12, 30, 15, 654321, tzinfo=dt.timezone.utc)


def _result(tenant_id: str, request_id: str = "req-00000001", decision: str = "DEFERIDO") -> StoredResult:
    return StoredResult(
        tenant_id=tenant_id,
        request_id=request_id,
        payload_hash="a" * 64,
        decision=decision,
        score=87.25,
        response={"request_id": request_id, "decisao": decision, "faltantes": ["ç"], "score": 87.25},
        created_at=T0,
    )


def test_result_round_trip(uow_factory: SqlaUnitOfWorkFactory, tenant_id: str) -> None:
    with uow_factory() as uow:
        uow.results.add(_result(tenant_id))
        uow.commit()
    with uow_factory() as uow:
        assert uow.results.get(tenant_id, "req-00000001") == _result(tenant_id)
        assert uow.results.get("someone-else", "req-00000001") is None


def test_duplicate_keeps_first_row_and_transaction(uow_factory: SqlaUnitOfWorkFactory, tenant_id: str) -> None:
    with uow_factory() as uow:
        uow.results.add(_result(tenant_id))
        uow.commit()
    with uow_factory() as uow:
        uow.bindings.put(CourseBinding(tenant_id, "C1", "t", "p"))  # written before the duplicate
        with pytest.raises(DuplicateResult):
            uow.results.add(_result(tenant_id, decision="INDEFERIDO"))
        uow.results.add(_result(tenant_id, request_id="req-00000002"))  # still usable
        uow.commit()
    with uow_factory() as uow:
        assert uow.results.get(tenant_id, "req-00000001") == _result(tenant_id)
        assert uow.results.get(tenant_id, "req-00000002") is not None
        assert uow.bindings.get(tenant_id, "C1") is not None


def test_duplicate_within_one_transaction(uow_factory: SqlaUnitOfWorkFactory, tenant_id: str) -> None:
    with uow_factory() as uow:
        uow.results.add(_result(tenant_id))
        with pytest.raises(DuplicateResult):
            uow.results.add(_result(tenant_id))
        uow.commit()
    with uow_factory() as uow:
        assert uow.results.get(tenant_id, "req-00000001") == _result(tenant_id)


def test_result_and_audit_event_commit_or_roll_back_together(
    uow_factory: SqlaUnitOfWorkFactory, tenant_id: str
) -> None:
    event = AuditEvent(tenant_id, "evaluation", {"request_id": "req-00000001"}, T0)
    with uow_factory() as uow:
        uow.results.add(_result(tenant_id))
        uow.audit.append(event)
        uow.rollback()
    with uow_factory() as uow:
        assert uow.results.get(tenant_id, "req-00000001") is None
        assert uow.audit.list_events(tenant_id) == []

    with uow_factory() as uow:
        uow.results.add(_result(tenant_id))
        appended = uow.audit.append(event)
        uow.commit()
    with uow_factory() as uow:
        assert uow.results.get(tenant_id, "req-00000001") is not None
        assert uow.audit.list_events(tenant_id) == [appended]
        assert appended.seq == 1  # the rolled-back append left no gap


def test_database_errors_never_carry_the_stored_text(engine) -> None:  # type: ignore[no-untyped-def]
    """A failed statement's message would reach logs and dead letters: no parameters in it."""
    import sqlalchemy
    from sqlalchemy.exc import DBAPIError

    secret = "EMENTA-SECRETA-0001"
    with engine.connect() as connection:
        try:
            connection.execute(sqlalchemy.text("SELECT * FROM no_such_table WHERE x = :x"), {"x": secret})
        except DBAPIError as exc:
            assert secret not in str(exc)
        else:  # pragma: no cover
            raise AssertionError("the statement should have failed")
