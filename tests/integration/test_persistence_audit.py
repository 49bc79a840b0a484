"""The audit trail: a verifiable hash chain, gap-free under concurrency, append-only in the database."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DatabaseError

from adapters.persistence.database import create_engine_for, session_factory
from adapters.persistence.sqla_unit_of_work import SqlaUnitOfWorkFactory
from core.domain.audit import GENESIS_HASH, event_hash
from core.domain.audit_verify import ChainHead, verify_chain
from core.domain.records import AuditEvent

MINUS_3 = dt.timezone(dt.timedelta(hours=-3))


def _event(tenant_id: str, n: int, at: dt.datetime | None = None) -> AuditEvent:
    moment = at or dt.datetime(2025, 1, 2, 3, 4, 5, 600000 + n, tzinfo=dt.timezone.utc)
    payload = {
        "n": n,
        "score": 87.5 + n / 3,
        "nome": "Cálculo I",
        "versions": {"taxonomy": "v1", "policy": None},
        "ok": True,
        "concepts": ("c1", "c2"),  # stored as a list: same canonical JSON
        "day": dt.date(2025, 1, 2),  # not JSON: stored as str(), as canonical_json hashes it
    }
    return AuditEvent(tenant_id=tenant_id, event_type="evaluation", payload=payload, created_at=moment)


def assert_chain_valid(events: list[AuditEvent], count: int) -> None:
    assert [e.seq for e in events] == list(range(1, count + 1))
    prev = GENESIS_HASH
    for event in events:
        assert event.prev_hash == prev
        assert event.seq is not None and event.hash == event_hash(event, event.seq, prev)
        prev = event.hash


def test_chain_of_appended_events_verifies_after_round_trip(
    uow_factory: SqlaUnitOfWorkFactory, tenant_id: str
) -> None:
    naive = dt.datetime(2025, 1, 2, 3, 4, 5, 123)  # noqa: DTZ001 - a naive time is what this test stores
    moments = [None, dt.datetime(2025, 6, 1, 9, 0, 0, 1, tzinfo=MINUS_3), naive]
    appended: list[AuditEvent] = []
    for n in range(12):
        with uow_factory() as uow:
            appended.append(uow.audit.append(_event(tenant_id, n, moments[n % 3])))
            uow.commit()
    with uow_factory() as uow:
        stored = uow.audit.list_events(tenant_id, limit=1000)
        assert uow.audit.list_events(tenant_id, limit=5, after_seq=10) == stored[10:]
        assert uow.audit.list_events("someone-else") == []
    assert_chain_valid(stored, 12)
    assert [e.hash for e in stored] == [e.hash for e in appended]
    assert stored[0].payload["concepts"] == ["c1", "c2"] and stored[0].payload["day"] == "2025-01-02"


def test_several_appends_in_one_transaction(uow_factory: SqlaUnitOfWorkFactory, tenant_id: str) -> None:
    with uow_factory() as uow:
        for n in range(3):
            uow.audit.append(_event(tenant_id, n))
        uow.commit()
    with uow_factory() as uow:
        assert_chain_valid(uow.audit.list_events(tenant_id), 3)


def test_concurrent_appends_for_one_tenant_are_gap_free(uow_factory: SqlaUnitOfWorkFactory, tenant_id: str) -> None:
    threads, per_thread = 10, 8
    barrier = threading.Barrier(threads)
    errors: list[BaseException] = []

    def worker(offset: int) -> None:
        try:
            barrier.wait()
            for n in range(per_thread):
                with uow_factory() as uow:
                    uow.audit.append(_event(tenant_id, offset * per_thread + n))
                    uow.commit()
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=120)
    assert errors == []
    with uow_factory() as uow:
        stored = uow.audit.list_events(tenant_id, limit=10_000)
    assert_chain_valid(stored, threads * per_thread)
    assert sorted(e.payload["n"] for e in stored) == list(range(threads * per_thread))


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_events SET event_type = 'tampered' WHERE tenant_id = :t",
        "DELETE FROM audit_events WHERE tenant_id = :t",
    ],
)
def test_database_refuses_update_and_delete(
    uow_factory: SqlaUnitOfWorkFactory, engine: Engine, tenant_id: str, statement: str
) -> None:
    with uow_factory() as uow:
        uow.audit.append(_event(tenant_id, 1))
        uow.commit()
    with pytest.raises(DatabaseError, match="append-only"):
        with engine.begin() as connection:
            connection.execute(text(statement), {"t": tenant_id})
    with uow_factory() as uow:
        assert [e.event_type for e in uow.audit.list_events(tenant_id)] == ["evaluation"]


@pytest.mark.postgres
def test_postgres_refuses_truncate(postgres_url: str, tenant_id: str) -> None:
    engine = create_engine_for(postgres_url)
    try:
        with SqlaUnitOfWorkFactory(session_factory(engine))() as uow:
            uow.audit.append(_event(tenant_id, 1))
            uow.commit()
        with pytest.raises(DatabaseError, match="append-only"):
            with engine.begin() as connection:
                connection.execute(text("TRUNCATE audit_events"))
    finally:
        engine.dispose()


def test_head_filters_and_tenants_for_verification(uow_factory: SqlaUnitOfWorkFactory, tenant_id: str) -> None:
    other = f"{tenant_id}-b"
    with uow_factory() as uow:
        assert uow.audit.head(tenant_id) is None
        for n in range(4):
            uow.audit.append(dataclasses.replace(_event(tenant_id, n), event_type="evaluation" if n % 2 else "key.created"))
        last = uow.audit.append(_event(other, 9))
        uow.commit()
    with uow_factory.reading() as uow:
        events = uow.audit.list_events(tenant_id)
        assert uow.audit.head(tenant_id) == ChainHead(4, events[-1].hash or "")
        assert uow.audit.head(other) == ChainHead(1, last.hash or "")
        assert {tenant_id, other} <= set(uow.audit.chain_tenants())
        assert [e.seq for e in uow.audit.list_events(tenant_id, event_type="evaluation")] == [2, 4]
        at = [e.created_at for e in events]
        assert [e.seq for e in uow.audit.list_events(tenant_id, since=at[1], until=at[3])] == [2, 3]
        assert [e.seq for e in uow.audit.list_events(tenant_id, since=at[1].astimezone(MINUS_3))] == [2, 3, 4]
    assert verify_chain(tenant_id, events, ChainHead(4, events[-1].hash or "")).ok
