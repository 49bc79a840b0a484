"""`equivalence worker`, `equivalence queue info|reconcile`, `equivalence dlq list|requeue`."""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import threading
from dataclasses import asdict
from collections.abc import Callable
from typing import Any

from adapters.metrics.exposition import process_exiting, serve_exposition
from core.domain.errors import NotFound, QueueUnavailable
from core.domain.tenants import ANY_TENANT
from adapters.queue.dramatiq_queue import WorkerRunner
from adapters.queue.webhook_queue import sweep_quietly
from entrypoints import cli_args
from entrypoints.cli_running import container_on_current_schema
from entrypoints.container import Container
from entrypoints.logging_config import configure_logging
from entrypoints.metrics_runtime import multiprocess_metrics, worker_exposition
from entrypoints.settings import Settings

EXIT_QUEUE_UNAVAILABLE = 75  # EX_TEMPFAIL: Redis down or hung; try again later


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    worker = sub.add_parser("worker", help="process batch items from the Redis queue (full runtime)")
    worker.add_argument("--processes", type=_positive, default=1, help="worker processes (default 1)")
    worker.add_argument("--threads", type=_positive, default=8, help="threads per process (default 8)")
    worker.add_argument(
        "--metrics-port", type=cli_args.port_or_off, default=None,
        help="serve Prometheus metrics on this port (default EQV_WORKER_METRICS_PORT; unset or 0: off)",
    )
    worker.set_defaults(func=cmd_worker)

    queue = sub.add_parser("queue", help="batch queue: sizes and backlog, or run the reconciler once")
    queue_commands = queue.add_subparsers(dest="queue_command", required=True)
    info = queue_commands.add_parser("info", help="queued, delayed and dead-lettered messages per queue; job backlog")
    info.add_argument("--json", action="store_true", help="print JSON")
    info.set_defaults(func=cmd_queue_info)
    reconcile = queue_commands.add_parser("reconcile", help="re-enqueue items stuck in queued/running past the timeout")
    reconcile.add_argument(
        "--now", action="store_true",
        help="also queued items of any age that Redis holds no message for (stored while it was down); "
        "never an item a worker is running",
    )
    reconcile.set_defaults(func=cmd_reconcile)

    dlq = sub.add_parser("dlq", help="dead-lettered batch items: list or requeue")
    dlq_commands = dlq.add_subparsers(dest="dlq_command", required=True)
    lst = dlq_commands.add_parser("list", help="dead letters with the item they carry and the last error")
    lst.add_argument("--json", action="store_true", help="print JSON")
    lst.add_argument("--limit", type=_positive, default=1000, help="most letters to print (default 1000)")
    lst.set_defaults(func=cmd_dlq_list)
    requeue = dlq_commands.add_parser("requeue", help="requeue one item (letter id or JOB_ID:INDEX) or --all")
    target = requeue.add_mutually_exclusive_group(required=True)
    target.add_argument("item", nargs="?", default=None)
    target.add_argument("--all", action="store_true")
    requeue.set_defaults(func=cmd_dlq_requeue)


def _positive(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value!r}")
    return int(value)


def _queue_container(settings: Settings) -> Container | None:
    """The container of a process that talks to the Redis queue; None (and a message) otherwise."""
    if settings.embedded or not settings.redis.url:
        print(
            "error: the batch queue needs the full runtime (DATABASE_URL and REDIS_URL); "
            "the embedded runtime processes batches inside 'equivalence serve'",
            file=sys.stderr,
        )
        return None
    return container_on_current_schema(settings)


def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    container = _queue_container(settings)
    if container is None:
        return 2
    metrics_port = args.metrics_port if args.metrics_port is not None else settings.metrics.worker_port
    if args.processes > 1:
        with multiprocess_metrics(args.processes):  # the children write, this process serves the sum
            stop_metrics = _serve_worker_metrics(container, metrics_port)
            try:
                return _supervise(args.processes, args.threads)
            finally:
                stop_metrics()
    configure_logging()
    batch = settings.batch
    reconcile = container.use_cases.reconcile()
    sweep = sweep_quietly(container.adapters.webhook_runtime().dispatcher.sweep)  # webhook actor + outbox sweep (ADR 0025)
    runner = WorkerRunner(
        container.adapters.queue_runtime().broker, args.threads, lambda: sweep() + reconcile(), batch.reconcile_interval_s
    )
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    from entrypoints.asgi import default_taxonomy
    from entrypoints.heap import freeze_start_up_heap

    # Items that arrive before the mappers are warm stay pending and are retried (ADR 0014).
    # Once warm, the start-up heap leaves the collector's full passes (ADR 0044).
    container.adapters.topic_matcher().warm()
    container.adapters.mapper_chain().warm_in_background(lambda: default_taxonomy(container), then=freeze_start_up_heap)
    runner.start()
    stop_services = start_decision_services(container)
    stop_metrics = _serve_worker_metrics(container, metrics_port)
    print(f"worker: {args.threads} threads on queue namespace '{batch.namespace}'", file=sys.stderr, flush=True)
    try:
        stop.wait()
    finally:
        runner.stop(timeout_ms=int(batch.retry.time_limit_ms))
        stop_services()
        container.adapters.queue_runtime().close()
        container.adapters.engine().dispose()
        stop_metrics()
        process_exiting()
    return 0


def start_decision_services(container: Container) -> Callable[[], None]:
    """Start what a worker's stored decisions rely on in the background; returns what stops it.

    The audit sequencer chains the batch decisions' audit events (ADR 0022). The key cache's
    listener lets each stored decision take its tenant's webhook endpoints from memory instead
    of reading them (ADR 0033), as `serve` does; while it is not listening they are read."""
    from entrypoints.asgi import start_key_cache, stop_key_cache

    container.adapters.audit_sequencer().start()
    start_key_cache(container)

    def stop() -> None:
        container.adapters.audit_sequencer().stop()
        stop_key_cache(container)

    return stop


def _serve_worker_metrics(container: Container, port: int | None) -> Callable[[], None]:
    """Serve this worker's metrics (with --processes N: all N children's) on `port`, if any."""
    if not port:
        return lambda: None
    exposition, close = worker_exposition(container)
    stop = serve_exposition(exposition, port, container.settings.http.host)

    def stop_all() -> None:
        stop()
        close()

    return stop_all


def _supervise(processes: int, threads: int) -> int:
    """N single-process workers as children; SIGTERM/SIGINT is passed on to each."""
    command = [
        sys.executable, "-m", "entrypoints.cli", "worker", "--processes", "1", "--threads", str(threads), "--metrics-port", "0",
    ]
    children = [subprocess.Popen(command) for _ in range(processes)]

    def forward(signum: int, _frame: Any) -> None:
        for child in children:
            if child.poll() is None:
                child.send_signal(signum)

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, forward)
    codes = [child.wait() for child in children]
    return max(codes, default=0)


def cmd_queue_info(args: argparse.Namespace, settings: Settings) -> int:
    container = _queue_container(settings)
    if container is None:
        return 2
    try:
        info = container.use_cases.queue_operations().info(ANY_TENANT)
    except QueueUnavailable as exc:
        return _queue_down(exc)
    finally:
        container.adapters.engine().dispose()
    if args.json:
        print(json.dumps({"queues": [asdict(s) for s in info.queues], "backlog": info.backlog}))
        return 0
    print(f"{'queue':<12}{'queued':>8}{'in_flight':>11}{'delayed':>9}{'dead':>7}")
    for s in info.queues:
        print(f"{s.queue:<12}{s.queued:>8}{s.in_flight:>11}{s.delayed:>9}{s.dead:>7}")
    print("backlog: " + ", ".join(f"{name}={count}" for name, count in info.backlog.items()))
    return 0


def cmd_reconcile(args: argparse.Namespace, settings: Settings) -> int:
    container = _queue_container(settings)
    if container is None:
        return 2
    try:
        reconcile = container.use_cases.reconcile()
        unsent = reconcile.enqueue_unsent() if args.now else 0
        count = reconcile()
    except QueueUnavailable as exc:
        return _queue_down(exc)
    finally:
        container.adapters.engine().dispose()
    if args.now:
        print(f"re-enqueued {unsent} items stored but never enqueued")
    print(f"re-enqueued {count} stale items")
    return 0


def cmd_dlq_list(args: argparse.Namespace, settings: Settings) -> int:
    container = _queue_container(settings)
    if container is None:
        return 2
    try:
        letters = container.use_cases.queue_operations().dead_letters(ANY_TENANT, limit=args.limit)
    except QueueUnavailable as exc:
        return _queue_down(exc)
    finally:
        container.adapters.engine().dispose()
    if args.json:
        print(json.dumps([asdict(letter) for letter in letters], default=str))
        return 0
    for letter in letters:
        when = letter.failed_at.isoformat(timespec="seconds") if letter.failed_at else "-"
        print(f"{letter.letter_id}  {letter.job_id}:{letter.index}  retries={letter.retries}  {when}  {letter.error}")
    print(f"{len(letters)} dead letters", file=sys.stderr)
    return 0


def cmd_dlq_requeue(args: argparse.Namespace, settings: Settings) -> int:
    container = _queue_container(settings)
    if container is None:
        return 2
    try:
        result = container.use_cases.queue_operations().requeue(ANY_TENANT, None if args.all else args.item)
    except QueueUnavailable as exc:
        return _queue_down(exc)
    except NotFound as exc:
        print(f"error: {exc} (see 'equivalence dlq list')", file=sys.stderr)
        return 1
    finally:
        container.adapters.engine().dispose()
    print(f"requeued {result.requeued} items")
    if result.discarded:
        print(f"discarded {result.discarded} dead letters of items already done", file=sys.stderr)
    return 0


def _queue_down(exc: QueueUnavailable) -> int:
    """One line on stderr, no traceback: the operator checks Redis and runs the command again."""
    print(f"error: {exc}; check REDIS_URL and that Redis answers, then retry", file=sys.stderr)
    return EXIT_QUEUE_UNAVAILABLE
