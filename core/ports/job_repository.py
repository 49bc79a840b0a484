from __future__ import annotations

from typing import Protocol

from core.domain.records import Job, JobItem


class JobRepository(Protocol):
    """Batch jobs and their items."""

    def add(self, job: Job, items: list[JobItem]) -> None: ...

    def get(self, tenant_id: str, job_id: str) -> Job | None: ...
