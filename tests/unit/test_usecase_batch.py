"""SubmitBatch, ProcessItem and Reconcile over the fakes: every item done exactly once.

The queue delivers at least once, in any order, and a worker may fail or die between any
two steps; these tests play such schedules and check what the database ends up holding.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.domain.records import JobStatus
from core.usecases.batch import BatchJobs
from core.usecases.bootstrap import DEFAULT_TENANT
from core.domain.errors import NotFound
from tests.support.batch_world import STALE_AFTER, command, world

def test_submit_stores_the_job_and_items_before_enqueueing_each_item_once():
    w = world()
    job = w.submit(DEFAULT_TENANT, [command(), command("own-id-1"), command()]).job

    assert (job.job_id, job.status, job.total) == ("job-1", JobStatus.QUEUED, 3)
    assert [i.request_id for i in w.items("job-1")] == ["job-1-0", "own-id-1", "job-1-2"]
    assert w.queue.messages == [("job-1", 0), ("job-1", 1), ("job-1", 2)]
    assert BatchJobs(w.uows).progress(DEFAULT_TENANT, "job-1").status == JobStatus.QUEUED


@pytest.mark.parametrize("count", [0, 4])
def test_submit_refuses_an_empty_or_oversized_batch_and_stores_nothing(count: int):
    w = world(max_items=3)
    with pytest.raises(ValueError, match="1 to 3 items"):
        w.submit(DEFAULT_TENANT, [command()] * count)
    assert w.uows.store.jobs == {} and w.queue.messages == []


def test_a_job_stored_while_the_queue_is_down_is_enqueued_by_the_reconciler():
    w = world()
    w.queue.down = True
    job = w.submit(DEFAULT_TENANT, [command(), command()]).job
    assert job.job_id in w.uows.store.jobs and w.queue.messages == []

    w.queue.down = False
    w.clock.current += STALE_AFTER + dt.timedelta(seconds=1)
    assert w.reconcile() == 2
    w.run_queue()

    progress = BatchJobs(w.uows).progress(DEFAULT_TENANT, job.job_id)
    assert (progress.status, progress.done, progress.failed) == (JobStatus.DONE, 2, 0)


def test_an_item_is_finished_in_the_same_commit_as_its_result_and_audit_event():
    w = world()
    w.submit(DEFAULT_TENANT, [command()])
    before = len(w.uows.units)

    assert w.process("job-1", 0) == JobStatus.DONE

    writers = [u for u in w.uows.units[before:] if u.committed]
    assert len(writers) == 3  # claim; result + audit event + item finished; job settled
    assert w.results() == 1 and w.evaluation_events() == 1
    assert w.items("job-1")[0].status == JobStatus.DONE
    page = BatchJobs(w.uows).results_page(DEFAULT_TENANT, "job-1", -1, 10)
    assert page.items[0].result == w.uows.store.results[(DEFAULT_TENANT, "job-1-0")].response
    assert w.uows.store.jobs["job-1"].job.finished_at == w.clock.current


def test_a_repeated_message_does_nothing():
    w = world()
    w.submit(DEFAULT_TENANT, [command()])
    w.process("job-1", 0)
    commits = w.uows.commits

    assert w.process("job-1", 0) is None
    assert w.uows.commits == commits and w.results() == 1 and w.evaluation_events() == 1


def test_an_unknown_job_or_index_is_ignored():
    w = world()
    w.submit(DEFAULT_TENANT, [command()])
    assert w.process("no-such-job", 0) is None
    assert w.process("job-1", 7) is None


def test_a_deterministic_error_fails_the_item_at_once_with_its_reason():
    w = world()
    w.submit(DEFAULT_TENANT, [command(taxonomy_version="no-such-version")])

    assert w.process("job-1", 0) == JobStatus.FAILED

    item = w.items("job-1")[0]
    assert item.status == JobStatus.FAILED and "no-such-version" in item.error
    assert w.results() == 0
    progress = BatchJobs(w.uows).progress(DEFAULT_TENANT, "job-1")
    assert (progress.status, progress.failed) == (JobStatus.FAILED, 1)


def test_an_undecodable_stored_payload_fails_the_item():
    w = world()
    w.submit(DEFAULT_TENANT, [command()])
    entry = w.uows.store.jobs["job-1"]
    entry.items[0] = dataclasses.replace(entry.items[0], payload={"origem": {"nome": "x"}})

    assert w.process("job-1", 0) == JobStatus.FAILED
    assert w.items("job-1")[0].error.startswith("invalid stored payload")


def test_a_transient_error_leaves_the_item_pending_for_a_retry():
    w = world(failures={"job-1-0": 1})
    w.submit(DEFAULT_TENANT, [command()])

    with pytest.raises(ConnectionError):
        w.process("job-1", 0)
    assert w.items("job-1")[0].status == JobStatus.RUNNING and w.results() == 0

    assert w.process("job-1", 0) == JobStatus.DONE
    assert w.items("job-1")[0].attempts == 2 and w.results() == 1


def test_giving_up_dead_letters_the_item_and_settles_the_job_as_dead_lettered():
    w = world(failures={"job-1-0": 99})
    w.submit(DEFAULT_TENANT, [command()])
    with pytest.raises(ConnectionError):
        w.process("job-1", 0)

    w.process.give_up("job-1", 0, "ConnectionError: database hiccup")

    item = w.items("job-1")[0]
    assert item.status == JobStatus.DEAD_LETTERED and item.error.startswith("dead-lettered after retries")
    job = w.uows.store.jobs["job-1"].job
    assert (job.status, job.failed, job.finished_at is not None) == (JobStatus.DEAD_LETTERED, 1, True)


def test_an_item_whose_request_id_was_already_evaluated_finishes_with_that_result():
    w = world()
    first = w.evaluate(command("shared-id"))
    w.submit(DEFAULT_TENANT, [command("shared-id")])

    assert w.process("job-1", 0) == JobStatus.DONE
    assert w.results() == 1 and w.evaluation_events() == 1
    page = BatchJobs(w.uows).results_page(DEFAULT_TENANT, "job-1", -1, 10)
    assert page.items[0].result == first.document


def test_another_tenant_sees_no_job():
    w = world()
    w.submit(DEFAULT_TENANT, [command()])
    with pytest.raises(NotFound):
        BatchJobs(w.uows).progress("other-tenant", "job-1")
    with pytest.raises(NotFound):
        BatchJobs(w.uows).results_page("other-tenant", "job-1", -1, 10)


def test_results_are_paged_by_index_with_a_cursor():
    w = world()
    w.submit(DEFAULT_TENANT, [command() for _ in range(5)])
    w.run_queue()

    first = BatchJobs(w.uows).results_page(DEFAULT_TENANT, "job-1", -1, 2)
    second = BatchJobs(w.uows).results_page(DEFAULT_TENANT, "job-1", first.next_cursor, 2)
    last = BatchJobs(w.uows).results_page(DEFAULT_TENANT, "job-1", second.next_cursor, 2)
    assert [[i.index for i in p.items] for p in (first, second, last)] == [[0, 1], [2, 3], [4]]
    assert last.next_cursor is None


def test_the_reconciler_re_enqueues_only_stale_items_and_only_once():
    w = world()
    w.submit(DEFAULT_TENANT, [command(), command()])
    w.queue.take_all()  # both messages lost (a broker flushed)
    w.clock.current += dt.timedelta(minutes=1)
    with w.uows() as uow:  # item 0 claimed by a worker that then dies; item 1 stays queued
        uow.jobs.claim_item("job-1", 0, w.clock.current)
        uow.commit()

    assert w.reconcile() == 0  # nothing is stale yet
    w.clock.current += STALE_AFTER + dt.timedelta(seconds=1)
    assert w.reconcile() == 2
    assert w.reconcile() == 0  # leases renewed: a second reconciler enqueues nothing
    assert sorted(w.queue.messages) == [("job-1", 0), ("job-1", 1)]


def test_the_reconciler_settles_a_job_whose_last_worker_died_before_settling():
    w = world()
    w.submit(DEFAULT_TENANT, [command()])
    with w.uows() as uow:  # the item finished, but nobody recorded the job as finished
        uow.jobs.finish_item("job-1", 0, JobStatus.FAILED, "boom", w.clock.current)
        uow.commit()
    assert w.uows.store.jobs["job-1"].job.finished_at is None

    w.reconcile()
    assert w.uows.store.jobs["job-1"].job.status == JobStatus.FAILED


deliveries = st.lists(st.integers(min_value=0, max_value=5), max_size=30)


@settings(max_examples=60, deadline=None)
@given(
    extra=deliveries,
    failures=st.dictionaries(st.integers(min_value=0, max_value=5), st.integers(min_value=1, max_value=3)),
    lose=st.sets(st.integers(min_value=0, max_value=5)),
)
def test_any_delivery_schedule_ends_with_every_item_done_exactly_once(
    extra: list[int], failures: dict[int, int], lose: set[int]
):
    """Duplicates, lost messages and transient failures: the reconciler and retries converge."""
    w = world(failures={f"job-1-{i}": n for i, n in failures.items()})
    w.submit(DEFAULT_TENANT, [command() for _ in range(6)])
    w.queue.messages = [m for m in w.queue.messages if m[1] not in lose] + [("job-1", i) for i in extra]

    for _ in range(10):  # worker passes, each followed by a reconciler pass once leases expire
        w.run_queue()
        w.clock.current += STALE_AFTER + dt.timedelta(seconds=1)
        w.reconcile()

    assert [i.status for i in w.items("job-1")] == [JobStatus.DONE] * 6
    assert w.results() == 6 and w.evaluation_events() == 6
    progress = BatchJobs(w.uows).progress(DEFAULT_TENANT, "job-1")
    assert (progress.status, progress.done, progress.failed) == (JobStatus.DONE, 6, 0)
    assert w.uows.store.jobs["job-1"].job.finished_at is not None
