"""Audit events chained after commit (ADR 0022): exactly once, gap-free, crash-safe, verifiable.

PostgreSQL only: the embedded (SQLite) runtime chains `record`ed events inline.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from adapters.persistence.audit_sequencer import AuditSequencer, chain_tenant
from adapters.persistence.database import create_engine_for, session_factory
from adapters.persistence.sqla_unit_of_work import SqlaUnitOfWorkFactory
from core.domain.audit import GENESIS_HASH, event_hash
from core.domain.audit_verify import ALTERED, PENDING_STALE
from core.domain.records import AuditEvent
from core.usecases.audit import AuditTrail

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parents[2]
T0 = dt.datetime(2026, 3, 1, 12, 0, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def pg_engine(postgres_url: str) -> Iterator[Engine]:
    engine = create_engine_for(postgres_url)
    yield engine
    engine.dispose()


@pytest.fixture
def uows(pg_engine: Engine) -> SqlaUnitOfWorkFactory:
    return SqlaUnitOfWorkFactory(session_factory(pg_engine))


def _record(uows: SqlaUnitOfWorkFactory, tenant_id: str, n: int, at: dt.datetime = T0) -> None:
    with uows() as uow:
        uow.audit.record(AuditEvent(tenant_id, "evaluation", {"n": n, "decisao": "DEFERIDO"}, at + dt.timedelta(seconds=n)))
        uow.commit()


def _stored(engine: Engine, tenant_id: str) -> list[tuple[int, int, str, str]]:
    """(seq, n, prev_hash, hash) straight from the table: no chaining on read."""
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT seq, payload, prev_hash, hash FROM audit_events WHERE tenant_id = :t ORDER BY seq"),
            {"t": tenant_id},
        ).all()
    return [(row.seq, row.payload["n"], row.prev_hash, row.hash) for row in rows]


def _pending(engine: Engine, tenant_id: str) -> int:
    with engine.connect() as connection:
        query = text("SELECT count(*) FROM audit_pending WHERE tenant_id = :t")
        return int(connection.execute(query, {"t": tenant_id}).scalar_one())


def _assert_linked(rows: list[tuple[int, int, str, str]], count: int) -> None:
    assert [seq for seq, *_ in rows] == list(range(1, count + 1))
    prev = GENESIS_HASH
    for _seq, _n, prev_hash, link in rows:
        assert prev_hash == prev
        prev = link


def test_recorded_events_wait_pending_and_are_chained_once(
    pg_engine: Engine, uows: SqlaUnitOfWorkFactory, tenant_id: str
) -> None:
    for n in range(5):
        _record(uows, tenant_id, n)
    # The decision's transaction committed its event, and touched no chain head.
    assert _pending(pg_engine, tenant_id) == 5 and _stored(pg_engine, tenant_id) == []
    sequencer = AuditSequencer(pg_engine)
    assert sequencer.flush() >= 5
    rows = _stored(pg_engine, tenant_id)
    _assert_linked(rows, 5)
    assert [n for _seq, n, *_ in rows] == [0, 1, 2, 3, 4] and _pending(pg_engine, tenant_id) == 0
    assert sequencer.flush() == 0 or _stored(pg_engine, tenant_id) == rows  # nothing chained twice
    assert AuditTrail(uows).verify(tenant_id, now=T0).ok


def test_a_reader_chains_what_is_pending_first(uows: SqlaUnitOfWorkFactory, tenant_id: str) -> None:
    for n in range(3):
        _record(uows, tenant_id, n)
    with uows.reading() as uow:
        events = uow.audit.list_events(tenant_id)
    assert [e.seq for e in events] == [1, 2, 3]
    assert all(e.hash == event_hash(e, e.seq or 0, e.prev_hash or "") for e in events)


def test_concurrent_decisions_and_two_sequencers_give_consecutive_seqs(
    pg_engine: Engine, uows: SqlaUnitOfWorkFactory, tenant_id: str
) -> None:
    threads, per_thread = 10, 6
    barrier = threading.Barrier(threads + 2)
    done = threading.Event()
    errors: list[BaseException] = []

    def decide(offset: int) -> None:
        try:
            barrier.wait()
            for n in range(per_thread):
                _record(uows, tenant_id, offset * per_thread + n)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    def sequence() -> None:  # two "processes" chaining at once, as after a failover
        sequencer = AuditSequencer(pg_engine)
        try:
            barrier.wait()
            while not done.is_set():
                sequencer.run_once()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    deciders = [threading.Thread(target=decide, args=(i,)) for i in range(threads)]
    sequencers = [threading.Thread(target=sequence) for _ in range(2)]
    for thread in deciders + sequencers:
        thread.start()
    for thread in deciders:
        thread.join(timeout=120)
    done.set()
    for thread in sequencers:
        thread.join(timeout=120)
    AuditSequencer(pg_engine).flush()
    assert errors == []
    rows = _stored(pg_engine, tenant_id)
    _assert_linked(rows, threads * per_thread)
    assert sorted(n for _seq, n, *_ in rows) == list(range(threads * per_thread))  # each exactly once
    assert _pending(pg_engine, tenant_id) == 0


_CHAIN_THEN_HANG = """
import sys
from adapters.persistence.audit_sequencer import chain_tenant
from adapters.persistence.database import create_engine_for
engine = create_engine_for(sys.argv[1])
connection = engine.connect()
transaction = connection.begin()
print(chain_tenant(connection, sys.argv[2], wait=True), flush=True)
sys.stdin.read()  # killed here, before commit
"""


def test_a_sequencer_killed_mid_batch_leaves_its_events_pending(
    postgres_url: str, pg_engine: Engine, uows: SqlaUnitOfWorkFactory, tenant_id: str
) -> None:
    for n in range(4):
        _record(uows, tenant_id, n)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen(
        [sys.executable, "-c", _CHAIN_THEN_HANG, postgres_url, tenant_id],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT,
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "4"  # chained, not committed
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(timeout=60)
    # Its transaction died with it: every event is still pending, none was chained.
    assert _pending(pg_engine, tenant_id) == 4 and _stored(pg_engine, tenant_id) == []
    AuditSequencer(pg_engine).flush()
    _assert_linked(_stored(pg_engine, tenant_id), 4)
    assert _pending(pg_engine, tenant_id) == 0


def test_a_rolled_back_batch_chains_nothing(pg_engine: Engine, uows: SqlaUnitOfWorkFactory, tenant_id: str) -> None:
    for n in range(3):
        _record(uows, tenant_id, n)
    with pg_engine.connect() as connection:
        with connection.begin() as transaction:
            assert chain_tenant(connection, tenant_id, wait=True) == 3
            transaction.rollback()
    assert _pending(pg_engine, tenant_id) == 3 and _stored(pg_engine, tenant_id) == []


def test_an_event_altered_after_chaining_is_found(pg_engine: Engine, uows: SqlaUnitOfWorkFactory, tenant_id: str) -> None:
    for n in range(5):
        _record(uows, tenant_id, n)
    AuditSequencer(pg_engine).flush()
    with pg_engine.begin() as connection:
        connection.execute(text("ALTER TABLE audit_events DISABLE TRIGGER ALL"))
        connection.execute(
            text("UPDATE audit_events SET payload = '{\"n\": 2, \"decisao\": \"INDEFERIDO\"}' WHERE tenant_id = :t AND seq = 3"),
            {"t": tenant_id},
        )
        connection.execute(text("ALTER TABLE audit_events ENABLE TRIGGER ALL"))
    report = AuditTrail(uows).verify(tenant_id, now=T0)
    assert not report.ok and [(p.seq, p.kind) for p in report.problems] == [(3, ALTERED)]


def test_verify_reports_events_left_pending_past_the_bound(
    pg_engine: Engine, uows: SqlaUnitOfWorkFactory, tenant_id: str
) -> None:
    _record(uows, tenant_id, 0)
    AuditSequencer(pg_engine).flush()  # the head exists
    _record(uows, tenant_id, 1)
    # A stuck sequencer: it holds the tenant's head and never commits.
    with pg_engine.connect() as stuck:
        with stuck.begin():
            stuck.execute(text("SELECT 1 FROM audit_chain_heads WHERE tenant_id = :t FOR UPDATE"), {"t": tenant_id})
            late = T0 + dt.timedelta(minutes=5)
            report = AuditTrail(uows).verify(tenant_id, now=late)
    assert not report.ok and report.pending == 1
    assert [p.kind for p in report.problems] == [PENDING_STALE]
    fresh = AuditTrail(uows).verify(tenant_id, now=late)  # the lock is gone: the reader chains it
    assert fresh.ok and fresh.pending == 0 and fresh.last_seq == 2


def test_an_inline_append_chains_the_events_recorded_before_it_first(
    pg_engine: Engine, uows: SqlaUnitOfWorkFactory, tenant_id: str
) -> None:
    _record(uows, tenant_id, 0)  # a decision, not chained yet
    with uows() as uow:
        appended = uow.audit.append(AuditEvent(tenant_id, "review.claim", {"n": 1}, T0))
        uow.commit()
    assert appended.seq == 2
    assert [n for _seq, n, *_ in _stored(pg_engine, tenant_id)] == [0, 1]
