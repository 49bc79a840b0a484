"""Operations on the batch queue: sizes and backlog, dead letters, requeue after a fix.

The tenant is required: the admin API passes the admin's tenant, and only sees dead letters of
that tenant's jobs; the operator at the CLI passes `ANY_TENANT` (every tenant), as for keys.

A dead letter of an item that ended done means nothing (the item was finished later, e.g.
by the reconciler after a long database outage): it is never listed, `requeue` and the
reconciler discard it. Every method pages through the dead letters (PAGE at a time), so no
number of letters is too many. The broker raises QueueUnavailable when Redis is down or hung.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.domain.errors import NotFound
from core.domain.records import JobStatus
from core.domain.tenants import ANY_TENANT, AnyTenant, tenant_filter
from core.ports.clock import Clock
from core.ports.job_queue import DeadLetter, DeadLetterStore, JobQueue, QueueStats
from core.ports.unit_of_work import UnitOfWorkFactory

PAGE = 500  # dead letters read from the broker at a time


@dataclass(frozen=True, slots=True)
class QueueInfo:
    queues: list[QueueStats]
    backlog: dict[str, int]


@dataclass(frozen=True, slots=True)
class RequeueResult:
    requeued: int  # items set queued again and sent to the queue
    discarded: int  # letters dropped without a requeue: their item is done (or gone)


def discard_letters_of_done_items(uow_factory: UnitOfWorkFactory, dead: DeadLetterStore) -> int:
    """Discard every dead letter whose item is done or no longer exists; how many were."""
    discarded = offset = 0
    while page := dead.list_letters(PAGE, offset):
        with uow_factory.reading() as uow:
            statuses = uow.jobs.item_statuses([(letter.job_id, letter.index) for letter in page])
        stale = [letter for letter in page if statuses.get((letter.job_id, letter.index), JobStatus.DONE) == JobStatus.DONE]
        for letter in stale:
            dead.discard(letter.letter_id)
        discarded += len(stale)
        offset += len(page) - len(stale)
    return discarded


class QueueOperations:
    def __init__(
        self, uow_factory: UnitOfWorkFactory, dead_letters: DeadLetterStore, queue: JobQueue, clock: Clock
    ) -> None:
        self._uow_factory = uow_factory
        self._dead = dead_letters
        self._queue = queue
        self._clock = clock

    def info(self, tenant_id: str | AnyTenant) -> QueueInfo:
        """Messages per queue (queued, in flight, delayed, dead) and the unfinished jobs in the database."""
        with self._uow_factory.reading() as uow:
            backlog = uow.jobs.backlog(tenant_filter(tenant_id))
        stats = self._dead.stats()
        if tenant_id is not ANY_TENANT:  # the counts of the shared queue, except the dead, which are per tenant
            dead = len(self.dead_letters(tenant_id))
            stats = [QueueStats(s.queue, s.queued, s.in_flight, s.delayed, dead) for s in stats]
        return QueueInfo(stats, backlog)

    def dead_letters(self, tenant_id: str | AnyTenant, limit: int = 1000) -> list[DeadLetter]:
        """The tenant's dead letters whose item is not done, oldest first, at most `limit`."""
        letters: list[DeadLetter] = []
        offset = 0
        while len(letters) < limit and (page := self._dead.list_letters(PAGE, offset)):
            offset += len(page)
            letters.extend(letter for letter, done in self._owned(tenant_id, page) if not done)
        return letters[:limit]

    def requeue(self, tenant_id: str | AnyTenant, item: str | None) -> RequeueResult:
        """Requeue one item (a letter id or JOB_ID:INDEX) or, with item=None, every dead letter.

        Pages through all letters. Each item is reset to queued and enqueued before its dead
        letter is discarded, so a crash in between leaves the letter visible (requeueing it
        again is harmless). A letter of a done item is only discarded. A failed item named as
        JOB_ID:INDEX is requeued even without a letter. An `item` that names nothing to requeue
        (no letter of this tenant, no failed item) is NotFound."""
        requeued = discarded = offset = 0
        matched = False
        while page := self._dead.list_letters(PAGE, offset):
            chosen = [
                (letter, done)
                for letter, done in self._owned(tenant_id, page)
                if item is None or item in (letter.letter_id, f"{letter.job_id}:{letter.index}")
            ]
            matched = matched or bool(chosen)
            for key in sorted({(letter.job_id, letter.index) for letter, done in chosen if not done}):
                requeued += self._requeue_item(tenant_id, *key)
            for letter, done in chosen:
                self._dead.discard(letter.letter_id)
                discarded += done
            offset += len(page) - len(chosen)
        if item is not None and not matched and ":" in item:
            job_id, _, index = item.rpartition(":")
            if index.isdigit():
                requeued += self._requeue_item(tenant_id, job_id, int(index))
        if item is not None and not (requeued or discarded):
            raise NotFound(f"no dead letter '{item}'")
        return RequeueResult(requeued, discarded)

    def _owned(self, tenant_id: str | AnyTenant, page: list[DeadLetter]) -> list[tuple[DeadLetter, bool]]:
        """The letters of this tenant's jobs (all with ANY_TENANT), each with whether its item is done."""
        with self._uow_factory.reading() as uow:
            statuses = uow.jobs.item_statuses([(letter.job_id, letter.index) for letter in page])
            owners = (
                {job_id: uow.jobs.tenant_of(job_id) for job_id in {letter.job_id for letter in page}}
                if tenant_id is not ANY_TENANT
                else {}
            )
        return [
            (letter, statuses.get((letter.job_id, letter.index), JobStatus.DONE) == JobStatus.DONE)
            for letter in page
            if tenant_id is ANY_TENANT or owners[letter.job_id] == tenant_id
        ]

    def _requeue_item(self, tenant_id: str | AnyTenant, job_id: str, index: int) -> bool:
        with self._uow_factory() as uow:
            owner = uow.jobs.tenant_of(job_id)
            if owner is None or (tenant_id is not ANY_TENANT and owner != tenant_id):
                return False
            item = uow.jobs.get_item(job_id, index)
            if item is None or item.status == JobStatus.DONE:
                return False  # finished meanwhile (e.g. recovered by the reconciler)
            if item.status in (JobStatus.FAILED, JobStatus.DEAD_LETTERED):
                uow.jobs.reset_item(job_id, index, self._clock.now())
                uow.jobs.reopen(job_id)
            uow.commit()
        self._queue.enqueue(job_id, index)
        return True
