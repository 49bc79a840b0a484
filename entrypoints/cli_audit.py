"""`equivalence audit verify|list`: check the audit hash chains, read a tenant's trail.

`audit verify` exit codes: 0 every chain verified intact; 3 a problem was found in at least
one chain (altered, deleted or reordered events, or a head mismatch: the output names the
tenant, seq and kind); 1 the database could not be read; 2 bad usage or configuration.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from typing import Any

from core.domain.audit_verify import ChainReport
from core.domain.records import AuditEvent
from core.usecases.audit import MAX_PAGE, AuditQuery
from entrypoints.cli_running import container_on_current_schema, tenant_known
from entrypoints.settings import Settings

TAMPERED = 3


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("audit", help="verify the audit hash chains or list a tenant's audit events")
    commands = parser.add_subparsers(dest="audit_command", required=True)

    verify = commands.add_parser(
        "verify",
        help="recompute every tenant's hash chain (or one); exit 3 if anything was altered, deleted or reordered",
    )
    verify.add_argument("--tenant", default=None, help="only this tenant (default: every tenant with audit events)")
    verify.add_argument("--json", action="store_true", help="one JSON report per tenant (JSON lines)")
    verify.set_defaults(func=cmd_verify)

    lst = commands.add_parser("list", help="a tenant's audit events in seq order, as JSON lines")
    lst.add_argument("--tenant", required=True)
    lst.add_argument("--after", type=_non_negative, default=0, metavar="SEQ", help="only events after this seq")
    lst.add_argument("--limit", type=_positive, default=100, metavar="N", help="at most N events (default 100)")
    lst.add_argument("--type", dest="event_type", default=None, help="only events of this type (e.g. evaluation)")
    lst.set_defaults(func=cmd_list)


def cmd_verify(args: argparse.Namespace, settings: Settings) -> int:
    container = container_on_current_schema(settings)
    intact, checked = True, 0
    try:
        trail = container.use_cases.audit_trail()
        container.adapters.audit_sequencer().flush()  # chain every event committed so far (ADR 0022)
        now = container.adapters.clock().now()
        if args.tenant:  # a tenant id with events is verified whatever the tenants table says; one without must exist
            report = trail.verify(args.tenant, now=now)
            if report.ok and not report.events_checked and not tenant_known(container, args.tenant):
                return 1
        reports = [report] if args.tenant else trail.verify_all(now=now)
        for report in reports:
            checked += 1
            intact = intact and report.ok
            print(json.dumps(report_to_dict(report)) if args.json else _summary(report), flush=True)
    finally:
        container.adapters.engine().dispose()
    if not args.json:
        verdict = "intact" if intact else "TAMPERED: see the problems above"
        print(f"{checked} audit chain{'s' if checked != 1 else ''} checked: {verdict}", file=sys.stderr)
    return 0 if intact else TAMPERED


def cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    container = container_on_current_schema(settings)
    after, left = args.after, args.limit
    try:
        trail = container.use_cases.audit_trail()
        while left > 0:
            query = AuditQuery(after_seq=after, limit=min(left, MAX_PAGE), event_type=args.event_type)
            page = trail.events(args.tenant, query)
            if not page.events and after == args.after and not tenant_known(container, args.tenant):
                return 1
            for event in page.events:
                print(json.dumps(event_to_dict(event), ensure_ascii=False))
            left -= len(page.events)
            if page.next_after_seq is None:
                break
            after = page.next_after_seq
    finally:
        container.adapters.engine().dispose()
    return 0


def report_to_dict(report: ChainReport) -> dict[str, Any]:
    head = report.head
    return {
        "tenant_id": report.tenant_id,
        "ok": report.ok,
        "events_checked": report.events_checked,
        "last_seq": report.last_seq,
        "head": None if head is None else {"last_seq": head.last_seq, "last_hash": head.last_hash},
        "problems": [{"seq": p.seq, "kind": p.kind, "detail": p.detail} for p in report.problems],
        "more_problems": report.more_problems,
        "pending": report.pending,
        "oldest_pending_s": report.oldest_pending_s,
    }


def event_to_dict(event: AuditEvent) -> dict[str, Any]:
    return {
        "tenant_id": event.tenant_id,
        "seq": event.seq,
        "event_type": event.event_type,
        "payload": event.payload,
        "created_at": _utc(event.created_at).isoformat(),
        "prev_hash": event.prev_hash,
        "hash": event.hash,
    }


def _summary(report: ChainReport) -> str:
    if report.ok:
        waiting = f", {report.pending} pending" if report.pending else ""
        return f"tenant {report.tenant_id}: ok ({report.events_checked} events, last seq {report.last_seq}{waiting})"
    lines = [f"tenant {report.tenant_id}: TAMPERED ({report.events_checked} events checked)"]
    lines += [f"  seq {p.seq}: {p.kind}: {p.detail}" for p in report.problems]
    if report.more_problems:
        lines.append(f"  ... and {report.more_problems} more problems")
    return "\n".join(lines)


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.timezone.utc) if moment.tzinfo is None else moment.astimezone(dt.timezone.utc)


def _non_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value
