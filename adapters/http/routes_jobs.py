"""POST /v1/equivalences/batch, GET /v1/jobs/{job_id} and GET /v1/jobs/{job_id}/results."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Annotated

import msgspec
from litestar import Controller, Response
from adapters.http.threaded import get, post
from litestar.di import NamedDependency
from litestar.exceptions import ValidationException
from litestar.enums import RequestEncodingType
from litestar.params import Body, HeaderParameter, QueryParameter
from msgspec import Meta

from adapters.http import openapi_examples as ex
from adapters.http.auth import EVALUATORS, READERS
from adapters.http.dto import REQUEST_ID_LIMITS, EvaluateRequest, EvaluateResponse
from adapters.http.dto_cases import CaseUnitsProgress
from adapters.http.body_guard import BODY_LIMIT
from adapters.http.error_table import AUTH, BODY, INVALID, responses
from adapters.http.routes_equivalences import ResourceId, to_command
from core.domain.errors import IdempotencyConflict, NotFound, OverridesNotAllowed, QueueUnavailable, VersionNotFound
from core.domain.actors import principal_actor
from core.domain.rate_limits import RouteGroup
from core.domain.records import JobItem, JobStatus, Principal
from core.usecases.batch import BatchJobs, JobProgress, SubmitBatch

JOB_ERRORS = responses(
    AUTH,
    NotFound,
    INVALID,
    shown={
        404: ex.error_example("404_job", "unknown job_id"),
        422: ex.error_example("422_cursor", "a cursor not from next_cursor"),
    },
)


class BatchRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    items: Annotated[list[EvaluateRequest], Meta(min_length=1)]


class JobAccepted(msgspec.Struct):
    job_id: str
    status: str
    total: int


class ProgressOut(msgspec.Struct):
    done: int
    failed: int  # items that ended without a result, dead-lettered ones included
    total: int
    queued: int
    running: int
    dead_lettered: int = 0  # of `failed`: retries ran out; an admin's `dlq requeue` sets them queued again


class TimingsOut(msgspec.Struct):
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    elapsed_ms: float | None


class JobOut(msgspec.Struct):
    job_id: str
    status: str
    total: int
    progress: ProgressOut
    timings: TimingsOut
    case_progress: CaseUnitsProgress | None = None  # a case job's units scored of the total; null for a batch


def _case_progress(detail: dict[str, object] | None) -> CaseUnitsProgress | None:
    return None if detail is None else msgspec.convert(detail, CaseUnitsProgress)


class ItemResultOut(msgspec.Struct):
    index: int
    request_id: str
    status: str
    result: EvaluateResponse | None = None
    error: str | None = None


class ResultsOut(msgspec.Struct):
    job_id: str
    items: list[ItemResultOut]
    next_cursor: str | None


def _invalid(field: str, message: str) -> ValidationException:
    return ValidationException(detail="Validation failed", extra=[{"key": field, "message": message, "source": "body"}])


def _job_out(progress: JobProgress) -> JobOut:
    end = progress.finished_at or (dt.datetime.now(dt.timezone.utc) if progress.started_at else None)
    elapsed = (end - progress.created_at).total_seconds() * 1000.0 if end else None
    return JobOut(
        job_id=progress.job_id,
        status=progress.status.value,
        total=progress.total,
        progress=ProgressOut(
            progress.done, progress.failed, progress.total, progress.queued, progress.running, progress.dead_lettered
        ),
        timings=TimingsOut(progress.created_at, progress.started_at, progress.finished_at, elapsed and round(elapsed, 3)),
        case_progress=_case_progress(progress.detail),
    )


def _item_out(item: JobItem) -> ItemResultOut:
    result = msgspec.convert(item.result, EvaluateResponse) if item.status == JobStatus.DONE and item.result else None
    return ItemResultOut(item.index, item.request_id, item.status.value, result, item.error)


def _cursor(value: str | None) -> int:
    if value is None:
        return -1
    if not value.isdigit():
        raise ValidationException(
            detail="Validation failed", extra=[{"key": "cursor", "message": "not a cursor from next_cursor", "source": "query"}]
        )
    return int(value)


class JobController(Controller):
    path = "/v1"
    tags = ["batch"]

    @post(
        "/equivalences/batch",
        operation_id="submitBatch",
        summary="Queue many evaluations; poll the job for progress and results",
        status_code=202,
        responses={
            202: ex.ok(
                JobAccepted,
                "accepted: stored and queued; poll GET /v1/jobs/{job_id}. A retry with the same `Idempotency-Key` "
                "and body answers the job it created, with its current status and the header `Idempotent-Replayed: true`",
                ex.example("job_accepted", "two items queued"),
            ),
            **responses(
                AUTH,
                BODY,
                OverridesNotAllowed,
                IdempotencyConflict,
                VersionNotFound,
                QueueUnavailable,
                shown={422: ex.error_example("422_batch", "item 0's destino ementa too short")},
            ),
        },
        opt={"roles": EVALUATORS, "rate_group": RouteGroup.BATCH, BODY_LIMIT: "batch"},
    )
    def submit_batch(
        self,
        data: Annotated[
            BatchRequest,
            Body(
                media_type=RequestEncodingType.JSON,
                title="BatchRequest",
                examples=[ex.example("batch_request", "two courses of one transcript")],
            ),
        ],
        principal: NamedDependency[Principal],
        submit_batch: NamedDependency[SubmitBatch],
        idempotency_key: Annotated[
            str | None, HeaderParameter(name="Idempotency-Key", required=False, **REQUEST_ID_LIMITS)
        ] = None,
    ) -> Response[JobAccepted]:
        """Every item is validated first (nothing is queued if one is invalid, if a client key's item
        overrides the policy its tenant does not let clients override, or if an item's request_id is
        stored with another payload: 409 naming it), then stored and queued. With `Idempotency-Key`,
        a retry of the same body answers the job the first created (replayed); another body is 409."""
        if len(data.items) > submit_batch.max_items:
            raise _invalid("items", f"a batch has at most {submit_batch.max_items} items")
        commands = []
        caller = principal_actor(principal)
        seen: dict[str, int] = {}
        for index, item in enumerate(data.items):
            if item.request_id is not None:
                if item.request_id in seen:
                    raise _invalid(f"items[{index}].request_id", f"repeats items[{seen[item.request_id]}].request_id")
                seen[item.request_id] = index
            commands.append(replace(to_command(principal.tenant_id, item, None, caller), request_id=item.request_id or ""))
        submitted = submit_batch(principal.tenant_id, commands, idempotency_key)
        job = submitted.job
        headers = {"Idempotent-Replayed": "true"} if submitted.replayed else {}
        return Response(JobAccepted(job.job_id, job.status.value, job.total), status_code=202, headers=headers)

    @get(
        "/jobs/{job_id:str}",
        operation_id="getJob",
        summary="A job's status, progress and timings (a case job's also its units scored)",
        responses={
            200: ex.ok(
                JobOut,
                "status and progress, counted from the items; a case job's `case_progress` as GET /v1/cases/{id} shows it",
                ex.example("job", "one item done, one failed"),
                ex.example("job_case", "a case job: 40 of 60 units scored"),
            ),
            **JOB_ERRORS,
        },
        opt={"roles": READERS},
    )
    def get_job(
        self, job_id: ResourceId, principal: NamedDependency[Principal], batch_jobs: NamedDependency[BatchJobs]
    ) -> JobOut:
        """Status queued|running|done|failed|dead_lettered and progress {done, failed, dead_lettered, total, ...},
        counted from the items. `dead_lettered`: nothing is pending and some items ran out of retries (they count in
        `failed` too); the job is finished for now, and an admin's requeue sets it running again. A case job (POST
        /v1/cases answered 202; its id is the case id) also shows `case_progress` {fase, unidades_avaliadas,
        unidades_total} once its first units are scored, as GET /v1/cases/{id} shows it (`progresso`); null otherwise."""
        return _job_out(batch_jobs.progress(principal.tenant_id, job_id))

    @get(
        "/jobs/{job_id:str}/results",
        operation_id="getJobResults",
        summary="A page of a batch job's item results",
        responses={
            200: ex.ok(
                ResultsOut,
                "items in index order; `next_cursor` is null on the last page",
                ex.example("job_results", "a failed item and an INDEFERIDO"),
            ),
            **JOB_ERRORS,
        },
        opt={"roles": READERS},
    )
    def get_results(
        self,
        job_id: ResourceId,
        principal: NamedDependency[Principal],
        batch_jobs: NamedDependency[BatchJobs],
        cursor: Annotated[str | None, QueryParameter(required=False)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 100,
    ) -> ResultsOut:
        """Items in index order, each with its result or error; pass next_cursor for the next page."""
        page = batch_jobs.results_page(principal.tenant_id, job_id, _cursor(cursor), limit)
        next_cursor = None if page.next_cursor is None else str(page.next_cursor)
        return ResultsOut(job_id, [_item_out(item) for item in page.items], next_cursor)
