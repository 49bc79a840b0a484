"""Audit use cases over the fakes: keyset pages with filters, paged verification, all tenants."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from core.domain.audit_verify import PENDING_STALE, ChainHead, PendingEvents
from core.domain.records import AuditEvent
from core.usecases.audit import AuditQuery, AuditTrail
from tests.fakes import FakeAuditLog, FakeUnitOfWorkFactory

T0 = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.timezone.utc)


def appended(uows: FakeUnitOfWorkFactory, tenant_id: str, count: int, event_type: str = "evaluation") -> None:
    for n in range(count):
        with uows() as uow:
            at = T0 + dt.timedelta(minutes=len(uow.audit.list_events(tenant_id, limit=10**6)))
            uow.audit.append(AuditEvent(tenant_id, event_type, {"n": n}, at))
            uow.commit()


@pytest.fixture
def uows() -> FakeUnitOfWorkFactory:
    factory = FakeUnitOfWorkFactory()
    appended(factory, "a", 5)
    appended(factory, "a", 2, "key.created")
    appended(factory, "b", 3)
    return factory


def test_pages_follow_the_cursor_to_the_end(uows: FakeUnitOfWorkFactory) -> None:
    first = AuditTrail(uows).events("a", AuditQuery(limit=3))
    second = AuditTrail(uows).events("a", AuditQuery(after_seq=first.next_after_seq or 0, limit=3))
    last = AuditTrail(uows).events("a", AuditQuery(after_seq=second.next_after_seq or 0, limit=3))
    assert [e.seq for e in first.events + second.events + last.events] == list(range(1, 8))
    assert (first.next_after_seq, second.next_after_seq, last.next_after_seq) == (3, 6, None)
    assert all(u.read_only for u in uows.units[-3:])


def test_filters_by_type_and_time(uows: FakeUnitOfWorkFactory) -> None:
    keys = AuditTrail(uows).events("a", AuditQuery(event_type="key.created"))
    assert [e.seq for e in keys.events] == [6, 7] and keys.next_after_seq is None
    window = AuditQuery(since=T0 + dt.timedelta(minutes=1), until=T0 + dt.timedelta(minutes=3))
    assert [e.seq for e in AuditTrail(uows).events("a", window).events] == [2, 3]
    assert AuditTrail(uows).events("nobody", AuditQuery()).events == []


@pytest.mark.parametrize("limit", [0, 501])
def test_limit_is_bounded(uows: FakeUnitOfWorkFactory, limit: int) -> None:
    with pytest.raises(ValueError, match="between 1 and 500"):
        AuditTrail(uows).events("a", AuditQuery(limit=limit))


@pytest.mark.parametrize("page_size", [1, 2, 7, 1000])
def test_verification_pages_through_the_chain(uows: FakeUnitOfWorkFactory, page_size: int) -> None:
    before = len(uows.units)
    report = AuditTrail(uows).verify("a", page_size=page_size)
    assert report.ok and report.events_checked == 7 and report.last_seq == 7
    assert report.head == ChainHead(7, uows.store.audit[("a", 7)].hash or "")
    reads = uows.units[before:]
    assert all(u.read_only for u in reads) and len(reads) == 7 // page_size + 1


def test_tampering_found_across_pages(uows: FakeUnitOfWorkFactory) -> None:
    store = uows.store
    store.audit[("a", 4)] = dataclasses.replace(store.audit[("a", 4)], payload={"n": 99})
    del store.audit[("a", 7)]
    report = AuditTrail(uows).verify("a", page_size=2)
    assert [(p.seq, p.kind) for p in report.problems] == [(4, "altered"), (7, "head_mismatch")]


def test_verify_all_covers_every_chain_even_one_without_head(uows: FakeUnitOfWorkFactory) -> None:
    del uows.store.audit_heads["b"]
    reports = {r.tenant_id: r for r in AuditTrail(uows).verify_all()}
    assert set(reports) == {"a", "b"} and reports["a"].ok
    assert [(p.seq, p.kind) for p in reports["b"].problems] == [(3, "head_mismatch")]


def test_an_empty_or_unknown_tenant_is_intact() -> None:
    report = AuditTrail(FakeUnitOfWorkFactory()).verify("nobody")
    assert report.ok and report.events_checked == 0 and report.head is None


def test_appends_during_verification_are_chased_not_reported(
    uows: FakeUnitOfWorkFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An append committing between the head read and the page read must not look like tampering."""
    original_head = FakeAuditLog.head
    budget = [3]

    def head_then_append(self: FakeAuditLog, tenant_id: str) -> ChainHead | None:
        head = original_head(self, tenant_id)
        if budget[0] and tenant_id == "a":
            budget[0] -= 1
            monkeypatch.setattr(FakeAuditLog, "head", original_head)
            appended(uows, "a", 1)
            monkeypatch.setattr(FakeAuditLog, "head", head_then_append)
        return head

    monkeypatch.setattr(FakeAuditLog, "head", head_then_append)
    report = AuditTrail(uows).verify("a", page_size=1000)
    assert report.ok, report.problems
    assert report.events_checked == 10 and budget == [0]


def test_verify_reports_events_pending_past_the_bound_and_not_before() -> None:
    """ADR 0022: a decision's event waits to be chained; waiting past the bound means a stuck sequencer."""
    factory = FakeUnitOfWorkFactory()
    store = factory.store
    at = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.timezone.utc)
    store.audit_pending["t"] = PendingEvents(3, at)
    fresh = AuditTrail(factory).verify("t", now=at + dt.timedelta(seconds=59))
    assert fresh.ok and fresh.pending == 3 and fresh.oldest_pending_s == 59.0
    stale = AuditTrail(factory).verify("t", now=at + dt.timedelta(seconds=61))
    assert not stale.ok and [p.kind for p in stale.problems] == [PENDING_STALE]
    assert AuditTrail(factory).verify("t").ok  # without `now` nothing is judged
