"""ProcessTimeLimit: one time-limit watcher thread per process, however many brokers, and it
still interrupts an actor that runs past its limit on any of them."""

from __future__ import annotations

import threading

import dramatiq
from dramatiq.middleware import TimeLimitExceeded

from adapters.queue.dramatiq_queue import ProcessTimeLimit, RetryPolicy, WorkerRunner, build_broker

POLICY = RetryPolicy(max_retries=0, time_limit_ms=100)


def _watchers() -> list[threading.Thread]:
    watcher = ProcessTimeLimit._watcher
    return [t for t in threading.enumerate() if t is watcher]


def test_brokers_booted_in_one_process_share_one_watcher_thread() -> None:
    before = threading.active_count()
    brokers = [build_broker(None, f"t{i}", POLICY) for i in range(20)]
    for broker in brokers:
        broker.emit_after("process_boot")
    managers = {id(m.manager) for b in brokers for m in b.middleware if isinstance(m, ProcessTimeLimit)}
    assert len(managers) == 1
    assert len(_watchers()) == 1
    assert threading.active_count() - before <= 1  # Dramatiq's own TimeLimit added 20 threads here


def test_the_shared_watcher_interrupts_an_actor_past_its_limit_on_a_later_broker() -> None:
    build_broker(None, "first", POLICY).emit_after("process_boot")  # the watcher is started by another broker
    broker = build_broker(None, "second", POLICY)
    interrupted, release = threading.Event(), threading.Event()

    def runs_too_long() -> None:
        try:
            while not release.wait(0.01):
                pass
        except TimeLimitExceeded:
            interrupted.set()
            raise

    actor = dramatiq.actor(broker=broker, actor_name="runs_too_long", queue_name="slow")(runs_too_long)
    runner = WorkerRunner(broker, threads=1, reconcile=lambda: 0, interval_s=3600)
    runner.start()
    try:
        actor.send()
        assert interrupted.wait(timeout=60), "the actor ran past its 100 ms limit and was never interrupted"
    finally:
        release.set()
        runner.stop(timeout_ms=10_000)
