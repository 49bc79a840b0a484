"""Verifying a tenant's audit chain: recompute every link and say where it breaks, and how.

The walk is a stream (one event at a time, in stored seq order) so a chain of millions of
events is checked in constant memory; only the problems found are kept (at most
`MAX_PROBLEMS`). A single tampering is reported once, at the seq it touched:

- `altered`: the event's content (type, payload, time, tenant, prev_hash or hash) no longer
  gives its stored hash.
- `deleted`: seqs are missing between two events (or before the first one).
- `reordered`: the event's hash verifies at another seq than the one it is stored at (seqs
  were swapped or renumbered).
- `relinked`: the event is intact but does not link to the event before it, which is intact
  too: that one was replaced by a forged, self-consistent event (or one was inserted).
- `head_mismatch`: the chain head (kept by every append) names another last seq or hash than
  the last stored event: the tail was deleted, or events were added behind the head's back.
- `pending_stale`: events committed with their decisions are still waiting to be chained
  (ADR 0022) longer than the bound: the audit sequencer is stuck, not a tampering.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace

from core.domain.audit import GENESIS_HASH, event_hash
from core.domain.records import AuditEvent

MAX_PROBLEMS = 100

ALTERED = "altered"
DELETED = "deleted"
REORDERED = "reordered"
RELINKED = "relinked"
HEAD_MISMATCH = "head_mismatch"
PENDING_STALE = "pending_stale"
PENDING_BOUND = dt.timedelta(seconds=60)


@dataclass(frozen=True, slots=True)
class ChainHead:
    """What the audit log recorded as a tenant's last event when it last appended."""

    last_seq: int
    last_hash: str


@dataclass(frozen=True, slots=True)
class PendingEvents:
    """A tenant's audit events committed but not chained yet (ADR 0022), and the oldest one's time."""

    count: int
    oldest: dt.datetime | None


@dataclass(frozen=True, slots=True)
class ChainProblem:
    seq: int
    kind: str
    detail: str


@dataclass(frozen=True, slots=True)
class ChainReport:
    """`ok` when every event verifies and the head matches; `problems` lists the first
    MAX_PROBLEMS found in seq order, `more_problems` counts the rest."""

    tenant_id: str
    ok: bool
    events_checked: int
    problems: tuple[ChainProblem, ...]
    head: ChainHead | None
    last_seq: int
    more_problems: int = 0
    pending: int = 0  # events not chained yet when the walk ended (ADR 0022)
    oldest_pending_s: float | None = None  # how long the oldest of them has waited


def with_pending(
    report: ChainReport, pending: PendingEvents, now: dt.datetime, bound: dt.timedelta = PENDING_BOUND
) -> ChainReport:
    """Add what is still waiting to be chained; waiting longer than `bound` is a problem (the
    sequencer is stuck), so a chain is `ok` only if it verifies and nothing is left behind."""
    if pending.count == 0 or pending.oldest is None:
        return report
    waited = now - pending.oldest
    report = replace(report, pending=pending.count, oldest_pending_s=round(waited.total_seconds(), 3))
    if waited <= bound:
        return report
    problem = ChainProblem(
        report.last_seq + 1,
        PENDING_STALE,
        f"{pending.count} audit event(s) not chained yet, the oldest for {waited.total_seconds():.0f} s "
        f"(bound {bound.total_seconds():.0f} s): the audit sequencer is stuck (see docs/runbook.md)",
    )
    return replace(report, ok=False, problems=(*report.problems, problem))


@dataclass(slots=True)
class _Seen:
    """The previous event as the walk needs it: its seq, stored and recomputed hashes."""

    seq: int
    stored: str
    recomputed: str
    flagged: bool

    def links_to(self, prev_hash: str | None) -> bool:
        # An event whose own `hash` field was edited still has its true hash recomputed.
        return prev_hash in (self.stored, self.recomputed)


class ChainVerifier:
    """Feed a tenant's events in seq order with `add`, then call `finish` with the chain head."""

    def __init__(self, tenant_id: str) -> None:
        self.tenant_id = tenant_id
        self.events_checked = 0
        self._prev = _Seen(0, GENESIS_HASH, GENESIS_HASH, flagged=False)
        self._problems: list[ChainProblem] = []
        self._mismatched: dict[int, AuditEvent] = {}  # altered events, kept to find a moved one's seq
        self._more = 0

    def add(self, event: AuditEvent) -> None:
        seq = event.seq if event.seq is not None else -1
        self.events_checked += 1
        recomputed = event_hash(event, seq, event.prev_hash or "")
        intact = recomputed == event.hash
        prev = self._prev
        if seq <= prev.seq:  # never from the database (seq order, unique); kept out of the walk
            self._report(seq, REORDERED, f"comes after seq {prev.seq}: seqs are not strictly increasing")
            return
        if seq > prev.seq + 1:
            self._report(prev.seq + 1, DELETED, _missing(prev.seq + 1, seq - 1, seq))
        flagged = not intact
        if not intact:
            self._report(seq, ALTERED, _altered_detail(event, prev, seq))
            if len(self._mismatched) < MAX_PROBLEMS:
                self._mismatched[seq] = event
        elif seq == prev.seq + 1 and not prev.flagged and not prev.links_to(event.prev_hash):
            self._report(seq, RELINKED, _relinked_detail(prev.seq, seq))
            flagged = True
        self._prev = _Seen(seq, event.hash or "", recomputed, flagged)

    def finish(self, head: ChainHead | None) -> ChainReport:
        """Compare the last event with the chain head, then name moved events' original seqs."""
        last = self._prev
        if head is None and self.events_checked:
            self._report(last.seq, HEAD_MISMATCH, "events exist but the chain head row is missing")
        elif head is not None and head.last_seq > last.seq:
            self._report(
                last.seq + 1,
                HEAD_MISMATCH,
                f"the chain head records seq {head.last_seq} but the last event is seq {last.seq}: "
                + _span(last.seq + 1, head.last_seq) + " deleted from the end",
            )
        elif head is not None and head.last_seq < last.seq:
            self._report(
                head.last_seq + 1,
                HEAD_MISMATCH,
                f"the chain head records seq {head.last_seq} but events go on to seq {last.seq}: "
                "events were added without the audit log, or the head was reset",
            )
        elif head is not None and not last.flagged and not last.links_to(head.last_hash):
            self._report(
                last.seq,
                HEAD_MISMATCH,
                f"the chain head's hash differs from seq {last.seq}'s: the last event was replaced",
            )
        problems = self._explain_moves(head)
        return ChainReport(
            tenant_id=self.tenant_id,
            ok=not problems and not self._more,
            events_checked=self.events_checked,
            problems=tuple(sorted(problems, key=lambda p: p.seq)),
            head=head,
            last_seq=last.seq,
            more_problems=self._more,
        )

    def _report(self, seq: int, kind: str, detail: str) -> None:
        if len(self._problems) < MAX_PROBLEMS:
            self._problems.append(ChainProblem(seq, kind, detail))
        else:
            self._more += 1

    def _explain_moves(self, head: ChainHead | None) -> list[ChainProblem]:
        """An altered event whose hash verifies at another problem seq was moved, not edited.

        When seqs are swapped or renumbered, every moved event's true seq is one where a
        problem was found too (or the head's), so only those are tried."""
        candidates = sorted({p.seq for p in self._problems} | ({head.last_seq} if head else set()))
        explained = []
        for problem in self._problems:
            event = self._mismatched.get(problem.seq) if problem.kind == ALTERED else None
            original = None if event is None else _seq_it_verifies_at(event, problem.seq, candidates)
            if original is None:
                explained.append(problem)
            else:
                detail = f"stored as seq {problem.seq} but its hash verifies as seq {original}: events were reordered"
                explained.append(ChainProblem(problem.seq, REORDERED, detail))
        return explained


def verify_chain(tenant_id: str, events: Iterable[AuditEvent], head: ChainHead | None) -> ChainReport:
    """Walk one tenant's events (in stored seq order) and compare the last with the head."""
    verifier = ChainVerifier(tenant_id)
    for event in events:
        verifier.add(event)
    return verifier.finish(head)


def _seq_it_verifies_at(event: AuditEvent, stored_seq: int, candidates: list[int]) -> int | None:
    for seq in candidates:
        if seq != stored_seq and event_hash(event, seq, event.prev_hash or "") == event.hash:
            return seq
    return None


def _span(first: int, last: int) -> str:
    return f"seq {first}" if first == last else f"seqs {first}..{last}"


def _missing(first: int, last: int, next_seq: int) -> str:
    return f"{_span(first, last)} missing: seq {next_seq} follows seq {first - 1}"


def _altered_detail(event: AuditEvent, prev: _Seen, seq: int) -> str:
    detail = "content does not match its hash (event_type, payload, created_at, tenant or hashes changed)"
    if seq == prev.seq + 1 and not prev.links_to(event.prev_hash):
        detail += f"; its prev_hash does not link to seq {prev.seq} either"
    return detail


def _relinked_detail(prev_seq: int, seq: int) -> str:
    return (
        f"prev_hash does not match seq {prev_seq}'s hash although both verify on their own: "
        f"seq {prev_seq} was replaced by a forged event (or one was inserted)"
    )
