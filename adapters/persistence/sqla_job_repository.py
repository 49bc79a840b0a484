"""Batch jobs and their items, in SQL."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from adapters.persistence.sqla_models import JobItemRow, JobRow, utc_now
from core.domain.records import Job, JobItem, JobStatus


class SqlaJobRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, job: Job, items: list[JobItem]) -> None:
        self._session.add(
            JobRow(
                job_id=job.job_id,
                tenant_id=job.tenant_id,
                status=job.status.value,
                total=job.total,
                done=job.done,
                failed=job.failed,
                created_at=job.created_at,
                started_at=job.started_at,
                finished_at=job.finished_at,
            )
        )
        self._session.flush()
        self._session.add_all(_item_row(item) for item in items)
        self._session.flush()

    def get(self, tenant_id: str, job_id: str) -> Job | None:
        """The job if it belongs to this tenant (another tenant's job looks missing)."""
        row = self._session.get(JobRow, job_id)
        return None if row is None or row.tenant_id != tenant_id else _to_job(row)

    def save(self, job: Job) -> None:
        """Write a job's status, counters and timestamps."""
        self._session.execute(
            update(JobRow)
            .where(JobRow.job_id == job.job_id)
            .values(
                status=job.status.value,
                done=job.done,
                failed=job.failed,
                started_at=job.started_at,
                finished_at=job.finished_at,
            )
            .execution_options(synchronize_session="fetch")
        )

    def get_item(self, job_id: str, index: int) -> JobItem | None:
        row = self._session.get(JobItemRow, (job_id, index))
        return None if row is None else _to_item(row)

    def list_items(self, tenant_id: str, job_id: str, offset: int = 0, limit: int = 100) -> list[JobItem]:
        """One page of a tenant's job items, by index (empty for another tenant's job)."""
        rows = self._session.scalars(
            select(JobItemRow)
            .join(JobRow, JobRow.job_id == JobItemRow.job_id)
            .where(JobRow.tenant_id == tenant_id, JobItemRow.job_id == job_id)
            .order_by(JobItemRow.idx)
            .offset(offset)
            .limit(limit)
        )
        return [_to_item(row) for row in rows]

    def save_item(self, item: JobItem) -> None:
        """Write an item's status, attempts, error and result."""
        self._session.execute(
            update(JobItemRow)
            .where(JobItemRow.job_id == item.job_id, JobItemRow.idx == item.index)
            .values(
                status=item.status.value,
                attempts=item.attempts,
                error=item.error,
                result=item.result,
                updated_at=utc_now(),
            )
            .execution_options(synchronize_session="fetch")
        )

    def count_items(self, job_id: str) -> dict[JobStatus, int]:
        """How many items of a job are in each status (progress without racing counters)."""
        rows = self._session.execute(
            select(JobItemRow.status, func.count()).where(JobItemRow.job_id == job_id).group_by(JobItemRow.status)
        )
        return {JobStatus(status): int(count) for status, count in rows}


def _item_row(item: JobItem) -> JobItemRow:
    return JobItemRow(
        job_id=item.job_id,
        idx=item.index,
        request_id=item.request_id,
        payload=item.payload,
        status=item.status.value,
        attempts=item.attempts,
        error=item.error,
        result=item.result,
    )


def _to_job(row: JobRow) -> Job:
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
    )


def _to_item(row: JobItemRow) -> JobItem:
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
