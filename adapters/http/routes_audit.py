"""GET /admin/audit and GET /admin/audit/verify: the caller's tenant's audit trail (admin, auditor).

Verification answers 200 whenever it ran, with `ok: false` and the problems when the chain
was tampered with: the request succeeded, its finding is the answer (ADR 0009).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import msgspec
from litestar import Controller
from adapters.http.threaded import get
from litestar.di import NamedDependency
from litestar.exceptions import ValidationException
from litestar.params import QueryParameter

from adapters.http.error_table import AUTH, INVALID, responses
from core.domain.audit_verify import ChainReport
from core.domain.records import AuditEvent, Principal, Role
from core.usecases.audit import MAX_PAGE, AuditQuery, AuditTrail

AUDIT_READERS = (Role.ADMIN, Role.AUDITOR)
EVENT_TYPE_PATTERN = r"^[A-Za-z0-9_.:-]{1,100}$"  # dotted names: evaluation, key.created, ...


class AuditEventOut(msgspec.Struct):
    seq: int
    event_type: str
    payload: dict[str, Any]
    created_at: dt.datetime
    prev_hash: str
    hash: str


class AuditPageOut(msgspec.Struct):
    events: list[AuditEventOut]
    next_after_seq: int | None  # pass as after_seq for the next page; null on the last page


class ChainHeadOut(msgspec.Struct):
    last_seq: int
    last_hash: str


class ChainProblemOut(msgspec.Struct):
    seq: int
    kind: str  # altered | deleted | reordered | relinked | head_mismatch
    detail: str


class ChainReportOut(msgspec.Struct):
    tenant_id: str
    ok: bool
    events_checked: int
    last_seq: int
    head: ChainHeadOut | None
    problems: list[ChainProblemOut]
    more_problems: int


def _event_out(event: AuditEvent) -> AuditEventOut:
    return AuditEventOut(
        event.seq or 0, event.event_type, event.payload, event.created_at, event.prev_hash or "", event.hash or ""
    )


def _report_out(report: ChainReport) -> ChainReportOut:
    head = None if report.head is None else ChainHeadOut(report.head.last_seq, report.head.last_hash)
    problems = [ChainProblemOut(p.seq, p.kind, p.detail) for p in report.problems]
    return ChainReportOut(
        report.tenant_id, report.ok, report.events_checked, report.last_seq, head, problems, report.more_problems
    )


def _utc(moment: dt.datetime | None) -> dt.datetime | None:
    """A bound in UTC (naive means UTC); one beyond what UTC can hold (year 1 or 9999 with an
    offset) is no bound at all, so it becomes the smallest or largest datetime."""
    if moment is None or moment.tzinfo is None:
        return None if moment is None else moment.replace(tzinfo=dt.timezone.utc)
    try:
        return moment.astimezone(dt.timezone.utc)
    except OverflowError:
        edge = dt.datetime.min if (moment.utcoffset() or dt.timedelta()) > dt.timedelta() else dt.datetime.max  # noqa: DTZ901 - made UTC below
        return edge.replace(tzinfo=dt.timezone.utc)


def _iso(name: str, value: str | None) -> dt.datetime | None:
    """An ISO 8601 date-time, strictly (Litestar would also take `0.5` as a Unix timestamp)."""
    if value is None:
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValidationException(
            detail="Validation failed",
            extra=[{"field": name, "message": "expected an ISO 8601 date-time, e.g. 2026-01-31T12:00:00Z", "source": "query"}],
        ) from None


class AuditController(Controller):
    path = "/admin/audit"
    tags = ["audit"]
    opt = {"roles": AUDIT_READERS}

    @get(
        "",
        operation_id="listAuditEvents",
        summary="A page of the tenant's audit events, in chain order",
        responses=responses(AUTH, INVALID),
    )
    def list_events(
        self,
        principal: NamedDependency[Principal],
        audit_trail: NamedDependency[AuditTrail],
        after_seq: Annotated[int, QueryParameter(ge=0, le=2**62)] = 0,
        limit: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)] = 100,
        event_type: Annotated[str | None, QueryParameter(required=False, pattern=EVENT_TYPE_PATTERN)] = None,
        since: Annotated[str | None, QueryParameter(required=False, format="date-time")] = None,
        until: Annotated[str | None, QueryParameter(required=False, format="date-time")] = None,
    ) -> AuditPageOut:
        """Events with seq > after_seq (optionally one event_type, created in [since, until));
        pass next_after_seq as after_seq for the next page."""
        query = AuditQuery(after_seq, limit, event_type, _utc(_iso("since", since)), _utc(_iso("until", until)))
        page = audit_trail.events(principal.tenant_id, query)
        return AuditPageOut([_event_out(e) for e in page.events], page.next_after_seq)

    @get(
        "/verify",
        operation_id="verifyAuditChain",
        summary="Recompute the tenant's audit hash chain and report any tampering",
        responses=responses(AUTH),
    )
    def verify(
        self, principal: NamedDependency[Principal], audit_trail: NamedDependency[AuditTrail]
    ) -> ChainReportOut:
        """200 with ok=true when intact; 200 with ok=false and each problem's seq and kind
        (altered, deleted, reordered, relinked, head_mismatch) when not."""
        return _report_out(audit_trail.verify(principal.tenant_id))
