"""The fake audit log: a per-tenant hash chain, as the SQL log keeps it."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
import datetime as dt
from typing import TYPE_CHECKING

from core.domain.audit import GENESIS_HASH, event_hash
from core.domain.audit_verify import ChainHead, PendingEvents
from core.domain.records import (
    AuditEvent,
)
from tests.fakes._staged import _Staged

if TYPE_CHECKING:
    from tests.fakes.unit_of_work import FakeStore


class FakeAuditLog(_Staged):
    """Per-tenant hash chain: seq and hashes are assigned on append from the chain head, as
    the SQL log does (tests tamper with `FakeStore.audit` / `audit_heads` directly).

    The SQL log locks the chain head until commit; here a concurrent append is a commit error.
    """

    conflict = RuntimeError

    def __init__(self, store: FakeStore) -> None:
        super().__init__(store.audit)
        self._heads = _Staged(store.audit_heads)
        self._pending = store.audit_pending

    def record(self, event: AuditEvent) -> None:
        """Chained at once, as the embedded (SQLite) runtime does."""
        self.append(event)

    def record_many(self, events: Sequence[AuditEvent]) -> None:
        for event in events:
            self.append(event)

    def pending(self, tenant_id: str) -> PendingEvents:
        return self._pending.get(tenant_id, PendingEvents(0, None))

    def append(self, event: AuditEvent) -> AuditEvent:
        head = self.head(event.tenant_id) or ChainHead(0, GENESIS_HASH)
        seq, prev_hash = head.last_seq + 1, head.last_hash
        link = event_hash(event, seq, prev_hash)
        chained = dataclasses.replace(event, seq=seq, prev_hash=prev_hash, hash=link)
        self._staged[(event.tenant_id, seq)] = chained
        self._heads._staged[event.tenant_id] = ChainHead(seq, link)
        return chained

    def list_events(
        self,
        tenant_id: str,
        limit: int = 100,
        after_seq: int = 0,
        event_type: str | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
    ) -> list[AuditEvent]:
        events = [
            e
            for (t, seq), e in self._rows().items()
            if t == tenant_id
            and seq > after_seq
            and event_type in (None, e.event_type)
            and (since is None or e.created_at >= since)
            and (until is None or e.created_at < until)
        ]
        return sorted(events, key=lambda e: e.seq)[:limit]

    def head(self, tenant_id: str) -> ChainHead | None:
        return self._heads._get(tenant_id)

    def chain_tenants(self) -> list[str]:
        return sorted({t for (t, _seq) in self._rows()} | set(self._heads._rows()))

    def publish(self) -> None:
        super().publish()
        self._heads.publish()

    def discard(self) -> None:
        super().discard()
        self._heads.discard()


