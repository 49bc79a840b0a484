"""Fake batch jobs (compare-and-set item transitions) and a recording job queue."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any
from collections.abc import Iterable
from dataclasses import dataclass

from core.domain.records import (
    Job,
    JobItem,
    JobStatus,
    StoredResult,
)
from core.domain.errors import DuplicateJob, QueueUnavailable
from core.ports.job_queue import DeadLetter, QueueStats
from tests.fakes._staged import _Staged


@dataclass
class FakeJobEntry:
    """A job, its items, and when each item was last touched (the SQL lease column)."""

    job: Job
    items: list[JobItem]
    touched: list[dt.datetime]


_PENDING = (JobStatus.QUEUED, JobStatus.RUNNING)


class FakeJobRepository(_Staged):
    """Jobs with compare-and-set item transitions, as the SQL repository has them.

    A write copies the job's entry into this unit's staging, so a rollback forgets it."""

    def __init__(self, committed: dict[str, FakeJobEntry], results: dict[tuple[str, str], StoredResult]) -> None:
        super().__init__(committed)
        self._results = results  # committed results, which done items are read with

    def add(self, job: Job, items: list[JobItem]) -> None:
        key = job.idempotency_key
        if key is not None and self.by_idempotency_key(job.tenant_id, key) is not None:
            raise DuplicateJob(f"a job with Idempotency-Key {key!r} is already stored")
        self._staged[job.job_id] = FakeJobEntry(job, list(items), [job.created_at] * len(items))

    def by_idempotency_key(self, tenant_id: str, idempotency_key: str) -> Job | None:
        for entry in self._rows().values():
            if (entry.job.tenant_id, entry.job.idempotency_key) == (tenant_id, idempotency_key):
                return entry.job
        return None

    def get(self, tenant_id: str, job_id: str) -> Job | None:
        entry = self._get(job_id)
        return None if entry is None or entry.job.tenant_id != tenant_id else entry.job

    def tenant_of(self, job_id: str) -> str | None:
        entry = self._get(job_id)
        return None if entry is None else entry.job.tenant_id

    def get_item(self, job_id: str, index: int) -> JobItem | None:
        entry = self._get(job_id)
        return None if entry is None or not 0 <= index < len(entry.items) else entry.items[index]

    def count_items(self, job_id: str) -> dict[JobStatus, int]:
        counts: dict[JobStatus, int] = {}
        for item in self._get(job_id).items:
            counts[item.status] = counts.get(item.status, 0) + 1
        return counts

    def item_statuses(self, keys: list[tuple[str, int]]) -> dict[tuple[str, int], JobStatus]:
        found = {}
        for job_id, index in keys:
            entry = self._get(job_id)
            if entry is not None and 0 <= index < len(entry.items):
                found[(job_id, index)] = entry.items[index].status
        return found

    def list_items_after(self, job_id: str, after_index: int, limit: int) -> list[JobItem]:
        entry = self._get(job_id)
        results = self._results_of(entry.job.tenant_id)
        page = [i for i in entry.items if i.index > after_index][:limit]
        return [
            dataclasses.replace(i, result=results[i.request_id].response) if i.status == JobStatus.DONE else i
            for i in page
        ]

    def claim_item(self, job_id: str, index: int, now: dt.datetime) -> JobItem | None:
        entry = self._get(job_id)
        if entry is None or not 0 <= index < len(entry.items) or entry.items[index].status not in _PENDING:
            return None
        item = entry.items[index]
        claimed = dataclasses.replace(item, status=JobStatus.RUNNING, attempts=item.attempts + 1)
        self._write_item(job_id, claimed, now)
        return claimed

    def finish_item(self, job_id: str, index: int, status: JobStatus, error: str | None, now: dt.datetime) -> bool:
        entry = self._get(job_id)
        if entry is None or entry.items[index].status not in _PENDING:
            return False
        self._write_item(job_id, dataclasses.replace(entry.items[index], status=status, error=error), now)
        return True

    def reset_item(self, job_id: str, index: int, now: dt.datetime) -> bool:
        entry = self._get(job_id)
        if entry is None or entry.items[index].status not in (JobStatus.FAILED, JobStatus.DEAD_LETTERED):
            return False
        item = dataclasses.replace(entry.items[index], status=JobStatus.QUEUED, error=None, attempts=0)
        self._write_item(job_id, item, now)
        return True

    def mark_started(self, job_id: str, now: dt.datetime) -> None:
        entry = self._writable(job_id)
        if entry.job.started_at is None:
            entry.job = dataclasses.replace(entry.job, status=JobStatus.RUNNING, started_at=now)

    def set_progress(self, job_id: str, progress: dict[str, Any]) -> None:
        entry = self._writable(job_id)
        entry.job = dataclasses.replace(entry.job, progress=dict(progress))

    def mark_finished(self, job_id: str, status: JobStatus, done: int, failed: int, now: dt.datetime) -> None:
        entry = self._writable(job_id)
        if entry.job.finished_at is None:
            entry.job = dataclasses.replace(entry.job, status=status, done=done, failed=failed, finished_at=now)

    def reopen(self, job_id: str) -> None:
        entry = self._writable(job_id)
        entry.job = dataclasses.replace(entry.job, status=JobStatus.RUNNING, finished_at=None)

    def reclaim_stale_items(self, stale_before: dt.datetime, now: dt.datetime, limit: int) -> list[tuple[str, int]]:
        return self._reclaim(_PENDING, stale_before, now, limit)

    def reclaim_queued_items(self, queued_before: dt.datetime, now: dt.datetime, limit: int) -> list[tuple[str, int]]:
        return self._reclaim((JobStatus.QUEUED,), queued_before, now, limit)

    def _reclaim(
        self, statuses: tuple[JobStatus, ...], stale_before: dt.datetime, now: dt.datetime, limit: int
    ) -> list[tuple[str, int]]:
        stale = [
            (touched, job_id, item.index)
            for job_id, entry in self._rows().items()
            for item, touched in zip(entry.items, entry.touched)
            if item.status in statuses and touched < stale_before
        ]
        keys = [(job_id, index) for _, job_id, index in sorted(stale)[:limit]]
        for job_id, index in keys:
            self._writable(job_id).touched[index] = now
        return keys

    def unsettled_jobs(self, limit: int) -> list[str]:
        return [
            job_id
            for job_id, entry in self._rows().items()
            if entry.job.finished_at is None and not any(i.status in _PENDING for i in entry.items)
        ][:limit]

    def backlog(self, tenant_id: str | None) -> dict[str, int]:
        unfinished = [
            e for e in self._rows().values()
            if e.job.finished_at is None and tenant_id in (None, e.job.tenant_id)
        ]
        counts = {"jobs": len(unfinished), **{f"items_{s.value}": 0 for s in JobStatus}}
        for entry in unfinished:
            for item in entry.items:
                counts[f"items_{item.status.value}"] += 1
        return counts

    def _writable(self, job_id: str) -> FakeJobEntry:
        if job_id not in self._staged:
            entry = self._committed[job_id]
            self._staged[job_id] = FakeJobEntry(entry.job, list(entry.items), list(entry.touched))
        return self._staged[job_id]

    def _write_item(self, job_id: str, item: JobItem, now: dt.datetime) -> None:
        entry = self._writable(job_id)
        entry.items[item.index] = item
        entry.touched[item.index] = now

    def _results_of(self, tenant_id: str) -> dict[str, StoredResult]:
        return {request_id: r for (t, request_id), r in self._results.items() if t == tenant_id}


class FakeJobQueue:
    """The JobQueue port: records every message; `down = True` makes enqueueing fail."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, int]] = []
        self.down = False

    def enqueue(self, job_id: str, index: int) -> None:
        if self.down:
            raise ConnectionError("queue unavailable")
        self.messages.append((job_id, index))

    def enqueue_many(self, job_id: str, indexes: Iterable[int]) -> None:
        for index in indexes:
            self.enqueue(job_id, index)

    def take_all(self) -> list[tuple[str, int]]:
        """Hand out every message sent so far (as a worker would), emptying the queue."""
        taken, self.messages = self.messages, []
        return taken




class FakeBroker:
    """The DeadLetterStore port: dead letters, and the messages still waiting (`held`).

    `down = True` makes every call raise QueueUnavailable, as the Redis adapter does."""

    def __init__(self) -> None:
        self.letters: list[DeadLetter] = []
        self.held: set[tuple[str, int]] = set()
        self.fetched: set[tuple[str, int]] = set()  # taken by a worker, not yet acknowledged
        self.down = False
        self.list_calls = 0

    def dead_letter(self, job_id: str, index: int, error: str = "ConnectionError: down") -> DeadLetter:
        letter = DeadLetter(f"letter-{len(self.letters)}-{job_id}-{index}", "batch", job_id, index, 5, error, None)
        self.letters.append(letter)
        return letter

    def stats(self) -> list[QueueStats]:
        self._check()
        return [QueueStats("batch", len(self.held), 0, 0, len(self.letters))]

    def list_letters(self, limit: int = 1000, offset: int = 0) -> list[DeadLetter]:
        self._check()
        self.list_calls += 1
        return self.letters[offset : offset + limit]

    def queued_items(self) -> set[tuple[str, int]]:
        self._check()
        return set(self.held)

    def held_items(self) -> set[tuple[str, int]]:
        self._check()
        return set(self.held) | set(self.fetched)

    def discard(self, letter_id: str) -> None:
        self._check()
        self.letters = [letter for letter in self.letters if letter.letter_id != letter_id]

    def _check(self) -> None:
        if self.down:
            raise QueueUnavailable("batch queue unavailable (ConnectionError: refused)")
