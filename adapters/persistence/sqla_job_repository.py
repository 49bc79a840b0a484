"""Batch jobs and their items, in SQL."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, func, insert, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from adapters.persistence.sqla_models import EvaluationResultRow, JobItemRow, JobRow, utc_now
from core.domain.errors import DuplicateJob
from core.domain.records import Job, JobItem, JobStatus

_PENDING = (JobStatus.QUEUED.value, JobStatus.RUNNING.value)
_REQUEUEABLE = (JobStatus.FAILED.value, JobStatus.DEAD_LETTERED.value)

# Prebuilt Core statements for what runs on every batch item (compiled once, cached by
# SQLAlchemy): a worker claims and finishes each item in its own short transaction.
_JOBS = JobRow.__table__
_ITEMS = JobItemRow.__table__
_RESULTS = EvaluationResultRow.__table__
_ITEM_KEY = and_(_ITEMS.c.job_id == bindparam("b_job_id"), _ITEMS.c.idx == bindparam("b_idx"))
_ITEM_PENDING = _ITEMS.c.status.in_(_PENDING)
_SET_PROGRESS = update(_JOBS).where(_JOBS.c.job_id == bindparam("b_job_id")).values(progress=bindparam("b_progress"))
_TENANT_OF = select(_JOBS.c.tenant_id).where(_JOBS.c.job_id == bindparam("b_job_id"))
_INSERT_ITEMS = insert(_ITEMS)
# A second job with the same (tenant, Idempotency-Key) inserts nothing (it waits for a concurrent
# first one to commit): the unique index decides, not a read before the write.
_INSERT_JOB = {
    name: dialect_insert(_JOBS)
    .on_conflict_do_nothing(index_elements=["tenant_id", "idempotency_key"])
    .returning(_JOBS.c.job_id)
    for name, dialect_insert in (("postgresql", postgresql.insert), ("sqlite", sqlite.insert))
}
_BY_IDEMPOTENCY_KEY = select(_JOBS).where(
    _JOBS.c.tenant_id == bindparam("b_tenant_id"), _JOBS.c.idempotency_key == bindparam("b_key")
)
_CLAIM = (
    update(_ITEMS)
    .where(_ITEM_KEY, _ITEM_PENDING)
    .values(status=JobStatus.RUNNING.value, attempts=_ITEMS.c.attempts + 1, updated_at=bindparam("b_now"))
    .returning(*_ITEMS.c)
)
_FINISH = (
    update(_ITEMS)
    .where(_ITEM_KEY, _ITEM_PENDING)
    .values(status=bindparam("b_status"), error=bindparam("b_error"), updated_at=bindparam("b_now"))
)
_MARK_STARTED = (
    update(_JOBS)
    .where(_JOBS.c.job_id == bindparam("b_job_id"), _JOBS.c.started_at.is_(None))
    .values(status=JobStatus.RUNNING.value, started_at=bindparam("b_now"))
)


class SqlaJobRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, job: Job, items: list[JobItem]) -> None:
        """INSERT ... ON CONFLICT DO NOTHING on (tenant, Idempotency-Key): raise DuplicateJob,
        inserting no item, when the tenant already has a job with this key."""
        connection = self._session.connection()
        inserted = connection.execute(_INSERT_JOB[connection.dialect.name], _job_values(job)).first()
        if inserted is None:
            raise DuplicateJob(f"a job with Idempotency-Key {job.idempotency_key!r} is already stored")
        if items:  # one executemany (batched multi-row INSERTs), not one ORM object per item
            connection.execute(_INSERT_ITEMS, [_item_values(item) for item in items])

    def by_idempotency_key(self, tenant_id: str, idempotency_key: str) -> Job | None:
        row = self._session.connection().execute(
            _BY_IDEMPOTENCY_KEY, {"b_tenant_id": tenant_id, "b_key": idempotency_key}
        ).first()
        return None if row is None else _to_job(row)

    def get(self, tenant_id: str, job_id: str) -> Job | None:
        """The job if it belongs to this tenant (another tenant's job looks missing)."""
        row = self._session.get(JobRow, job_id)
        return None if row is None or row.tenant_id != tenant_id else _to_job(row)


    def get_item(self, job_id: str, index: int) -> JobItem | None:
        row = self._session.get(JobItemRow, (job_id, index))
        return None if row is None else _to_item(row)



    def count_items(self, job_id: str) -> dict[JobStatus, int]:
        """How many items of a job are in each status (progress without racing counters)."""
        rows = self._session.execute(
            select(JobItemRow.status, func.count()).where(JobItemRow.job_id == job_id).group_by(JobItemRow.status)
        )
        return {JobStatus(status): int(count) for status, count in rows}


    def item_statuses(self, keys: list[tuple[str, int]]) -> dict[tuple[str, int], JobStatus]:
        if not keys:
            return {}
        rows = self._session.connection().execute(
            select(_ITEMS.c.job_id, _ITEMS.c.idx, _ITEMS.c.status).where(
                tuple_(_ITEMS.c.job_id, _ITEMS.c.idx).in_(sorted(set(keys)))
            )
        )
        return {(job_id, idx): JobStatus(status) for job_id, idx, status in rows}

    def tenant_of(self, job_id: str) -> str | None:
        return self._session.connection().execute(_TENANT_OF, {"b_job_id": job_id}).scalar()

    def list_items_after(self, job_id: str, after_index: int, limit: int) -> list[JobItem]:
        """Done items carry the tenant's stored result for their request_id (items finished
        before results were joined here still have their own copy in job_items.result)."""
        stored = and_(
            _RESULTS.c.tenant_id == _JOBS.c.tenant_id,
            _RESULTS.c.request_id == _ITEMS.c.request_id,
            _ITEMS.c.status == JobStatus.DONE.value,
        )
        rows = self._session.connection().execute(
            select(*_ITEMS.c, _RESULTS.c.response)
            .join(_JOBS, _JOBS.c.job_id == _ITEMS.c.job_id)
            .outerjoin(_RESULTS, stored)
            .where(_ITEMS.c.job_id == job_id, _ITEMS.c.idx > after_index)
            .order_by(_ITEMS.c.idx)
            .limit(limit)
        )
        return [
            replace(_to_item(row), result=json.loads(row.response)) if row.response is not None else _to_item(row)
            for row in rows
        ]

    def claim_item(self, job_id: str, index: int, now: dt.datetime) -> JobItem | None:
        """One UPDATE ... RETURNING: the claimed item as it is now, or None if not pending."""
        row = self._session.connection().execute(_CLAIM, {"b_job_id": job_id, "b_idx": index, "b_now": now}).first()
        return None if row is None else _to_item(row)

    def finish_item(self, job_id: str, index: int, status: JobStatus, error: str | None, now: dt.datetime) -> bool:
        finished = self._session.connection().execute(
            _FINISH, {"b_job_id": job_id, "b_idx": index, "b_status": status.value, "b_error": error, "b_now": now}
        )
        return finished.rowcount == 1

    def reset_item(self, job_id: str, index: int, now: dt.datetime) -> bool:
        reset = self._session.execute(
            update(JobItemRow)
            .where(_item_key(job_id, index), JobItemRow.status.in_(_REQUEUEABLE))
            .values(status=JobStatus.QUEUED.value, error=None, attempts=0, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        return reset.rowcount == 1  # type: ignore[attr-defined]

    def mark_started(self, job_id: str, now: dt.datetime) -> None:
        self._session.connection().execute(_MARK_STARTED, {"b_job_id": job_id, "b_now": now})

    def set_progress(self, job_id: str, progress: dict[str, Any]) -> None:
        """A progress report is shown, never relied on: on PostgreSQL its transaction commits
        without waiting for the WAL flush (a crash may lose the last report, never a decision),
        so a case job's worker does not wait on a disk sync 3-4 times per case (ADR 0040)."""
        connection = self._session.connection()
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
        connection.execute(_SET_PROGRESS, {"b_job_id": job_id, "b_progress": progress})

    def mark_finished(self, job_id: str, status: JobStatus, done: int, failed: int, now: dt.datetime) -> None:
        self._session.execute(
            update(JobRow)
            .where(JobRow.job_id == job_id, JobRow.finished_at.is_(None))
            .values(status=status.value, done=done, failed=failed, finished_at=now)
            .execution_options(synchronize_session=False)
        )

    def reopen(self, job_id: str) -> None:
        self._session.execute(
            update(JobRow)
            .where(JobRow.job_id == job_id)
            .values(status=JobStatus.RUNNING.value, finished_at=None)
            .execution_options(synchronize_session=False)
        )

    def reclaim_stale_items(self, stale_before: dt.datetime, now: dt.datetime, limit: int) -> list[tuple[str, int]]:
        return self._reclaim(_PENDING, stale_before, now, limit)

    def reclaim_queued_items(self, queued_before: dt.datetime, now: dt.datetime, limit: int) -> list[tuple[str, int]]:
        return self._reclaim((JobStatus.QUEUED.value,), queued_before, now, limit)

    def _reclaim(self, statuses: tuple[str, ...], before: dt.datetime, now: dt.datetime, limit: int) -> list[tuple[str, int]]:
        """Lock the stale rows in key order, skipping those another transaction holds (a worker
        finishing an item, another reconciler): nobody waits, so nobody deadlocks. Then renew
        their lease in one UPDATE; the caller commits, and only then do they look fresh."""
        stale = and_(_ITEMS.c.status.in_(statuses), _ITEMS.c.updated_at < before)
        keys = [
            (job_id, idx)
            for job_id, idx in self._session.connection().execute(
                select(_ITEMS.c.job_id, _ITEMS.c.idx)
                .where(stale)
                .order_by(_ITEMS.c.job_id, _ITEMS.c.idx)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        ]
        if keys:
            self._session.connection().execute(
                update(_ITEMS).where(tuple_(_ITEMS.c.job_id, _ITEMS.c.idx).in_(keys), stale).values(updated_at=now)
            )
        return keys

    def unsettled_jobs(self, limit: int) -> list[str]:
        pending = select(JobItemRow.job_id).where(JobItemRow.job_id == JobRow.job_id, JobItemRow.status.in_(_PENDING))
        return list(
            self._session.scalars(
                select(JobRow.job_id).where(JobRow.finished_at.is_(None), ~pending.exists()).limit(limit)
            )
        )

    def backlog(self, tenant_id: str | None) -> dict[str, int]:
        unfinished: ColumnElement[bool] = JobRow.finished_at.is_(None)
        if tenant_id is not None:
            unfinished = and_(unfinished, JobRow.tenant_id == tenant_id)
        counts: dict[str, int] = {"jobs": int(self._session.scalar(select(func.count()).where(unfinished)) or 0)}
        counts.update({f"items_{status.value}": 0 for status in JobStatus})
        rows = self._session.execute(
            select(JobItemRow.status, func.count())
            .join(JobRow, JobRow.job_id == JobItemRow.job_id)
            .where(unfinished)
            .group_by(JobItemRow.status)
        )
        for status, count in rows:
            counts[f"items_{status}"] = int(count)
        return counts


def _item_key(job_id: str, index: int) -> Any:
    return and_(JobItemRow.job_id == job_id, JobItemRow.idx == index)


def _job_values(job: Job) -> dict[str, Any]:
    """The row of a new job; no progress yet stays SQL NULL (a JSON column would store None as 'null')."""
    values: dict[str, Any] = {
        "job_id": job.job_id,
        "tenant_id": job.tenant_id,
        "status": job.status.value,
        "total": job.total,
        "done": job.done,
        "failed": job.failed,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "idempotency_key": job.idempotency_key,
        "request_fingerprint": job.request_fingerprint,
    }
    if job.progress is not None:
        values["progress"] = job.progress
    return values


def _item_values(item: JobItem) -> dict[str, Any]:
    return {
        "job_id": item.job_id,
        "idx": item.index,
        "request_id": item.request_id,
        "payload": item.payload,
        "status": item.status.value,
        "attempts": item.attempts,
        "error": item.error,
        "result": item.result,
        "updated_at": utc_now(),
    }


def _to_job(row: JobRow | Any) -> Job:
    return Job(
        job_id=row.job_id,
        tenant_id=row.tenant_id,
        status=JobStatus(row.status),
        total=row.total,
        created_at=row.created_at,
        done=row.done,
        failed=row.failed,
        started_at=row.started_at,
        finished_at=row.finished_at,
        progress=row.progress,
        idempotency_key=row.idempotency_key,
        request_fingerprint=row.request_fingerprint,
    )


def _to_item(row: Any) -> JobItem:
    return JobItem(
        job_id=row.job_id,
        index=row.idx,
        request_id=row.request_id,
        payload=row.payload,
        status=JobStatus(row.status),
        attempts=row.attempts,
        error=row.error,
        result=row.result,
    )
