"""A batch's Idempotency-Key and its items' request_ids in the real databases (SQLite and PostgreSQL):
the unique (tenant, key) of `jobs` stores one job, and stored payload hashes are read in one query."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading

import pytest

from adapters.persistence.database import create_engine_for, session_factory
from adapters.persistence.sqla_unit_of_work import SqlaUnitOfWorkFactory
from core.domain.errors import DuplicateJob
from core.domain.records import Job, JobItem, JobStatus, StoredResult

T0 = dt.datetime(2025, 3, 1, 12, 30, tzinfo=dt.timezone.utc)


def _job(job_id: str, tenant_id: str, key: str | None) -> Job:
    return Job(job_id, tenant_id, JobStatus.QUEUED, 1, T0, idempotency_key=key, request_fingerprint=key and "f" * 64)


def _item(job_id: str) -> list[JobItem]:
    return [JobItem(job_id, 0, f"{job_id}-0", {"origem": {"nome": "C"}})]


def test_a_key_is_unique_per_tenant_and_jobs_without_one_never_clash(
    uow_factory: SqlaUnitOfWorkFactory, tenant_id: str
) -> None:
    first = _job(f"a-{tenant_id}", tenant_id, "retry-key-1")
    with uow_factory() as uow:
        uow.jobs.add(first, _item(first.job_id))
        uow.jobs.add(_job(f"b-{tenant_id}", tenant_id, None), _item(f"b-{tenant_id}"))
        uow.jobs.add(_job(f"c-{tenant_id}", tenant_id, None), _item(f"c-{tenant_id}"))
        uow.jobs.add(_job(f"d-{tenant_id}", f"{tenant_id}-other", "retry-key-1"), _item(f"d-{tenant_id}"))
        uow.commit()
    with pytest.raises(DuplicateJob):
        with uow_factory() as uow:
            uow.jobs.add(_job(f"e-{tenant_id}", tenant_id, "retry-key-1"), _item(f"e-{tenant_id}"))
    with uow_factory() as uow:
        assert uow.jobs.by_idempotency_key(tenant_id, "retry-key-1") == first
        assert uow.jobs.get(tenant_id, first.job_id) == first
        assert uow.jobs.by_idempotency_key(tenant_id, "no-such-key") is None
        assert uow.jobs.get(tenant_id, f"e-{tenant_id}") is None and uow.jobs.get_item(f"e-{tenant_id}", 0) is None


def test_stored_payload_hashes_are_read_for_the_tenant_only(uow_factory: SqlaUnitOfWorkFactory, tenant_id: str) -> None:
    stored = StoredResult(tenant_id, "req-0001", "h1", "DEFERIDO", 90.0, {"request_id": "req-0001"}, T0)
    with uow_factory() as uow:
        uow.results.add(stored)
        uow.results.add(dataclasses.replace(stored, request_id="req-0002", payload_hash="h2"))
        uow.results.add(dataclasses.replace(stored, tenant_id=f"{tenant_id}-other", request_id="req-0003"))
        uow.commit()
    with uow_factory.reading() as uow:
        assert uow.results.payload_hashes(tenant_id, ["req-0001", "req-0002", "req-0003", "nope"]) == {
            "req-0001": "h1",
            "req-0002": "h2",
        }
        assert uow.results.payload_hashes(tenant_id, []) == {}


@pytest.mark.postgres
def test_concurrent_inserts_of_one_key_store_one_job(postgres_url: str, tenant_id: str) -> None:
    """The second insert waits for the first transaction, then sees its row: no read decides."""
    engine = create_engine_for(postgres_url)
    uows = SqlaUnitOfWorkFactory(session_factory(engine))
    second_started, outcome = threading.Event(), []

    def second() -> None:
        try:
            with uows() as uow:
                second_started.set()
                uow.jobs.add(_job(f"late-{tenant_id}", tenant_id, "race-key-1"), _item(f"late-{tenant_id}"))
                uow.commit()
            outcome.append("stored")
        except DuplicateJob:
            outcome.append("duplicate")

    try:
        with uows() as uow:
            uow.jobs.add(_job(f"early-{tenant_id}", tenant_id, "race-key-1"), _item(f"early-{tenant_id}"))
            thread = threading.Thread(target=second)
            thread.start()
            second_started.wait(10)
            thread.join(0.5)
            assert thread.is_alive(), "the second insert should wait for the first transaction"
            uow.commit()
        thread.join(30)
        assert outcome == ["duplicate"]
        with uows.reading() as uow:
            job = uow.jobs.by_idempotency_key(tenant_id, "race-key-1")
            assert job is not None and job.job_id == f"early-{tenant_id}"
            assert uow.jobs.get(tenant_id, f"late-{tenant_id}") is None
    finally:
        engine.dispose()
