"""Chains pending audit events after their decisions commit (ADR 0022).

A decision's transaction inserts its audit event into `audit_pending` and takes no lock that
another decision waits on. Here, after commit, the events of one tenant are chained in
batches: lock the tenant's chain head, take (DELETE … RETURNING) its oldest pending rows,
compute seq, prev_hash and hash exactly as an inline append does (core/domain/audit.py),
insert them into `audit_events` and move the head, all in one transaction. So each event is
chained exactly once: a crash (or a rollback) anywhere leaves it pending, never lost and
never chained twice.

Who chains:
- `AuditSequencer`, a daemon thread in every web and worker process, every `interval` s.
  Background passes lock a head with SKIP LOCKED: while one process chains a tenant, the
  others skip it rather than queue behind it.
- a reader (`SqlaAuditLog.head/list_events`) chains its tenant first and waits for the head
  (`lock_timeout` bounded), so pages and `audit verify` see every committed event.
- `flush()` (`equivalence audit verify`) chains everything pending when it starts.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from sqlalchemy import Connection, Engine, Insert, delete, func, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError

from adapters.persistence.sqla_models import AuditChainHeadRow, AuditEventRow, AuditPendingRow
from core.domain.audit import GENESIS_HASH, event_hash
from core.domain.records import AuditEvent

_log = logging.getLogger(__name__)

BATCH = 500
_PENDING = AuditPendingRow.__table__
_EVENTS = AuditEventRow.__table__
_HEADS = AuditChainHeadRow.__table__
_INSERT_EVENTS = insert(_EVENTS)
_PENDING_TENANTS = select(_PENDING.c.tenant_id).distinct().limit(1000)


def chain_tenant(connection: Connection, tenant_id: str, wait: bool, limit: int = BATCH) -> int:
    """Chain up to `limit` of the tenant's pending events in the connection's transaction.

    Returns how many were chained: 0 when none are pending, or (wait=False) when another
    transaction holds the tenant's head. The caller commits.
    """
    connection.execute(insert_head_if_missing(connection.dialect.name, tenant_id))
    lock = select(_HEADS.c.last_seq, _HEADS.c.last_hash).where(_HEADS.c.tenant_id == tenant_id)
    head = connection.execute(lock.with_for_update(skip_locked=not wait)).first()
    if head is None:
        return 0
    # Taken after the head lock: a chainer that held it before us has committed, so the rows it
    # moved are gone from this statement's snapshot (READ COMMITTED).
    oldest = (
        select(_PENDING.c.pending_id)
        .where(_PENDING.c.tenant_id == tenant_id)
        .order_by(_PENDING.c.pending_id)
        .limit(limit)
    )
    taken = connection.execute(
        delete(_PENDING)
        .where(_PENDING.c.pending_id.in_(oldest.scalar_subquery()))
        .returning(
            _PENDING.c.pending_id, _PENDING.c.event_type, _PENDING.c.payload, _PENDING.c.created_at
        )
    ).all()
    if not taken:
        return 0
    seq, prev_hash = int(head.last_seq), str(head.last_hash)
    rows: list[dict[str, Any]] = []
    for row in sorted(taken, key=lambda r: r.pending_id):
        seq += 1
        event = AuditEvent(tenant_id, row.event_type, row.payload, row.created_at)
        link = event_hash(event, seq, prev_hash)
        rows.append(
            {
                "tenant_id": tenant_id,
                "seq": seq,
                "event_type": row.event_type,
                "payload": row.payload,
                "created_at": row.created_at,
                "prev_hash": prev_hash,
                "hash": link,
            }
        )
        prev_hash = link
    connection.execute(_INSERT_EVENTS, rows)
    connection.execute(
        update(_HEADS).where(_HEADS.c.tenant_id == tenant_id).values(last_seq=seq, last_hash=prev_hash)
    )
    return len(rows)


def chain_tenant_now(engine: Engine, tenant_id: str, lock_timeout_ms: int = 2000) -> int:
    """Chain every pending event of one tenant, waiting for its head at most `lock_timeout_ms`
    per batch. A database error is logged and ends the attempt: readers still read, and
    `audit verify` reports what stayed pending."""
    chained = 0
    try:
        while True:
            with engine.begin() as connection:
                if connection.dialect.name == "postgresql":
                    connection.execute(text(f"SET LOCAL lock_timeout = {int(lock_timeout_ms)}"))
                done = chain_tenant(connection, tenant_id, wait=True)
            chained += done
            if done < BATCH:
                return chained
    except DBAPIError as exc:
        _log.warning("could not chain the pending audit events of %s: %s", tenant_id, type(exc.orig).__name__)
        return chained


def insert_head_if_missing(dialect: str, tenant_id: str) -> Insert:
    """Create a tenant's chain head at genesis unless it exists (a concurrent creator wins silently)."""
    values = {"tenant_id": tenant_id, "last_seq": 0, "last_hash": GENESIS_HASH}
    if dialect == "postgresql":
        return postgresql.insert(_HEADS).values(values).on_conflict_do_nothing()
    if dialect == "sqlite":
        return sqlite.insert(_HEADS).values(values).on_conflict_do_nothing()
    raise NotImplementedError(f"audit log on {dialect!r}")


def has_pending(connection: Connection, tenant_id: str) -> bool:
    query = select(_PENDING.c.pending_id).where(_PENDING.c.tenant_id == tenant_id).limit(1)
    return connection.execute(query).first() is not None


class AuditSequencer:
    """Chains the pending audit events of every tenant, in a daemon thread or on demand."""

    def __init__(self, engine: Engine, interval: float = 0.1) -> None:
        self._engine = engine
        self._interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.chained = 0  # events this process chained (for tests and logs)
        self.failures = 0

    def run_once(self, wait: bool = False) -> int:
        """One pass over the tenants with pending events; returns how many events it chained."""
        with self._engine.connect() as connection:
            tenants = list(connection.execute(_PENDING_TENANTS).scalars())
        chained = 0
        for tenant_id in tenants:
            while True:
                with self._engine.begin() as connection:
                    done = chain_tenant(connection, tenant_id, wait)
                chained += done
                if done < BATCH:
                    break
        self.chained += chained
        return chained

    def flush(self, max_rounds: int = 1000) -> int:
        """Chain everything pending now, waiting for heads other processes hold; the total."""
        total = 0
        for _ in range(max_rounds):
            done = self.run_once(wait=True)
            total += done
            if done == 0:
                break
        return total

    def pending_count(self) -> int:
        with self._engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(_PENDING)).scalar_one())

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="audit-sequencer", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread, then chain what this process left pending (best effort)."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stop.set()
        thread.join(timeout=10)
        try:
            self.run_once()
        except DBAPIError as exc:
            _log.warning("audit sequencer: last pass failed at shutdown: %s", type(exc.orig).__name__)

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self.run_once()
            except Exception as exc:  # noqa: BLE001 - the next pass retries; verify reports lag
                self.failures += 1
                _log.warning("audit sequencer pass failed: %s", type(exc).__name__)
