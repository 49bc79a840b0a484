"""The SQL case repository on SQLite and PostgreSQL: round trip, tenant scope, duplicates refused."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy.engine import Engine

from adapters.persistence.database import session_factory
from adapters.persistence.sqla_unit_of_work import SqlaUnitOfWorkFactory
from core.domain.cases.stored import StoredCase
from core.domain.errors import DuplicateResult

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
