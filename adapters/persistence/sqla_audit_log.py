"""The append-only, hash-chained audit trail, in SQL.

Each tenant's chain has a head row (audit_chain_heads) that `append` locks for the rest
of the caller's transaction, so concurrent appends for one tenant get consecutive seqs
and each links to the one before it. The database refuses UPDATE/DELETE on audit_events
(triggers created by the migration); the hash chain makes any bypass evident.
"""

from __future__ import annotations

import dataclasses

from sqlalchemy import Insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from adapters.persistence.sqla_models import AuditChainHeadRow, AuditEventRow
from core.domain.audit import GENESIS_HASH, event_hash
from core.domain.records import AuditEvent


class SqlaAuditLog:
    def __init__(self, session: Session) -> None:
        self._session = session

    def append(self, event: AuditEvent) -> AuditEvent:
        """Chain and insert the event in the caller's transaction; returns it with seq and hashes.

        The tenant's head stays locked until that transaction ends: keep it short.
        """
        last_seq, last_hash = self._lock_head(event.tenant_id)
        seq = last_seq + 1
        prev_hash = last_hash or GENESIS_HASH
        chained = dataclasses.replace(event, seq=seq, prev_hash=prev_hash, hash=event_hash(event, seq, prev_hash))
        self._session.add(
            AuditEventRow(
                tenant_id=chained.tenant_id,
                seq=seq,
                event_type=chained.event_type,
                payload=chained.payload,
                created_at=chained.created_at,
                prev_hash=prev_hash,
                hash=chained.hash,
            )
        )
        self._session.execute(
            update(AuditChainHeadRow)
            .where(AuditChainHeadRow.tenant_id == event.tenant_id)
            .values(last_seq=seq, last_hash=chained.hash)
            .execution_options(synchronize_session=False)
        )
        self._session.flush()
        return chained

    def list(self, tenant_id: str, limit: int = 100, after_seq: int = 0) -> list[AuditEvent]:
        """Events of one tenant with seq > after_seq, in chain order."""
        rows = self._session.scalars(
            select(AuditEventRow)
            .where(AuditEventRow.tenant_id == tenant_id, AuditEventRow.seq > after_seq)
            .order_by(AuditEventRow.seq)
            .limit(limit)
        )
        return [_to_record(row) for row in rows]

    def _lock_head(self, tenant_id: str) -> tuple[int, str]:
        """Create the head if missing (a concurrent creator wins silently), then lock and read it.

        PostgreSQL: ON CONFLICT DO NOTHING waits for a concurrent inserter, then FOR UPDATE
        waits for the current holder and reads its committed values. SQLite: the
        transaction already holds the database write lock (BEGIN IMMEDIATE).
        """
        self._session.execute(_insert_head_if_missing(self._session, tenant_id))
        row = self._session.execute(
            select(AuditChainHeadRow.last_seq, AuditChainHeadRow.last_hash)
            .where(AuditChainHeadRow.tenant_id == tenant_id)
            .with_for_update()
        ).one()
        return int(row.last_seq), str(row.last_hash)


def _insert_head_if_missing(session: Session, tenant_id: str) -> Insert:
    values = {"tenant_id": tenant_id, "last_seq": 0, "last_hash": GENESIS_HASH}
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(AuditChainHeadRow).values(values).on_conflict_do_nothing()
    if dialect == "sqlite":
        return sqlite.insert(AuditChainHeadRow).values(values).on_conflict_do_nothing()
    raise NotImplementedError(f"audit log on {dialect!r}")


def _to_record(row: AuditEventRow) -> AuditEvent:
    return AuditEvent(
        tenant_id=row.tenant_id,
        event_type=row.event_type,
        payload=row.payload,
        created_at=row.created_at,
        seq=row.seq,
        prev_hash=row.prev_hash,
        hash=row.hash,
    )
