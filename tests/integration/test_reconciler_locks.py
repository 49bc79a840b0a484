"""Reconcilers on several workers never wait on each other (nor deadlock): stale items are
taken with FOR UPDATE SKIP LOCKED, so a second reconciler skips what the first holds."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from adapters.persistence.database import create_engine_for, session_factory
from adapters.persistence.sqla_unit_of_work import SqlaUnitOfWorkFactory
from core.domain.records import Job, JobItem, JobStatus

T0 = dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.timezone.utc)
LATER = T0 + dt.timedelta(hours=1)


def _stale_job(uow_factory: SqlaUnitOfWorkFactory, tenant_id: str, total: int) -> str:
    job = Job(job_id=f"j-{tenant_id}", tenant_id=tenant_id, status=JobStatus.QUEUED, total=total, created_at=T0)
    with uow_factory() as uow:
        uow.jobs.add(job, [JobItem(job.job_id, i, f"{job.job_id}-{i}", {}) for i in range(total)])
        uow.commit()
    with uow_factory() as uow:  # untouched since T0
        uow.session.execute(  # type: ignore[attr-defined]
            text("UPDATE job_items SET updated_at = :t0 WHERE job_id = :job"), {"t0": T0, "job": job.job_id}
        )
        uow.commit()
    return job.job_id


@pytest.mark.postgres
def test_a_second_reconciler_skips_the_rows_the_first_holds_without_waiting(
    postgres_url: str, tenant_id: str
) -> None:
    engine = create_engine_for(postgres_url)
    uow_factory = SqlaUnitOfWorkFactory(session_factory(engine))
    job_id = _stale_job(uow_factory, tenant_id, 6)
    try:
        with uow_factory() as first:
            taken_first = first.jobs.reclaim_stale_items(LATER, LATER, 4)  # holds 4 row locks, not committed
            with uow_factory() as second:
                second.session.execute(text("SET LOCAL lock_timeout = '5s'"))  # type: ignore[attr-defined]
                taken_second = second.jobs.reclaim_stale_items(LATER, LATER, 4)  # would block (then fail) if it waited
                second.commit()
            first.commit()
        assert taken_first == [(job_id, i) for i in range(4)]  # in key order
        assert taken_second == [(job_id, 4), (job_id, 5)]  # the rest, nothing twice
        with uow_factory() as uow:
            assert uow.jobs.reclaim_stale_items(LATER, LATER, 10) == []  # every lease renewed
    finally:
        engine.dispose()


def test_reclaim_renews_the_lease_of_what_it_returns(uow_factory: SqlaUnitOfWorkFactory, tenant_id: str) -> None:
    job_id = _stale_job(uow_factory, tenant_id, 3)
    with uow_factory() as uow:
        assert uow.jobs.reclaim_stale_items(LATER, LATER, 2) == [(job_id, 0), (job_id, 1)]
        uow.commit()
    with uow_factory() as uow:
        assert uow.jobs.reclaim_stale_items(LATER, LATER, 5) == [(job_id, 2)]
        uow.commit()
