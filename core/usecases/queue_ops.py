"""Operations on the batch queue: sizes and backlog, dead letters, requeue after a fix.

`tenant_id=None` means every tenant (the CLI); the admin API passes the admin's tenant,
and only sees dead letters of that tenant's jobs.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.domain.records import JobStatus
from core.ports.clock import Clock
from core.ports.job_queue import DeadLetter, DeadLetterStore, JobQueue, QueueStats
from core.ports.unit_of_work import UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class QueueInfo:
    queues: list[QueueStats]
    backlog: dict[str, int]


class QueueOperations:
    def __init__(
        self, uow_factory: UnitOfWorkFactory, dead_letters: DeadLetterStore, queue: JobQueue, clock: Clock
    ) -> None:
        self._uow_factory = uow_factory
        self._dead = dead_letters
        self._queue = queue
        self._clock = clock

    def info(self, tenant_id: str | None) -> QueueInfo:
        """Messages per queue (queued, in flight, delayed, dead) and the unfinished jobs in the database."""
        with self._uow_factory.reading() as uow:
            backlog = uow.jobs.backlog(tenant_id)
        stats = self._dead.stats()
        if tenant_id is not None:  # the counts of the shared queue, except the dead, which are per tenant
            dead = len(self.dead_letters(tenant_id))
            stats = [QueueStats(s.queue, s.queued, s.in_flight, s.delayed, dead) for s in stats]
        return QueueInfo(stats, backlog)

    def dead_letters(self, tenant_id: str | None, limit: int = 1000) -> list[DeadLetter]:
        letters = self._dead.list_letters(limit)
        if tenant_id is None:
            return letters
        with self._uow_factory.reading() as uow:
            owners = {job_id: uow.jobs.tenant_of(job_id) for job_id in {letter.job_id for letter in letters}}
        return [letter for letter in letters if owners[letter.job_id] == tenant_id]

    def requeue(self, tenant_id: str | None, item: str | None) -> int:
        """Requeue one item (a letter id or JOB_ID:INDEX) or, with item=None, every dead letter.

        The item is reset to queued and enqueued before its dead letter is discarded, so a
        crash in between leaves the letter visible (requeueing it again is harmless). A failed
        item named as JOB_ID:INDEX is requeued even without a letter."""
        letters = self.dead_letters(tenant_id)
        chosen = letters if item is None else [d for d in letters if item in (d.letter_id, f"{d.job_id}:{d.index}")]
        keys = {(letter.job_id, letter.index) for letter in chosen}
        if item is not None and not chosen and ":" in item:
            job_id, _, index = item.rpartition(":")
            if index.isdigit():
                keys.add((job_id, int(index)))
        requeued = sum(self._requeue_item(tenant_id, job_id, index) for job_id, index in sorted(keys))
        for letter in chosen:
            self._dead.discard(letter.letter_id)
        return requeued

    def _requeue_item(self, tenant_id: str | None, job_id: str, index: int) -> bool:
        with self._uow_factory() as uow:
            owner = uow.jobs.tenant_of(job_id)
            if owner is None or (tenant_id is not None and owner != tenant_id):
                return False
            item = uow.jobs.get_item(job_id, index)
            if item is None or item.status == JobStatus.DONE:
                return False  # finished meanwhile (e.g. recovered by the reconciler)
            if item.status == JobStatus.FAILED:
                uow.jobs.reset_item(job_id, index, self._clock.now())
                uow.jobs.reopen(job_id)
            uow.commit()
        self._queue.enqueue(job_id, index)
        return True
