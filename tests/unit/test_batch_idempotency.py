"""A batch submission is idempotent: its Idempotency-Key names one job, and an item's request_id
stored with another payload refuses the submission before anything is stored.

Rules of `core/domain/batch_idempotency.py`, then SubmitBatch over the fakes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.domain.batch_idempotency import batch_fingerprint, check_same_batch, check_stored_request_ids
from core.domain.errors import IdempotencyConflict
from core.domain.records import JobStatus
from core.usecases.batch import SubmittedBatch
from core.usecases.bootstrap import DEFAULT_TENANT
from tests.support.batch_world import command, world

# --- rules ------------------------------------------------------------------------------------

prints = st.lists(st.tuples(st.text(max_size=12), st.text(min_size=1, max_size=12)), min_size=1, max_size=6)


@given(prints)
def test_the_fingerprint_is_the_same_for_the_same_items(items: list[tuple[str, str]]) -> None:
    assert batch_fingerprint(items) == batch_fingerprint([tuple(i) for i in items])  # type: ignore[misc]


@given(prints, st.data())
def test_any_changed_item_changes_the_fingerprint(items: list[tuple[str, str]], data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(items) - 1))
    request_id, payload_hash = items[index]
    changed = list(items)
    changed[index] = data.draw(
        st.sampled_from([(request_id + "x", payload_hash), (request_id, payload_hash + "x")])
    )
    assert batch_fingerprint(changed) != batch_fingerprint(items)


def test_order_and_count_of_items_are_part_of_the_fingerprint() -> None:
    a, b = ("id-a", "h1"), ("id-b", "h2")
    assert batch_fingerprint([a, b]) != batch_fingerprint([b, a])
    assert batch_fingerprint([a]) != batch_fingerprint([a, a])


def test_a_key_with_another_body_is_a_conflict_naming_the_key() -> None:
    check_same_batch("key-0001", "same", "same")
    with pytest.raises(IdempotencyConflict, match="Idempotency-Key 'key-0001'"):
        check_same_batch("key-0001", "first", "second")


def test_the_first_item_stored_with_another_payload_is_named() -> None:
    items = [("", "h0"), ("id-1", "h1"), ("id-2", "h2"), ("id-3", "h3")]
    check_stored_request_ids(items, {"id-1": "h1", "other": "zz"})  # same payload: a replay
    with pytest.raises(IdempotencyConflict) as raised:
        check_stored_request_ids(items, {"id-1": "h1", "id-2": "changed", "id-3": "changed"})
    assert raised.value.field == "items[2].request_id"
    assert "'id-2' was already used with a different payload" in str(raised.value)


def test_an_item_without_its_own_request_id_never_conflicts() -> None:
    check_stored_request_ids([("", "h0")], {"": "other"})


# --- SubmitBatch: an item's request_id -----------------------------------------------------------


def test_an_item_whose_request_id_is_stored_with_another_payload_refuses_the_batch_in_one_query() -> None:
    w = world()
    w.evaluate(command("shared-id"))
    before = w.uows.store.payload_hash_queries
    batch = [command(), command("own-id-1"), command("shared-id", payload_hash="another-payload")]

    with pytest.raises(IdempotencyConflict) as raised:
        w.submit(DEFAULT_TENANT, batch)

    assert raised.value.field == "items[2].request_id"
    assert w.uows.store.payload_hash_queries == before + 1
    assert w.uows.store.jobs == {} and w.queue.messages == []


def test_another_tenants_stored_request_id_does_not_conflict() -> None:
    w = world()
    w.evaluate(command("shared-id"))
    w.submit("another-tenant", [command("shared-id", tenant_id="another-tenant", payload_hash="another-payload")])
    assert len(w.uows.store.jobs) == 1


# --- SubmitBatch: the Idempotency-Key ----------------------------------------------------------


def test_the_same_key_and_body_answer_the_first_job_without_storing_or_enqueueing_again() -> None:
    w = world()
    first = w.submit(DEFAULT_TENANT, [command(), command("own-id-1")], "retry-key-1")
    w.process("job-1", 0)

    again = w.submit(DEFAULT_TENANT, [command(), command("own-id-1")], "retry-key-1")

    assert not first.replayed and again.replayed
    assert again.job.job_id == first.job.job_id == "job-1" and again.job.status == JobStatus.RUNNING
    assert list(w.uows.store.jobs) == ["job-1"] and w.queue.messages == [("job-1", 0), ("job-1", 1)]


def test_the_same_key_with_another_body_is_a_conflict_and_stores_nothing() -> None:
    w = world()
    w.submit(DEFAULT_TENANT, [command(), command("own-id-1")], "retry-key-1")

    for other in ([command()], [command("own-id-1"), command()], [command(), command("own-id-2")]):
        with pytest.raises(IdempotencyConflict, match="Idempotency-Key 'retry-key-1'"):
            w.submit(DEFAULT_TENANT, other, "retry-key-1")

    assert list(w.uows.store.jobs) == ["job-1"] and len(w.queue.messages) == 2


def test_a_key_belongs_to_its_tenant_and_no_key_always_makes_a_new_job() -> None:
    w = world()
    w.submit(DEFAULT_TENANT, [command()], "retry-key-1")
    other = w.submit("another-tenant", [command(tenant_id="another-tenant")], "retry-key-1")
    plain = [w.submit(DEFAULT_TENANT, [command()]) for _ in range(2)]

    assert not other.replayed and other.job.job_id == "job-2"
    assert [p.job.job_id for p in plain] == ["job-3", "job-4"] and not any(p.replayed for p in plain)


def test_a_duplicate_committed_between_the_check_and_the_insert_is_answered_as_a_replay(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The unique (tenant, key) decides, not the read before: a concurrent submission that
    commits between this one's read and its insert wins, and this one answers its job."""
    w = world()
    w.submit(DEFAULT_TENANT, [command()], "retry-key-1")
    first = w.uows.store.jobs.pop("job-1")  # not yet committed when the second request reads
    read_first = w.submit._earlier

    def read_then_the_other_commits(tenant_id: str, key: str, fingerprint: str) -> SubmittedBatch | None:
        found = read_first(tenant_id, key, fingerprint)
        w.uows.store.jobs.setdefault("job-1", first)
        return found

    monkeypatch.setattr(w.submit, "_earlier", read_then_the_other_commits)
    again = w.submit(DEFAULT_TENANT, [command()], "retry-key-1")

    assert again.replayed and again.job.job_id == "job-1" and list(w.uows.store.jobs) == ["job-1"]
    assert w.queue.messages == [("job-1", 0)]
