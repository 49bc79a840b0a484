"""Batch evaluation: submit a job, process its items with EvaluatePair, report, reconcile.

The database is the source of truth; the queue only says "look at item (job, index)".
Exactly-once results come from three facts: an item finishes by compare-and-set (it is
never finished twice), EvaluatePair stores one result per (tenant, request_id) and replays
it afterwards, and a repeated or recovered message of a finished item is skipped.
"""

from __future__ import annotations

import copy
import datetime as dt
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from typing import Any, Protocol

from core.domain.batch_idempotency import (
    BatchItemPrint,
    batch_fingerprint,
    check_same_batch,
    check_stored_request_ids,
)
from core.domain.errors import DomainError, DuplicateJob, NotFound
from core.domain.model import Course, Level
from core.domain.policy import has_overrides
from core.domain.records import Job, JobItem, JobStatus
from core.ports.clock import Clock
from core.ports.id_generator import IdGenerator
from core.ports.job_queue import DeadLetterStore, JobQueue
from core.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from core.usecases.evaluate import (
    EvaluateCommand,
    EvaluateOutcome,
    check_overrides_allowed,
)
from core.usecases.queue_ops import discard_letters_of_done_items

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class JobProgress:
    """What GET /v1/jobs/{id} reports: status and counters derived from the items themselves."""

    job_id: str
    status: JobStatus
    total: int
    done: int
    failed: int  # every item that ended without a result, dead-lettered ones included
    queued: int
    running: int
    dead_lettered: int  # of `failed`: retries ran out; `dlq requeue` sets them queued again
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    detail: dict[str, Any] | None = None  # finer than items: a case job's units scored (ADR 0034)


@dataclass(frozen=True, slots=True)
class SubmittedBatch:
    job: Job
    replayed: bool  # the job an earlier submission with the same Idempotency-Key and body created


@dataclass(frozen=True, slots=True)
class ResultsPage:
    items: list[JobItem]
    next_cursor: int | None


def item_request_id(job_id: str, index: int, own: str | None) -> str:
    """An item keeps its own request_id, else gets one derived from its place in the job."""
    return own or f"{job_id}-{index}"


def command_to_payload(command: EvaluateCommand) -> dict[str, Any]:
    """What an item stores: the command without tenant and request_id (the job and item hold those).

    The command holds only a hash of `context`, so student data is never stored in clear.
    Same result as `dataclasses.asdict` minus those keys (and batch_item), built field by field: asdict
    deep-copies every value, which made it the costliest step of submitting a large batch."""
    payload = {name: getattr(command, name) for name in _PAYLOAD_FIELDS}
    payload["origem"] = _course_payload(command.origem)
    payload["destino"] = _course_payload(command.destino)
    if command.policy_overrides is not None:
        payload["policy_overrides"] = copy.deepcopy(command.policy_overrides)
    return payload


def _course_payload(course: Course) -> dict[str, Any]:
    data = {name: getattr(course, name) for name in _COURSE_FIELDS}
    data["nivel"] = None if course.nivel is None else Level(course.nivel).value
    data["objetivos"] = list(course.objetivos)
    return data


_PAYLOAD_FIELDS = tuple(
    f.name for f in fields(EvaluateCommand) if f.name not in ("tenant_id", "request_id", "batch_item")
)
_COURSE_FIELDS = tuple(f.name for f in fields(Course))


def command_from_payload(
    tenant_id: str, request_id: str, payload: dict[str, Any], batch_item: tuple[str, int] | None = None
) -> EvaluateCommand:
    fields = dict(payload)
    for course in ("origem", "destino"):
        data = dict(fields[course])
        data["nivel"] = Level(data["nivel"]) if data.get("nivel") else None
        data["objetivos"] = tuple(data.get("objetivos") or ())
        fields[course] = Course(**data)
    return EvaluateCommand(tenant_id=tenant_id, request_id=request_id, batch_item=batch_item, **fields)


def _override_callers(commands: Sequence[EvaluateCommand]) -> list[Any]:
    """The distinct callers of the items that override the policy (usually none, or one)."""
    callers: list[Any] = []
    for command in commands:
        if has_overrides(command.policy_overrides) and command.caller not in callers:
            callers.append(command.caller)
    return callers


def job_status(total: int, counts: dict[JobStatus, int]) -> JobStatus:
    """Finished when no item is pending: dead_lettered if any item is (it may be requeued),
    else failed only if every item failed, else done. Unfinished: running once any item moved."""
    done, failed = counts.get(JobStatus.DONE, 0), counts.get(JobStatus.FAILED, 0)
    dead = counts.get(JobStatus.DEAD_LETTERED, 0)
    if done + failed + dead >= total:
        if dead:
            return JobStatus.DEAD_LETTERED
        return JobStatus.FAILED if failed == total else JobStatus.DONE
    if done or failed or dead or counts.get(JobStatus.RUNNING, 0):
        return JobStatus.RUNNING
    return JobStatus.QUEUED


_FINISHED_JOB = (JobStatus.DONE, JobStatus.FAILED, JobStatus.DEAD_LETTERED)
UNSENT_GRACE = dt.timedelta(seconds=5)
"""A queued item this young may be one whose submission is enqueueing it right now."""


class SubmitBatch:
    """Persist a job and its items in one transaction, then enqueue every item."""

    def __init__(
        self, uow_factory: UnitOfWorkFactory, queue: JobQueue, ids: IdGenerator, clock: Clock, max_items: int
    ) -> None:
        self._uow_factory = uow_factory
        self._queue = queue
        self._ids = ids
        self._clock = clock
        self.max_items = max_items

    def __call__(
        self, tenant_id: str, commands: Sequence[EvaluateCommand], idempotency_key: str | None = None
    ) -> SubmittedBatch:
        """Commands with an empty request_id get f"{job_id}-{index}".

        Raises, storing nothing: OverridesNotAllowed if any item overrides the policy and its
        caller may not (ADR 0013: the items are then evaluated without asking again);
        IdempotencyConflict if an item's request_id is stored with another payload.

        With an `idempotency_key`, the tenant's job first submitted with it is answered again
        (replayed, nothing enqueued) if the body is the same, IdempotencyConflict if not; the
        unique (tenant, key) of the jobs table makes concurrent duplicates store one job."""
        if not 0 < len(commands) <= self.max_items:
            raise ValueError(f"a batch has 1 to {self.max_items} items")
        prints = [(c.request_id, c.payload_hash) for c in commands]
        if idempotency_key is None:
            return self._store(tenant_id, commands, prints, None, None)
        fingerprint = batch_fingerprint(prints)
        earlier = self._earlier(tenant_id, idempotency_key, fingerprint)
        if earlier is not None:
            return earlier
        try:
            return self._store(tenant_id, commands, prints, idempotency_key, fingerprint)
        except DuplicateJob:  # a concurrent submission with the same key committed first
            earlier = self._earlier(tenant_id, idempotency_key, fingerprint)
            if earlier is None:
                raise
            return earlier

    def _store(
        self,
        tenant_id: str,
        commands: Sequence[EvaluateCommand],
        prints: Sequence[BatchItemPrint],
        idempotency_key: str | None,
        fingerprint: str | None,
    ) -> SubmittedBatch:
        """Check every item, store the job and its items in one transaction, then enqueue them."""
        job_id = self._ids.new_id()
        items = [
            JobItem(job_id, index, item_request_id(job_id, index, c.request_id), command_to_payload(c))
            for index, c in enumerate(commands)
        ]
        job = Job(
            job_id, tenant_id, JobStatus.QUEUED, len(items), self._clock.now(),
            idempotency_key=idempotency_key, request_fingerprint=fingerprint,
        )
        with self._uow_factory() as uow:
            for caller in _override_callers(commands):
                check_overrides_allowed(uow, tenant_id, caller)
            own_ids = [request_id for request_id, _ in prints if request_id]
            check_stored_request_ids(prints, uow.results.payload_hashes(tenant_id, own_ids))
            uow.jobs.add(job, items)
            uow.commit()
        try:
            self._queue.enqueue_many(job_id, range(len(items)))
        except Exception:  # noqa: BLE001 - the job is stored; the reconciler enqueues it later
            logger.warning("batch %s stored but not enqueued; the reconciler will enqueue it", job_id, exc_info=True)
        return SubmittedBatch(job, replayed=False)

    def _earlier(self, tenant_id: str, idempotency_key: str, fingerprint: str) -> SubmittedBatch | None:
        """The job stored with this key, if any, once the body is checked to be the same."""
        with self._uow_factory.reading() as uow:
            job = uow.jobs.by_idempotency_key(tenant_id, idempotency_key)
        if job is None:
            return None
        check_same_batch(idempotency_key, job.request_fingerprint, fingerprint)
        return SubmittedBatch(job, replayed=True)


class EvaluateWithin(Protocol):
    """EvaluatePair's call shape: `also` runs inside the transaction that stores a new result."""

    def __call__(
        self, command: EvaluateCommand, also: Callable[[UnitOfWork], object] | None = None
    ) -> EvaluateOutcome: ...


class ProcessItem:
    """One batch item through the same pipeline as the synchronous endpoint.

    Deterministic errors (DomainError, an undecodable payload) fail the item at once.
    Anything else is transient: it propagates so the queue retries with backoff, and the
    queue calls `give_up` before it dead-letters the message.

    One instance serves every worker thread of a process. What it remembers per job is what
    never changes once seen (the tenant; that the job has started), and which of the job's
    items this process is working on. Settling a job (counting all its items) is deferred to
    the last of this process's threads still working on the job: while another of them holds
    a claimed, unfinished item the job cannot be finished, and that thread settles after its
    own finish (which commits after this one). So every finish is still followed by a settle
    that starts after its commit, without counting the whole job after every item.
    """

    _MEMORY = 4096  # jobs remembered per process (cleared when full)

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        evaluate_pair: EvaluateWithin,
        clock: Clock,
        cases: Callable[[str, str, JobItem], JobStatus | None] | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._evaluate = evaluate_pair
        self._clock = clock
        self._cases = cases  # a case job's item (core/usecases/case_jobs.py::RunCaseItem, ADR 0027)
        self._lock = threading.Lock()
        self._tenants: dict[str, str] = {}
        self._started: set[str] = set()
        self._in_flight: dict[str, int] = {}
        self._settle_owed: set[str] = set()

    def __call__(self, job_id: str, index: int) -> JobStatus | None:
        """The status this call gave the item, or None if there was nothing to do."""
        with self._uow_factory() as uow:
            tenant_id = self._tenants.get(job_id) or uow.jobs.tenant_of(job_id)
            item = uow.jobs.claim_item(job_id, index, self._clock.now()) if tenant_id else None
            if item is None:
                return None  # finished already (a repeated message) or unknown
            started = job_id in self._started
            if not started:
                uow.jobs.mark_started(job_id, self._clock.now())
            uow.commit()
        self._remember(job_id, tenant_id, started)  # type: ignore[arg-type]
        try:
            status = self._process(job_id, index, tenant_id, item)  # type: ignore[arg-type]
        except BaseException:  # transient (or interrupted): the item stays pending
            self._leave(job_id, finished_one=False)
            raise
        self._leave(job_id, finished_one=True)
        return status

    def _process(self, job_id: str, index: int, tenant_id: str, item: JobItem) -> JobStatus | None:
        if self._cases is not None and item.payload.get("kind") == "case":
            return self._cases(job_id, tenant_id, item)
        try:
            command = command_from_payload(tenant_id, item.request_id, item.payload, (job_id, index))
        except (KeyError, TypeError, ValueError) as exc:
            return self._finish(job_id, index, JobStatus.FAILED, f"invalid stored payload: {exc}")
        finished: list[bool] = []

        def finish_with_result(uow: UnitOfWork) -> None:
            finished.append(uow.jobs.finish_item(job_id, index, JobStatus.DONE, None, self._clock.now()))

        try:
            outcome = self._evaluate(command, also=finish_with_result)
        except DomainError as exc:
            return self._finish(job_id, index, JobStatus.FAILED, f"{type(exc).__name__}: {exc}")
        if outcome.replayed:  # stored earlier (a retry, or the request_id was used before)
            return self._finish(job_id, index, JobStatus.DONE, None)
        return JobStatus.DONE if finished and finished[0] else None

    def give_up(self, job_id: str, index: int, error: str) -> None:
        """The last retry failed: the item is dead-lettered (a requeue of its letter reopens it)."""
        self._finish(job_id, index, JobStatus.DEAD_LETTERED, f"dead-lettered after retries: {error}")
        self._settle_after_give_up(job_id)

    def _finish(self, job_id: str, index: int, status: JobStatus, error: str | None) -> JobStatus | None:
        """Compare-and-set the item finished, in its own transaction (the caller settles after)."""
        with self._uow_factory() as uow:
            changed = uow.jobs.finish_item(job_id, index, status, error, self._clock.now())
            uow.commit()
        return status if changed else None

    def _remember(self, job_id: str, tenant_id: str, started: bool) -> None:
        with self._lock:
            if len(self._tenants) >= self._MEMORY:
                self._tenants.clear()
            self._tenants[job_id] = tenant_id
            if not started:
                if len(self._started) >= self._MEMORY:
                    self._started.clear()
                self._started.add(job_id)
            self._in_flight[job_id] = self._in_flight.get(job_id, 0) + 1

    def _leave(self, job_id: str, finished_one: bool) -> None:
        """This thread is done with its item: settle now, or leave it to a thread still on the job."""
        with self._lock:
            others = self._in_flight.get(job_id, 1) - 1
            if others > 0:
                self._in_flight[job_id] = others
                if finished_one:
                    self._settle_owed.add(job_id)
                return
            self._in_flight.pop(job_id, None)
            owed = job_id in self._settle_owed
            self._settle_owed.discard(job_id)
        if finished_one or owed:
            _settle_job(self._uow_factory, self._clock, job_id)

    def _settle_after_give_up(self, job_id: str) -> None:
        """give_up runs after the item's call has left: settle unless a thread here is on the job."""
        with self._lock:
            if self._in_flight.get(job_id, 0) > 0:
                self._settle_owed.add(job_id)
                return
        _settle_job(self._uow_factory, self._clock, job_id)


def _settle_job(uow_factory: UnitOfWorkFactory, clock: Clock, job_id: str) -> None:
    """Record a job as finished once no item is pending.

    Runs after the item's own commit, so whichever worker commits last sees every item."""
    with uow_factory() as uow:
        tenant_id = uow.jobs.tenant_of(job_id)
        job = uow.jobs.get(tenant_id, job_id) if tenant_id is not None else None
        if job is None or job.finished_at is not None:
            return
        counts = uow.jobs.count_items(job_id)
        status = job_status(job.total, counts)
        if status in _FINISHED_JOB:
            done = counts.get(JobStatus.DONE, 0)
            failed = counts.get(JobStatus.FAILED, 0) + counts.get(JobStatus.DEAD_LETTERED, 0)
            uow.jobs.mark_finished(job_id, status, done, failed, clock.now())
            uow.commit()


def _get_progress(uow_factory: UnitOfWorkFactory, tenant_id: str, job_id: str) -> JobProgress:
    """A tenant's job with counters taken from its items (another tenant's job is missing)."""
    with uow_factory.reading() as uow:
        job = uow.jobs.get(tenant_id, job_id)
        if job is None:
            raise NotFound(f"no job '{job_id}'")
        counts = uow.jobs.count_items(job_id)
    return JobProgress(
        job_id=job.job_id,
        status=job_status(job.total, counts),
        total=job.total,
        done=counts.get(JobStatus.DONE, 0),
        failed=counts.get(JobStatus.FAILED, 0) + counts.get(JobStatus.DEAD_LETTERED, 0),
        queued=counts.get(JobStatus.QUEUED, 0),
        running=counts.get(JobStatus.RUNNING, 0),
        dead_lettered=counts.get(JobStatus.DEAD_LETTERED, 0),
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        detail=job.progress,
    )


def _get_results_page(
    uow_factory: UnitOfWorkFactory, tenant_id: str, job_id: str, after_index: int, limit: int
) -> ResultsPage:
    """Items after a cursor (the last index seen; -1 for the first page), in index order."""
    with uow_factory.reading() as uow:
        if uow.jobs.get(tenant_id, job_id) is None:
            raise NotFound(f"no job '{job_id}'")
        items = uow.jobs.list_items_after(job_id, after_index, limit + 1)
    more = len(items) > limit
    items = items[:limit]
    return ResultsPage(items, items[-1].index if more else None)


class Reconcile:
    """Re-enqueue items whose message was lost (worker killed, broker flushed).

    An item queued or running but untouched for `stale_after` is handed to the queue again,
    unless the broker still holds its message (it is merely waiting in a long queue); its
    lease is renewed either way, so concurrent reconcilers do not both look at it. Also
    records jobs whose last item finished in a worker that died before saying so, and
    discards dead letters of items that ended done (e.g. finished after a retried outage)."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        queue: JobQueue,
        clock: Clock,
        stale_after: dt.timedelta,
        chunk: int = 500,
        broker: DeadLetterStore | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._queue = queue
        self._clock = clock
        self.stale_after = stale_after
        self._chunk = chunk
        self._broker = broker

    def __call__(self, stale_before: dt.datetime | None = None) -> int:
        """How many items were re-enqueued."""
        cutoff = stale_before or self._clock.now() - self.stale_after
        broker = self._broker
        total, waiting = self._hand_out(
            lambda uow, now: uow.jobs.reclaim_stale_items(cutoff, now, self._chunk),
            broker.queued_items if broker is not None else set,
        )
        with self._uow_factory.reading() as uow:
            unsettled = uow.jobs.unsettled_jobs(self._chunk)
        for job_id in unsettled:
            _settle_job(self._uow_factory, self._clock, job_id)
        discarded = discard_letters_of_done_items(self._uow_factory, self._broker) if self._broker else 0
        if total or waiting or discarded:
            logger.warning(
                "reconciler: re-enqueued %d stale batch items, left %d whose message is still queued, "
                "discarded %d dead letters of done items",
                total, waiting, discarded,
            )
        return total

    def enqueue_unsent(self) -> int:
        """Queued items the broker holds no message for, however fresh: stored while Redis was down
        (or lost with its data). The operator's `queue reconcile --now` after an outage.

        Only queued items older than UNSENT_GRACE (not one a submission is enqueueing this
        instant) and with no message waiting or fetched by a worker; running items are left to
        the stale threshold, so an item a worker is running is never handed out twice."""
        broker = self._broker
        cutoff = self._clock.now() - UNSENT_GRACE
        total, _ = self._hand_out(
            lambda uow, now: uow.jobs.reclaim_queued_items(cutoff, now, self._chunk),
            broker.held_items if broker is not None else set,
        )
        return total

    def _hand_out(
        self, reclaim: Callable[[UnitOfWork, dt.datetime], list[tuple[str, int]]], held_of: Callable[[], set[tuple[str, int]]]
    ) -> tuple[int, int]:
        """Enqueue the reclaimed items the broker does not hold: (enqueued, left waiting)."""
        total = waiting = 0
        held: set[tuple[str, int]] | None = None
        while True:
            with self._uow_factory() as uow:
                keys = reclaim(uow, self._clock.now())
                if keys and held is None:  # asked before committing: broker down → leases untouched
                    held = held_of()
                uow.commit()
            lost = [key for key in keys if key not in (held or ())]
            for job_id, index in lost:
                self._queue.enqueue(job_id, index)
            total += len(lost)
            waiting += len(keys) - len(lost)
            if len(keys) < self._chunk:
                return total, waiting


class BatchJobs:
    """A tenant's batch jobs as their submitter reads them (ADR 0023)."""

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uows = uow_factory

    def progress(self, tenant_id: str, job_id: str) -> JobProgress:
        return _get_progress(self._uows, tenant_id, job_id)

    def results_page(self, tenant_id: str, job_id: str, after_index: int, limit: int) -> ResultsPage:
        return _get_results_page(self._uows, tenant_id, job_id, after_index, limit)
