from __future__ import annotations

import datetime as dt
from typing import Any, Protocol

from core.domain.records import Job, JobItem, JobStatus


class JobRepository(Protocol):
    """Batch jobs and their items.

    Item transitions are compare-and-set updates, so concurrent workers (or a message
    delivered twice) never move an item backwards or finish it twice.
    """

    def add(self, job: Job, items: list[JobItem]) -> None:
        """Raise DuplicateJob if the tenant has a job with this `idempotency_key` (a concurrent
        insert of the same key waits for the other and then sees it); the caller rolls back."""

    def by_idempotency_key(self, tenant_id: str, idempotency_key: str) -> Job | None:
        """The tenant's job submitted with this `Idempotency-Key`, if any."""

    def get(self, tenant_id: str, job_id: str) -> Job | None: ...

    def tenant_of(self, job_id: str) -> str | None:
        """The tenant owning a job (for workers, which know only the job id)."""

    def get_item(self, job_id: str, index: int) -> JobItem | None: ...

    def list_items_after(self, job_id: str, after_index: int, limit: int) -> list[JobItem]:
        """Items with index > after_index, in index order (keyset pagination), a done item
        with its stored result."""

    def count_items(self, job_id: str) -> dict[JobStatus, int]: ...

    def item_statuses(self, keys: list[tuple[str, int]]) -> dict[tuple[str, int], JobStatus]:
        """The status of each existing item among `keys` (one query; missing items are left out)."""

    def claim_item(self, job_id: str, index: int, now: dt.datetime) -> JobItem | None:
        """queued|running → running (attempts + 1, lease renewed); None if finished or missing."""

    def finish_item(self, job_id: str, index: int, status: JobStatus, error: str | None, now: dt.datetime) -> bool:
        """An unfinished item → done|failed; False if it was already finished.

        A done item's result is the tenant's stored result for its request_id (not copied)."""

    def reset_item(self, job_id: str, index: int, now: dt.datetime) -> bool:
        """A failed or dead-lettered item → queued again (requeue after the cause is fixed); False otherwise."""

    def mark_started(self, job_id: str, now: dt.datetime) -> None:
        """Set the job running and its started_at, once."""

    def set_progress(self, job_id: str, progress: dict[str, Any]) -> None:
        """Replace the job's finer progress (a case job's units scored / total); one UPDATE, in a
        transaction of its own: an adapter may commit it without waiting for durability."""

    def mark_finished(self, job_id: str, status: JobStatus, done: int, failed: int, now: dt.datetime) -> None:
        """Record the final status, counters and finished_at, once."""

    def reopen(self, job_id: str) -> None:
        """A finished job gets work again (a failed item was requeued)."""

    def reclaim_stale_items(self, stale_before: dt.datetime, now: dt.datetime, limit: int) -> list[tuple[str, int]]:
        """Queued or running items untouched since stale_before: renew their lease, return their keys.

        Rows another transaction holds are skipped, never waited for (SKIP LOCKED where the
        database has it), so reconcilers on several workers cannot deadlock each other."""

    def reclaim_queued_items(self, queued_before: dt.datetime, now: dt.datetime, limit: int) -> list[tuple[str, int]]:
        """The same for queued items only (no worker claimed them), untouched since queued_before."""

    def unsettled_jobs(self, limit: int) -> list[str]:
        """Unfinished jobs whose items are all finished (a worker died before recording it)."""

    def backlog(self, tenant_id: str | None) -> dict[str, int]:
        """Unfinished jobs and their items by status (every tenant when tenant_id is None)."""
