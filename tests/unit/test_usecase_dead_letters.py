"""Dead letters that mean something, and job progress that tells the truth about them.

QueueOperations and Reconcile over the fakes (FakeBroker plays the Dramatiq broker)."""

from __future__ import annotations

import datetime as dt

import pytest

from core.domain.errors import NotFound, QueueUnavailable
from core.domain.tenants import ANY_TENANT
from core.domain.records import JobStatus
from core.usecases import queue_ops
from core.usecases.batch import UNSENT_GRACE, BatchJobs, Reconcile, job_status
from core.usecases.bootstrap import DEFAULT_TENANT
from core.usecases.queue_ops import QueueOperations
from tests.fakes import FakeBroker
from tests.support.batch_world import STALE_AFTER, World, command, world


def ops(w: World, broker: FakeBroker) -> QueueOperations:
    return QueueOperations(w.uows, broker, w.queue, w.clock)


def dead_letter(w: World, broker: FakeBroker, index: int) -> None:
    """Item `index` of job-1 fails its last retry: give_up, and the broker keeps its letter."""
    w.process.give_up("job-1", index, "ConnectionError: database hiccup")
    broker.dead_letter("job-1", index)


def test_job_status_counts_dead_lettered_items_and_stays_running_while_others_are_pending():
    assert job_status(3, {JobStatus.DEAD_LETTERED: 1, JobStatus.QUEUED: 2}) == JobStatus.RUNNING
    assert job_status(3, {JobStatus.DEAD_LETTERED: 1, JobStatus.DONE: 2}) == JobStatus.DEAD_LETTERED
    assert job_status(2, {JobStatus.FAILED: 1, JobStatus.DONE: 1}) == JobStatus.DONE
    assert job_status(2, {JobStatus.FAILED: 2}) == JobStatus.FAILED


def test_a_job_with_a_dead_lettered_item_reports_it_and_a_requeue_moves_it_back():
    w, broker = world(), FakeBroker()
    w.submit(DEFAULT_TENANT, [command(), command()])
    w.queue.take_all()
    w.process("job-1", 0)
    dead_letter(w, broker, 1)

    progress = BatchJobs(w.uows).progress(DEFAULT_TENANT, "job-1")
    assert progress.status == JobStatus.DEAD_LETTERED
    assert (progress.done, progress.failed, progress.dead_lettered, progress.queued) == (1, 1, 1, 0)

    result = ops(w, broker).requeue(DEFAULT_TENANT, None)
    assert (result.requeued, result.discarded) == (1, 0) and broker.letters == []
    progress = BatchJobs(w.uows).progress(DEFAULT_TENANT, "job-1")
    assert progress.status == JobStatus.RUNNING and (progress.dead_lettered, progress.queued) == (0, 1)
    assert w.uows.store.jobs["job-1"].job.finished_at is None

    w.run_queue()  # the cause is fixed: the requeued item completes the job
    progress = BatchJobs(w.uows).progress(DEFAULT_TENANT, "job-1")
    assert (progress.status, progress.done, progress.failed) == (JobStatus.DONE, 2, 0)


def test_requeueing_an_item_with_nothing_to_requeue_is_not_found():
    w, broker = world(), FakeBroker()
    w.submit(DEFAULT_TENANT, [command()])
    w.queue.take_all()
    w.process("job-1", 0)  # done: no letter, nothing failed
    for item in ("nope", "nope:1", "job-1:0", "job-1:7"):
        with pytest.raises(NotFound, match="no dead letter"):
            ops(w, broker).requeue(DEFAULT_TENANT, item)
    assert ops(w, broker).requeue(DEFAULT_TENANT, None).requeued == 0  # "all" with none is no error


def test_an_item_finished_after_its_letter_was_written_has_no_dead_letter():
    """A long database outage: give_up itself failed, the message died, the reconciler later
    re-enqueued the item and it ended done. Its letter is never listed, and the reconciler discards it."""
    w, broker = world(), FakeBroker()
    w.submit(DEFAULT_TENANT, [command(), command()])
    w.queue.take_all()
    broker.dead_letter("job-1", 0)  # give_up could not reach the database: item 0 stays queued
    dead_letter(w, broker, 1)
    w.process("job-1", 0)  # re-enqueued by the reconciler, then done

    assert [(letter.job_id, letter.index) for letter in ops(w, broker).dead_letters(ANY_TENANT)] == [("job-1", 1)]
    reconcile = Reconcile(w.uows, w.queue, w.clock, STALE_AFTER, broker=broker)
    reconcile()
    assert [(letter.job_id, letter.index) for letter in broker.letters] == [("job-1", 1)]


def test_the_reconciler_leaves_items_whose_message_is_still_waiting_in_the_queue():
    w, broker = world(), FakeBroker()
    w.submit(DEFAULT_TENANT, [command() for _ in range(4)])
    broker.held = {("job-1", 0), ("job-1", 2)}  # a long queue: these two still wait their turn
    w.queue.take_all()  # the other two messages were lost
    w.clock.current += STALE_AFTER + dt.timedelta(seconds=1)

    reconcile = Reconcile(w.uows, w.queue, w.clock, STALE_AFTER, chunk=3, broker=broker)
    assert reconcile() == 2
    assert sorted(w.queue.messages) == [("job-1", 1), ("job-1", 3)]
    assert reconcile() == 0  # every lease renewed, the waiting ones included


def test_the_reconciler_with_the_broker_down_renews_no_lease():
    w, broker = world(), FakeBroker()
    w.submit(DEFAULT_TENANT, [command()])
    w.queue.take_all()
    w.clock.current += STALE_AFTER + dt.timedelta(seconds=1)
    broker.down = True
    reconcile = Reconcile(w.uows, w.queue, w.clock, STALE_AFTER, broker=broker)
    with pytest.raises(QueueUnavailable):
        reconcile()
    broker.down = False
    assert reconcile() == 1  # the item was not marked fresh by the failed round


def test_requeue_all_processes_every_page_and_discards_letters_of_done_items(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(queue_ops, "PAGE", 3)
    w, broker = world(max_items=20), FakeBroker()
    w.submit(DEFAULT_TENANT, [command() for _ in range(10)])
    w.queue.take_all()
    for index in range(8):
        dead_letter(w, broker, index)
    for index in (8, 9):  # letters of items that ended done anyway
        w.process("job-1", index)
        broker.dead_letter("job-1", index)

    result = ops(w, broker).requeue(ANY_TENANT, None)

    assert (result.requeued, result.discarded) == (8, 2)
    assert broker.letters == [] and broker.list_calls > 3
    assert sorted(w.queue.messages) == [("job-1", i) for i in range(8)]
    assert ops(w, broker).requeue(ANY_TENANT, None).requeued == 0


def test_a_tenant_admin_pages_past_other_tenants_letters(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(queue_ops, "PAGE", 2)
    w, broker = world(), FakeBroker()
    w.submit(DEFAULT_TENANT, [command() for _ in range(3)])
    w.queue.take_all()
    for index in range(5):
        broker.dead_letter("job-of-someone-else", index)
    dead_letter(w, broker, 2)

    assert [(letter.job_id, letter.index) for letter in ops(w, broker).dead_letters(DEFAULT_TENANT)] == [("job-1", 2)]
    assert ops(w, broker).requeue(DEFAULT_TENANT, None).requeued == 1
    assert len(broker.letters) == 5  # the other tenant's letters are untouched


def test_queue_operations_raise_queue_unavailable_when_the_broker_is_down():
    w, broker = world(), FakeBroker()
    broker.down = True
    for call in (lambda: ops(w, broker).info(ANY_TENANT), lambda: ops(w, broker).dead_letters(ANY_TENANT),
                 lambda: ops(w, broker).requeue(ANY_TENANT, None)):
        with pytest.raises(QueueUnavailable):
            call()


def test_enqueue_unsent_sends_fresh_items_stored_while_redis_was_down_and_never_a_running_one():
    """The runbook's `queue reconcile --now`: the items the submission could not enqueue, long
    before the stale threshold, but not one a worker runs or has fetched, nor one being enqueued."""
    w, broker = world(), FakeBroker()
    w.submit(DEFAULT_TENANT, [command() for _ in range(5)])
    w.queue.take_all()  # Redis was down: nothing reached it
    with w.uows() as uow:
        uow.jobs.claim_item("job-1", 0, w.clock.now())  # a worker runs item 0
        uow.commit()
    broker.held = {("job-1", 1)}  # waiting in the queue
    broker.fetched = {("job-1", 2)}  # fetched by a worker, not yet claimed
    reconcile = Reconcile(w.uows, w.queue, w.clock, STALE_AFTER, broker=broker)

    assert reconcile.enqueue_unsent() == 0  # submitted this instant: its enqueue may be under way
    w.clock.current += UNSENT_GRACE + dt.timedelta(seconds=1)
    assert reconcile() == 0  # the stale threshold is far away
    assert reconcile.enqueue_unsent() == 2
    assert sorted(w.queue.messages) == [("job-1", 3), ("job-1", 4)]
