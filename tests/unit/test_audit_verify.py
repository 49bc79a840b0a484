"""verify_chain: every valid chain verifies; every single tampering is found and located."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from core.domain.audit import GENESIS_HASH, canonical_json, event_hash
from core.domain.audit_verify import (
    ALTERED,
    DELETED,
    HEAD_MISMATCH,
    MAX_PROBLEMS,
    RELINKED,
    REORDERED,
    ChainHead,
    ChainReport,
    verify_chain,
)
from core.domain.records import AuditEvent

TENANT = "uni-a"
T0 = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)

json_values = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.text(max_size=12))
payloads = st.dictionaries(st.text(max_size=6), json_values, max_size=4)
event_types = st.sampled_from(["evaluation", "batch.item", "key.created", "taxonomy.imported"])
contents = st.tuples(event_types, payloads, st.integers(0, 10**9))


def chain(specs: list[tuple[str, dict, int]], tenant_id: str = TENANT) -> tuple[list[AuditEvent], ChainHead]:
    """Events chained as the audit log appends them, and the head it leaves."""
    events, prev = [], GENESIS_HASH
    for seq, (event_type, payload, micros) in enumerate(specs, start=1):
        event = AuditEvent(tenant_id, event_type, payload, T0 + dt.timedelta(microseconds=micros))
        link = event_hash(event, seq, prev)
        events.append(dataclasses.replace(event, seq=seq, prev_hash=prev, hash=link))
        prev = link
    return events, ChainHead(len(events), prev)


def simple_chain(n: int) -> tuple[list[AuditEvent], ChainHead]:
    return chain([("evaluation", {"n": i}, i) for i in range(n)])


def stored_order(events: list[AuditEvent]) -> list[AuditEvent]:
    """What the database hands back: seq order."""
    return sorted(events, key=lambda e: e.seq or 0)


def kinds(report: ChainReport) -> list[tuple[int, str]]:
    return [(p.seq, p.kind) for p in report.problems]


@given(st.lists(contents, max_size=30))
def test_any_valid_chain_verifies(specs: list[tuple[str, dict, int]]) -> None:
    events, head = chain(specs)
    report = verify_chain(TENANT, events, head if events else None)
    assert report.ok and report.problems == () and report.events_checked == len(events)
    assert report.last_seq == len(events)


@st.composite
def altered_field(draw: st.DrawFn, old: AuditEvent) -> dict[str, Any]:
    field = draw(st.sampled_from(["event_type", "payload", "created_at", "tenant_id", "prev_hash", "hash"]))
    if field == "payload":
        new: object = draw(payloads)
        assume(canonical_json(new) != canonical_json(old.payload))
    elif field == "created_at":
        new = old.created_at + dt.timedelta(microseconds=draw(st.integers(1, 10**9)) * draw(st.sampled_from([1, -1])))
    elif field in ("prev_hash", "hash"):
        new = draw(st.text("0123456789abcdef", min_size=64, max_size=64))
    else:
        new = draw(st.text(min_size=1, max_size=20))
    assume(new != getattr(old, field))
    return {field: new}


@given(st.lists(contents, min_size=1, max_size=20), st.data())
def test_altering_any_field_of_any_event_is_found_at_its_seq(specs: list, data: st.DataObject) -> None:
    events, head = chain(specs)
    index = data.draw(st.integers(0, len(events) - 1))
    change = data.draw(altered_field(events[index]))
    events[index] = dataclasses.replace(events[index], **change)
    report = verify_chain(TENANT, events, head)
    assert not report.ok
    assert kinds(report) == [(index + 1, ALTERED)], (change, report.problems)


@given(st.lists(contents, min_size=1, max_size=20), st.data())
def test_changing_an_events_seq_is_found_at_its_old_seq(specs: list, data: st.DataObject) -> None:
    events, head = chain(specs)
    index = data.draw(st.integers(0, len(events) - 1))
    new_seq = data.draw(st.integers(len(events) + 1, 10**6))  # a free seq: (tenant, seq) is unique
    events[index] = dataclasses.replace(events[index], seq=new_seq)
    report = verify_chain(TENANT, stored_order(events), head)
    assert not report.ok and (index + 1) in {p.seq for p in report.problems}
    assert any(p.seq == new_seq and p.kind == REORDERED and f"as seq {index + 1}" in p.detail for p in report.problems)


@given(st.lists(contents, min_size=1, max_size=20), st.data())
def test_deleting_any_event_is_found_at_its_seq(specs: list, data: st.DataObject) -> None:
    events, head = chain(specs)
    index = data.draw(st.integers(0, len(events) - 1))
    del events[index]
    report = verify_chain(TENANT, events, head)
    last = index == len(events)
    assert kinds(report) == [(index + 1, HEAD_MISMATCH if last else DELETED)]


@given(st.lists(contents, min_size=2, max_size=20), st.data())
def test_swapping_two_events_is_found_at_both_seqs(specs: list, data: st.DataObject) -> None:
    events, head = chain(specs)
    i, j = sorted(data.draw(st.lists(st.integers(0, len(events) - 1), min_size=2, max_size=2, unique=True)))
    events[i], events[j] = (
        dataclasses.replace(events[j], seq=events[i].seq),
        dataclasses.replace(events[i], seq=events[j].seq),
    )
    report = verify_chain(TENANT, events, head)
    assert kinds(report) == [(i + 1, REORDERED), (j + 1, REORDERED)]
    assert f"as seq {j + 1}" in report.problems[0].detail and f"as seq {i + 1}" in report.problems[1].detail


def test_deleting_the_tail_is_found_through_the_head_only() -> None:
    events, head = simple_chain(6)
    report = verify_chain(TENANT, events[:3], head)
    assert kinds(report) == [(4, HEAD_MISMATCH)] and "seqs 4..6" in report.problems[0].detail
    assert verify_chain(TENANT, events[:3], ChainHead(3, events[2].hash or "")).ok  # a reset head hides it
    assert kinds(verify_chain(TENANT, [], head)) == [(1, HEAD_MISMATCH)]


def test_a_forged_self_consistent_event_breaks_the_next_link() -> None:
    events, head = simple_chain(5)
    forged = dataclasses.replace(events[2], payload={"n": "forged"})
    events[2] = dataclasses.replace(forged, hash=event_hash(forged, 3, forged.prev_hash or ""))
    report = verify_chain(TENANT, events, head)
    assert kinds(report) == [(4, RELINKED)] and "seq 3 was replaced" in report.problems[0].detail


def test_a_forged_last_event_disagrees_with_the_head() -> None:
    events, head = simple_chain(4)
    forged = dataclasses.replace(events[3], payload={"n": "forged"})
    events[3] = dataclasses.replace(forged, hash=event_hash(forged, 4, forged.prev_hash or ""))
    assert kinds(verify_chain(TENANT, events, head)) == [(4, HEAD_MISMATCH)]


def test_events_beyond_the_head_or_without_a_head() -> None:
    events, _head = simple_chain(4)
    behind = verify_chain(TENANT, events, ChainHead(2, events[1].hash or ""))
    assert kinds(behind) == [(3, HEAD_MISMATCH)]
    assert kinds(verify_chain(TENANT, events, None)) == [(4, HEAD_MISMATCH)]


def test_renumbering_after_a_deletion_names_where_each_event_was() -> None:
    events, head = simple_chain(5)
    renumbered = events[:1] + [dataclasses.replace(e, seq=(e.seq or 0) - 1) for e in events[2:]]
    report = verify_chain(TENANT, renumbered, head)
    assert (2, REORDERED) in kinds(report) and "as seq 3" in report.problems[0].detail
    assert (5, HEAD_MISMATCH) in kinds(report)


@pytest.mark.parametrize("bad_seq", [None, 2])
def test_an_unordered_stream_is_reported_not_crashed(bad_seq: int | None) -> None:
    events, head = simple_chain(3)
    stream = [*events, dataclasses.replace(events[0], seq=bad_seq)]
    report = verify_chain(TENANT, stream, head)
    assert [k for _s, k in kinds(report)] == [REORDERED] and report.events_checked == 4


def test_problems_are_capped_and_counted() -> None:
    events, head = simple_chain(MAX_PROBLEMS + 30)
    tampered = [dataclasses.replace(e, payload={"x": 1}) for e in events]
    report = verify_chain(TENANT, tampered, head)
    assert len(report.problems) == MAX_PROBLEMS and report.more_problems == 30 and not report.ok


@settings(max_examples=25)
@given(st.lists(contents, min_size=1, max_size=10))
def test_chains_of_other_tenants_do_not_verify_as_this_one(specs: list) -> None:
    events, head = chain(specs, tenant_id="uni-b")
    moved = [dataclasses.replace(e, tenant_id=TENANT) for e in events]
    assert [k for _s, k in kinds(verify_chain(TENANT, moved, head))] == [ALTERED] * len(events)
