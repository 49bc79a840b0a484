"""The audit trail, read and verified: keyset pages of a tenant's events, and chain checks.

Both read through short read-only units of work, one per page: a verification of millions
of events holds no transaction (nor, on SQLite, the write lock) for longer than one page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from core.domain.audit_verify import PENDING_BOUND, ChainReport, ChainVerifier, with_pending
from core.domain.records import AuditEvent
from core.ports.unit_of_work import UnitOfWorkFactory

MAX_PAGE = 500
VERIFY_PAGE = 1000
_CATCH_UP_ROUNDS = 5


@dataclass(frozen=True, slots=True)
class AuditQuery:
    """A page request: events with seq > after_seq, optionally of one type, created in [since, until)."""

    after_seq: int = 0
    limit: int = 100
    event_type: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class AuditPage:
    events: list[AuditEvent]
    next_after_seq: int | None  # pass as after_seq for the next page; None when this one is the last


class AuditTrail:
    """Reading and verifying audit chains; the tenant always given (ADR 0023)."""

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uows = uow_factory

    def events(self, tenant_id: str, query: AuditQuery) -> AuditPage:
        """One page of the tenant's events in seq order (1 ≤ limit ≤ MAX_PAGE)."""
        if not 1 <= query.limit <= MAX_PAGE:
            raise ValueError(f"limit must be between 1 and {MAX_PAGE}")
        with self._uows.reading() as uow:
            events = uow.audit.list_events(
                tenant_id, query.limit, max(query.after_seq, 0), query.event_type, query.since, query.until
            )
        full = len(events) == query.limit
        return AuditPage(events, events[-1].seq if full and events else None)

    def verify(self, tenant_id: str, page_size: int = VERIFY_PAGE, now: dt.datetime | None = None) -> ChainReport:
        """With `now`, events still pending longer than the bound are reported (ADR 0022)."""
        return _verify_chain(self._uows, tenant_id, page_size, now)

    def audited_tenants(self) -> list[str]:
        """Operators only (the CLI): every tenant that has an audit chain (a head or at least one event)."""
        with self._uows.reading() as uow:
            return uow.audit.chain_tenants()

    def verify_all(self, page_size: int = VERIFY_PAGE, now: dt.datetime | None = None) -> Iterator[ChainReport]:
        """Operators only (the CLI): one report per audited tenant, produced as each chain is walked."""
        for tenant_id in self.audited_tenants():
            yield self.verify(tenant_id, page_size, now)


def _verify_chain(
    uow_factory: UnitOfWorkFactory,
    tenant_id: str,
    page_size: int = VERIFY_PAGE,
    now: dt.datetime | None = None,
    pending_bound: dt.timedelta = PENDING_BOUND,
) -> ChainReport:
    """Walk the tenant's whole chain page by page and compare its end with the chain head.

    Reading the head chains the tenant's pending events first (ADR 0022); with `now`, events
    still pending after the walk are reported, and a problem when older than `pending_bound`.

    Each round reads the head first, then the next page: an append commits its event and the
    head together, so every event the head counts is in pages read after it. A chain still
    growing while it is walked is chased (a few rounds) rather than reported as tampered.
    """
    verifier = ChainVerifier(tenant_id)
    after, rounds = 0, 0
    while True:
        with uow_factory.reading() as uow:
            head = uow.audit.head(tenant_id)
            events = uow.audit.list_events(tenant_id, limit=page_size, after_seq=after)
        for event in events:
            verifier.add(event)
            after = event.seq if event.seq is not None else after
        if len(events) == page_size:
            continue
        appended_meanwhile = head is not None and after > head.last_seq
        if not appended_meanwhile or rounds >= _CATCH_UP_ROUNDS:
            report = verifier.finish(head)
            if now is None:
                return report
            with uow_factory.reading() as uow:
                return with_pending(report, uow.audit.pending(tenant_id), now, pending_bound)
        rounds += 1
