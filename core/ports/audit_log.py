from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Protocol

from core.domain.audit_verify import ChainHead, PendingEvents
from core.domain.records import AuditEvent


class AuditLog(Protocol):
    """Append-only audit trail, hash-chained per tenant."""

    def append(self, event: AuditEvent) -> AuditEvent:
        """Chain the event now, in the caller's transaction (it holds the tenant's chain head
        until commit): for rare events whose caller wants its seq and hash."""

    def record(self, event: AuditEvent) -> None:
        """Store the event in the caller's transaction without waiting on the chain head: it is
        chained after commit (ADR 0022; an adapter may chain it at once). The decision hot path."""

    def record_many(self, events: Sequence[AuditEvent]) -> None:
        """`record` for several events in one statement (a case's pair decisions), in order."""

    def pending(self, tenant_id: str) -> PendingEvents:
        """The tenant's events recorded but not chained yet."""

    def list_events(
        self,
        tenant_id: str,
        limit: int = 100,
        after_seq: int = 0,
        event_type: str | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
    ) -> list[AuditEvent]:
        """Up to `limit` events of the tenant with seq > after_seq, in seq order (a keyset page),
        optionally only of one type and created in [since, until)."""

    def head(self, tenant_id: str) -> ChainHead | None:
        """The chain head the last append left (None before the tenant's first event)."""

    def chain_tenants(self) -> list[str]:
        """Every tenant with a chain head or an audit event, sorted."""
