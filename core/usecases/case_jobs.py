"""Large cases as jobs (ADR 0027): POST /v1/cases answers 202 and a batch worker decides the case.

A case job is a batch job (same tables, queue, retries, dead letters and reconciler) with one
item: index 0, request id = the case id, payload `{"kind": "case", "command": …}` (the command
with the student only as its hash). The worker runs `EvaluateCase` with the planned case id;
exactly once because every pair decision it stores has a request id derived from the case id
(a rerun replays them) and the case row is written in the same transaction that finishes the
item — a rerun after that finds the case stored and only finishes the item.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, replace
from typing import Any

from core.domain.cases.model import CasePolicy
from core.domain.curriculum import UnitType
from core.domain.errors import DomainError, NotFound
from core.domain.records import Job, JobItem, JobStatus
from core.domain.review import final_view
from core.ports.clock import Clock
from core.ports.id_generator import IdGenerator
from core.ports.job_queue import JobQueue
from core.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from core.usecases.batch import BatchJobs, JobProgress
from core.usecases.cases import CaseCommand, EvaluateCase, TranscriptCourse, curriculum_to_decide

CASE_KIND = "case"


def case_to_payload(command: CaseCommand) -> dict[str, Any]:
    """What the job item stores. Inline units are not supported: a job decides a stored curriculum."""
    if command.units is not None:
        raise ValueError("a case job needs a stored curriculum (curriculo), not inline unidades")
    policy = command.policy
    return {
        "kind": CASE_KIND,
        "command": {
            "payload_hash": command.payload_hash,
            "transcript": [asdict(c) for c in command.transcript],
            "policy": {
                "max_combination": policy.max_combination,
                "allow_reuse": policy.allow_reuse,
                "max_waived_share": policy.max_waived_share,
                "excluded_types": sorted(t.value for t in policy.excluded_types),
                "validity_years": policy.validity_years,
                "workload_threshold": policy.workload_threshold,
            },
            "curriculum_version": command.curriculum_version,
            "curriculum_id": command.curriculum_id,
            "student_hash": command.student_hash,
            "taxonomy_version": command.taxonomy_version,
            "policy_version": command.policy_version,
            "caller": command.caller,
            "transcript_source": command.transcript_source,
        },
    }


def case_from_payload(tenant_id: str, case_id: str, payload: dict[str, Any]) -> CaseCommand:
    data = dict(payload["command"])
    policy = dict(data.pop("policy"))
    policy["excluded_types"] = frozenset(UnitType(t) for t in policy["excluded_types"])
    return CaseCommand(
        tenant_id=tenant_id,
        transcript=tuple(TranscriptCourse(**c) for c in data.pop("transcript")),
        policy=CasePolicy(**policy),
        case_id=case_id,
        **data,
    )


class SubmitCase:
    """Store a case job (one item) and enqueue it; the reconciler enqueues it if the queue is down."""

    def __init__(self, uow_factory: UnitOfWorkFactory, queue: JobQueue, clock: Clock, ids: IdGenerator) -> None:
        self._uow_factory = uow_factory
        self._queue = queue
        self._clock = clock
        self._ids = ids

    def progress(self, tenant_id: str, case_id: str) -> tuple[bool, dict[str, Any]]:
        """(True, the case document) once decided; (False, its job's progress) while it runs.

        The job is read before the case: the case and its item's `done` commit together, so a job
        seen done always finds its case. Read the other way round, a case stored between the two
        reads was told as a finished job without its table (and the console stopped polling)."""
        try:
            progress: JobProgress | None = BatchJobs(self._uow_factory).progress(tenant_id, case_id)
        except NotFound:
            progress = None  # a case decided synchronously has no job
        with self._uow_factory.reading() as uow:
            stored = uow.cases.get(tenant_id, case_id)
            if stored is not None:
                return True, with_final_decisions(uow, tenant_id, stored.document)
            if progress is None:
                raise NotFound(f"no case '{case_id}'")
            item = uow.jobs.get_item(case_id, 0)
            job = uow.jobs.get(tenant_id, case_id)
        return False, {
            "case_id": case_id,
            "status": progress.status.value,
            "job_id": case_id,
            "tentativas": 0 if item is None else item.attempts,
            "erro": None if item is None else item.error,
            "created_at": progress.created_at.isoformat(),
            "started_at": None if progress.started_at is None else progress.started_at.isoformat(),
            "progresso": None if job is None else job.progress,  # units scored / total (ADR 0034)
        }

    def __call__(self, command: CaseCommand) -> Job:
        """The job (its id is the case id). Raises ValueError for inline units (not stored), and
        what `curriculum_to_decide` raises for a curriculum a new case may not use."""
        command = replace(command, case_id=command.case_id or self._ids.new_id())
        assert command.case_id is not None
        payload = case_to_payload(command)
        job = Job(command.case_id, command.tenant_id, JobStatus.QUEUED, 1, self._clock.now())
        item = JobItem(command.case_id, 0, command.case_id, payload)
        with self._uow_factory() as uow:
            curriculum_to_decide(uow, command)  # refused now (422), not when the worker runs it
            uow.jobs.add(job, [item])
            uow.commit()
        try:
            self._queue.enqueue(job.job_id, 0)
        except Exception:  # noqa: BLE001 - stored; the reconciler enqueues it later
            pass
        return job



def with_final_decisions(uow: UnitOfWork, tenant_id: str, document: dict[str, Any]) -> dict[str, Any]:
    """The case with each unit's final state, as GET /v1/equivalences/{id} tells a pair's
    (ADR 0020): `decisao_final`, how it was reached and the review item of a unit a person decides
    (or an appealed automatic one). Read when asked, so a homologated review shows at once."""
    destinos = []
    for destino in document.get("destinos") or ():
        request_id = destino.get("request_id")
        item = uow.reviews.for_request(tenant_id, request_id) if request_id else None
        destinos.append({**destino, **final_view(destino["decisao"], destino.get("decisao_origem"), item)})
    return {**document, "destinos": destinos}

def finish_case_item(job_id: str, clock: Clock) -> Any:
    """The `also` of a case job's EvaluateCase: finish its item in the case's own transaction."""

    def finish(uow: UnitOfWork) -> None:
        uow.jobs.finish_item(job_id, 0, JobStatus.DONE, None, clock.now())

    return finish


class RunCaseItem:
    """A case job's item, for `ProcessItem`: decide the case; a deterministic error fails the item
    (a DomainError, an undecodable payload), anything else propagates and the queue retries."""

    def __init__(self, evaluate_case: EvaluateCase, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._case = evaluate_case
        self._uow_factory = uow_factory
        self._clock = clock

    def __call__(self, job_id: str, tenant_id: str, item: JobItem) -> JobStatus | None:
        try:
            command = case_from_payload(tenant_id, item.request_id, item.payload)
        except (KeyError, TypeError, ValueError, DomainError) as exc:
            return self._fail(job_id, f"invalid stored payload: {exc}")
        try:
            self._case(command, also=finish_case_item(job_id, self._clock), progress=self._progress_of(job_id))
        except DomainError as exc:
            return self._fail(job_id, f"{type(exc).__name__}: {exc}")
        return JobStatus.DONE

    def _progress_of(self, job_id: str) -> Callable[[dict[str, Any]], None]:
        """Store the case's progress on its job: one short transaction each time (every N units)."""

        def tell(progress: dict[str, Any]) -> None:
            with self._uow_factory() as uow:
                uow.jobs.set_progress(job_id, progress)
                uow.commit()

        return tell

    def _fail(self, job_id: str, error: str) -> JobStatus | None:
        with self._uow_factory() as uow:
            changed = uow.jobs.finish_item(job_id, 0, JobStatus.FAILED, error, self._clock.now())
            uow.commit()
        return JobStatus.FAILED if changed else None
