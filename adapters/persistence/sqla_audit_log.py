"""The append-only, hash-chained audit trail, in SQL.

Each tenant's chain has a head row (audit_chain_heads) that `append` locks for the rest
of the caller's transaction, so concurrent appends for one tenant get consecutive seqs
and each links to the one before it. The database refuses UPDATE/DELETE on audit_events
(triggers created by the migration); the hash chain makes any bypass evident.

`record` (the decision hot path, ADR 0022) takes no lock on PostgreSQL: the event goes to
audit_pending in the caller's transaction and `audit_sequencer.py` chains it after commit.
Readers chain their tenant's pending events first, so they see every committed event.
On SQLite (one process, writes serialized by BEGIN IMMEDIATE) `record` appends inline.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

from sqlalchemy import bindparam, func, insert, select, union, update
from sqlalchemy.orm import Session

from adapters.persistence.audit_sequencer import (
    BATCH,
    chain_tenant,
    chain_tenant_now,
    has_pending,
    insert_head_if_missing,
)
from adapters.persistence.sqla_models import AuditChainHeadRow, AuditEventRow, AuditPendingRow
from core.domain.audit import event_hash
from core.domain.audit_verify import ChainHead, PendingEvents
from core.domain.records import AuditEvent


# Core tables, not ORM entities: appends run under the tenant's chain lock, keep them cheap.
_EVENTS = AuditEventRow.__table__
_RECORD_FIELDS = tuple(field.name for field in dataclasses.fields(AuditEvent))  # columns in record order
_HEADS = AuditChainHeadRow.__table__
_INSERT_EVENT = insert(_EVENTS).values(
    {c: bindparam(c) for c in ("tenant_id", "seq", "event_type", "payload", "created_at", "prev_hash", "hash")}
)
_ADVANCE_HEAD = (
    update(_HEADS)
    .where(_HEADS.c.tenant_id == bindparam("t"))
    .values(last_seq=_HEADS.c.last_seq + 1)
    .returning(_HEADS.c.last_seq, _HEADS.c.last_hash)
)
# Core rows, not ORM objects: verification reads every event of a chain.
_SELECT_EVENTS = select(*(_EVENTS.c[name] for name in _RECORD_FIELDS))
_PENDING = AuditPendingRow.__table__
_INSERT_PENDING = insert(_PENDING).values({c: bindparam(c) for c in ("tenant_id", "event_type", "payload", "created_at")})
_PENDING_SUMMARY = select(func.count(), func.min(_PENDING.c.created_at)).where(_PENDING.c.tenant_id == bindparam("t"))
_SET_HEAD_HASH = update(_HEADS).where(_HEADS.c.tenant_id == bindparam("t")).values(last_hash=bindparam("h"))


class SqlaAuditLog:
    def __init__(self, session: Session) -> None:
        self._session = session

    def append(self, event: AuditEvent) -> AuditEvent:
        """Chain and insert the event in the caller's transaction; returns it with seq and hashes.

        The tenant's head stays locked until that transaction ends: keep it short. Three
        statements (Core, not ORM flushes), since the lock is held across all of them.
        """
        connection = self._session.connection()
        if connection.dialect.name == "postgresql":
            # Events recorded before this one (committed decisions) come first in the chain:
            # chain them under the head lock this append takes anyway (ADR 0022).
            while chain_tenant(connection, event.tenant_id, wait=True) == BATCH:
                pass
        seq, prev_hash = self._advance_head(event.tenant_id)
        chained = dataclasses.replace(event, seq=seq, prev_hash=prev_hash, hash=event_hash(event, seq, prev_hash))
        connection = self._session.connection()
        connection.execute(
            _INSERT_EVENT,
            {
                "tenant_id": chained.tenant_id,
                "seq": seq,
                "event_type": chained.event_type,
                "payload": chained.payload,
                "created_at": chained.created_at,
                "prev_hash": prev_hash,
                "hash": chained.hash,
            },
        )
        connection.execute(_SET_HEAD_HASH, {"t": event.tenant_id, "h": chained.hash})
        return chained

    def record(self, event: AuditEvent) -> None:
        """Store the event in the caller's transaction, to be chained after commit (PostgreSQL:
        one INSERT, no lock; SQLite: chained now, as `append`)."""
        connection = self._session.connection()
        if connection.dialect.name != "postgresql":
            self.append(event)
            return
        connection.execute(
            _INSERT_PENDING,
            {
                "tenant_id": event.tenant_id,
                "event_type": event.event_type,
                "payload": event.payload,
                "created_at": event.created_at,
            },
        )

    def record_many(self, events: Sequence[AuditEvent]) -> None:
        """`record` for several events: one executemany INSERT on PostgreSQL (chained after commit)."""
        if not events:
            return
        connection = self._session.connection()
        if connection.dialect.name != "postgresql":
            for event in events:
                self.append(event)
            return
        connection.execute(
            _INSERT_PENDING,
            [
                {"tenant_id": e.tenant_id, "event_type": e.event_type, "payload": e.payload, "created_at": e.created_at}
                for e in events
            ],
        )

    def pending(self, tenant_id: str) -> PendingEvents:
        row = self._session.connection().execute(_PENDING_SUMMARY, {"t": tenant_id}).one()
        return PendingEvents(int(row[0]), row[1])

    def list_events(
        self,
        tenant_id: str,
        limit: int = 100,
        after_seq: int = 0,
        event_type: str | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
    ) -> list[AuditEvent]:
        """Events of one tenant with seq > after_seq, in chain order: a keyset page over the
        (tenant_id, seq) unique index, so page N costs what page 1 does. Pending events of the
        tenant are chained first (ADR 0022)."""
        self._chain_pending(tenant_id)
        query = _SELECT_EVENTS.where(_EVENTS.c.tenant_id == tenant_id, _EVENTS.c.seq > after_seq)
        if event_type is not None:
            query = query.where(_EVENTS.c.event_type == event_type)
        if since is not None:
            query = query.where(_EVENTS.c.created_at >= since)
        if until is not None:
            query = query.where(_EVENTS.c.created_at < until)
        rows = self._session.execute(query.order_by(_EVENTS.c.seq).limit(limit))
        return [AuditEvent(*row) for row in rows]

    def head(self, tenant_id: str) -> ChainHead | None:
        self._chain_pending(tenant_id)
        query = select(_HEADS.c.last_seq, _HEADS.c.last_hash).where(_HEADS.c.tenant_id == tenant_id)
        row = self._session.execute(query).one_or_none()
        return None if row is None else ChainHead(int(row.last_seq), str(row.last_hash))

    def chain_tenants(self) -> list[str]:
        """Heads and events both, so a chain whose head row was deleted is still found."""
        query = union(select(_HEADS.c.tenant_id), select(_EVENTS.c.tenant_id), select(_PENDING.c.tenant_id))
        return sorted(self._session.scalars(query))

    def _chain_pending(self, tenant_id: str) -> None:
        """Chain the tenant's pending events (their own transaction) before reading the chain."""
        connection = self._session.connection()
        if connection.dialect.name == "postgresql" and has_pending(connection, tenant_id):
            chain_tenant_now(connection.engine, tenant_id)

    def _advance_head(self, tenant_id: str) -> tuple[int, str]:
        """Lock the tenant's head and take the next seq in one statement; returns (seq, prev_hash).

        UPDATE ... RETURNING waits for a concurrent holder and then sees its committed values
        (PostgreSQL row lock; SQLite: the transaction already holds the write lock). A tenant's
        first event creates the head (a concurrent creator wins silently) and tries again.
        """
        connection = self._session.connection()
        row = connection.execute(_ADVANCE_HEAD, {"t": tenant_id}).one_or_none()
        if row is None:
            connection.execute(insert_head_if_missing(connection.dialect.name, tenant_id))
            row = connection.execute(_ADVANCE_HEAD, {"t": tenant_id}).one()
        return int(row.last_seq), str(row.last_hash)
