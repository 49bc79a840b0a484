"""Dramatiq: the broker (Redis, or in-process for the embedded runtime), the batch actor,
the JobQueue adapter and a worker that runs inside the current process.

Nothing here runs at import time: a broker exists only once `build_queue_runtime` is
called, and the actor is declared on that broker (never on Dramatiq's global one).
"""

from __future__ import annotations

import logging
import threading
import traceback
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

import dramatiq
import redis
import structlog
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from dramatiq.common import current_millis
from dramatiq.middleware import CurrentMessage, Retries, ShutdownNotifications, TimeLimit

from adapters.queue.dead_letters import RedisDeadLetters, StubDeadLetters, redis_guarded
from core.ports.job_queue import DeadLetterStore

logger = logging.getLogger(__name__)
batch_log = structlog.get_logger("equivalence.batch")

QUEUE_NAME = "batch"
ACTOR_NAME = "process_job_item"
ENQUEUE_CHUNK = 500  # messages per Redis pipeline when a batch is enqueued


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Transient failures retry with exponential backoff, then the message is dead-lettered.

    Dramatiq's defaults retry 20 times over days; a batch item should give up in minutes."""

    max_retries: int = 5
    min_backoff_ms: int = 1_000
    max_backoff_ms: int = 60_000
    time_limit_ms: int = 60_000


class ItemProcessor(Protocol):
    def __call__(self, job_id: str, index: int) -> Any: ...

    def give_up(self, job_id: str, index: int, error: str) -> None: ...


class ProcessTimeLimit(TimeLimit):
    """Dramatiq's TimeLimit with one deadline watcher per process, shared by every broker.

    TimeLimit starts a watcher thread at each broker's process_boot and never stops it. A
    process builds one broker per runtime (the API's embedded worker, `equivalence worker`), but
    the test process builds hundreds, and hundreds of idle threads made `sys._current_frames()`
    slow and exposed CPython's deadlock in it (python/cpython#106883, ADR 0044). The watcher
    keys deadlines by thread id, which is unique in a process, so one serves every broker."""

    _watcher: Any = None
    _started = False
    _lock = threading.Lock()

    def __init__(self, *, time_limit: float) -> None:
        super().__init__(time_limit=time_limit)
        with ProcessTimeLimit._lock:
            if ProcessTimeLimit._watcher is None:
                ProcessTimeLimit._watcher = self.manager
            self.manager = ProcessTimeLimit._watcher

    def after_process_boot(self, broker: dramatiq.Broker) -> None:
        with ProcessTimeLimit._lock:
            if ProcessTimeLimit._started:
                return
            ProcessTimeLimit._started = True
        super().after_process_boot(broker)


def build_broker(
    redis_url: str | None, namespace: str, policy: RetryPolicy, redis_timeout_s: float = 5.0
) -> dramatiq.Broker:
    """A Redis broker under `namespace`, or an in-process StubBroker when redis_url is None.

    Its Redis connections time out (connect and read) after `redis_timeout_s`: a hung Redis
    fails a call instead of holding the caller forever (the consumer polls, it never blocks)."""
    middleware = [
        ProcessTimeLimit(time_limit=policy.time_limit_ms),
        ShutdownNotifications(),
        Retries(
            max_retries=policy.max_retries,
            min_backoff=policy.min_backoff_ms,
            max_backoff=policy.max_backoff_ms,
            retry_when=lambda retries, _exc: retries < policy.max_retries,
        ),
        CurrentMessage(),
    ]
    if redis_url:
        client = redis.Redis.from_url(
            redis_url, socket_timeout=redis_timeout_s, socket_connect_timeout=redis_timeout_s
        )
        return PipelinedRedisBroker(client=client, namespace=namespace, middleware=middleware)
    return StubBroker(middleware=middleware)


class PipelinedRedisBroker(RedisBroker):
    """RedisBroker that can also enqueue many messages in one round trip per chunk.

    `enqueue_many` does for each message exactly what `RedisBroker.enqueue` (dramatiq 2.2)
    does without a delay: a fresh redis_message_id, the before/after "enqueue" middleware
    hooks, and the broker's own `dispatch` script with the "enqueue" command. Only the
    transport differs: the script calls of a chunk go through one pipeline (no transaction:
    each message is enqueued on its own, as with separate calls)."""

    def enqueue_many(self, messages: Iterable[dramatiq.Message], chunk: int = ENQUEUE_CHUNK) -> None:
        dispatch = self.scripts["dispatch"]
        pending = list(messages)
        for start in range(0, len(pending), chunk):
            sent = []
            with self.client.pipeline(transaction=False) as pipe:
                for message in pending[start : start + chunk]:
                    message = message.copy(options={"redis_message_id": str(uuid.uuid4())})
                    self.emit_before("enqueue", message, None)
                    args = [
                        "enqueue",
                        current_millis(),
                        message.queue_name,
                        self.broker_id,
                        self.heartbeat_timeout,
                        self.dead_message_ttl,
                        self._should_do_maintenance("enqueue"),
                        self._max_unpack_size(),
                        message.options["redis_message_id"],
                        message.encode(),
                    ]
                    dispatch(keys=[self.namespace], args=args, client=pipe)
                    sent.append(message)
                pipe.execute()
            for message in sent:
                self.emit_after("enqueue", message, None)


def declare_item_actor(broker: dramatiq.Broker, processor: ItemProcessor, policy: RetryPolicy) -> dramatiq.Actor:
    """The actor that processes one batch item, bound to `broker`.

    Each failed attempt logs one JSON line (exception type and first message line); the
    traceback is logged once, when the item gives up. Dramatiq's own per-attempt traceback
    for this actor is filtered out (see _QuietFailures)."""
    _QuietFailures.install()

    def process_job_item(job_id: str, index: int) -> None:
        # Every line logged while this item is processed (ours, the core's, SQLAlchemy's) says which.
        with structlog.contextvars.bound_contextvars(job_id=job_id, index=index):
            try:
                processor(job_id, index)
            except Exception as exc:
                last = _is_last_attempt(policy)
                _log_attempt(job_id, index, exc, policy, last)
                if last:
                    _give_up(processor, job_id, index, exc)
                raise

    return dramatiq.actor(
        broker=broker,
        actor_name=ACTOR_NAME,
        queue_name=QUEUE_NAME,
        max_retries=policy.max_retries,
        min_backoff=policy.min_backoff_ms,
        max_backoff=policy.max_backoff_ms,
        time_limit=policy.time_limit_ms,
    )(process_job_item)


class _QuietFailures(logging.Filter):
    """Drops Dramatiq's 'Failed to process message ... unhandled exception' record (with its
    traceback) for the batch actor, which logs each attempt itself; and the Retries
    middleware's plain-text 'Retrying message …' / 'Retries exceeded …' lines (this service's
    brokers carry only the batch actor, whose JSON lines say the same)."""

    _RETRIES = ("Retrying message", "Retries exceeded")

    def filter(self, record: logging.LogRecord) -> bool:
        text = str(record.msg)
        if text.startswith(self._RETRIES):
            return False
        if not text.startswith("Failed to process message") or not record.args:
            return True
        message = record.args[0] if isinstance(record.args, tuple) else None
        return getattr(message, "actor_name", None) != ACTOR_NAME

    @classmethod
    def install(cls) -> None:
        for name in ("dramatiq.worker.WorkerThread", "dramatiq.middleware.retries.Retries"):
            quieted = logging.getLogger(name)
            if not any(isinstance(f, cls) for f in quieted.filters):
                quieted.addFilter(cls())


def _attempt() -> int:
    message = CurrentMessage.get_current_message()
    return 1 + (int(message.options.get("retries", 0)) if message is not None else 0)


def _is_last_attempt(policy: RetryPolicy) -> bool:
    message = CurrentMessage.get_current_message()
    return message is None or int(message.options.get("retries", 0)) >= policy.max_retries


def _first_line(exc: BaseException) -> str:
    """'ExcType: first line of the message': a database error goes on with the SQL and its
    parameters (ementa text), which must not reach logs or dead letters."""
    return traceback.format_exception_only(exc)[0].strip().splitlines()[0][:500]


def _log_attempt(job_id: str, index: int, exc: Exception, policy: RetryPolicy, last: bool) -> None:
    fields = {
        "job_id": job_id,
        "index": index,
        "attempt": _attempt(),
        "max_attempts": policy.max_retries + 1,
        "error_type": type(exc).__name__,
        "error": _first_line(exc).partition(": ")[2] or _first_line(exc),
    }
    if not last:
        batch_log.warning("batch item attempt failed", **fields)
        return
    frames = "".join(traceback.format_tb(exc.__traceback__))
    batch_log.error("batch item gave up", **fields, traceback=f"Traceback:\n{frames}{_first_line(exc)}")


def _give_up(processor: ItemProcessor, job_id: str, index: int, exc: Exception) -> None:
    try:
        processor.give_up(job_id, index, _first_line(exc))
    except Exception as failure:  # noqa: BLE001 - the item stays pending; the reconciler will retry it
        batch_log.warning(
            "could not mark batch item dead-lettered; the reconciler will retry it",
            job_id=job_id, index=index, error_type=type(failure).__name__,
        )


class DramatiqJobQueue:
    """The JobQueue port: one message per item, carrying only (job_id, index)."""

    def __init__(self, actor: dramatiq.Actor) -> None:
        self._actor = actor

    @redis_guarded
    def enqueue(self, job_id: str, index: int) -> None:
        self._actor.send(job_id, index)

    @redis_guarded
    def enqueue_many(self, job_id: str, indexes: Iterable[int]) -> None:
        broker = self._actor.broker
        if isinstance(broker, PipelinedRedisBroker):
            broker.enqueue_many(self._actor.message(job_id, index) for index in indexes)
            return
        for index in indexes:
            self._actor.send(job_id, index)


@dataclass
class QueueRuntime:
    """The broker, its actor and the ports built on them, for one process."""

    broker: dramatiq.Broker
    actor: dramatiq.Actor
    job_queue: DramatiqJobQueue
    dead_letters: DeadLetterStore

    @property
    def in_process(self) -> bool:
        """True when messages live in this process: it must run its own worker."""
        return isinstance(self.broker, StubBroker)

    def close(self) -> None:
        self.broker.close()


def build_queue_runtime(
    redis_url: str | None,
    namespace: str,
    policy: RetryPolicy,
    processor: ItemProcessor,
    redis_timeout_s: float = 5.0,
) -> QueueRuntime:
    broker = build_broker(redis_url, namespace, policy, redis_timeout_s)
    actor = declare_item_actor(broker, processor, policy)
    if isinstance(broker, RedisBroker):
        dead_letters: DeadLetterStore = RedisDeadLetters(broker.client, namespace, [QUEUE_NAME])
    else:
        dead_letters = StubDeadLetters(broker, [QUEUE_NAME])  # type: ignore[arg-type]
    return QueueRuntime(broker, actor, DramatiqJobQueue(actor), dead_letters)


class WorkerRunner:
    """A dramatiq.Worker in this process, plus the reconciler on a timer.

    Used by `equivalence worker` and by the embedded runtime inside `serve`. A worker started
    this way (not by Dramatiq's CLI) must emit process_boot itself: the time limit's watcher starts there."""

    def __init__(
        self,
        broker: dramatiq.Broker,
        threads: int,
        reconcile: Callable[[], int],
        interval_s: float,
        recover_on_start: Callable[[], int] | None = None,
    ) -> None:
        self._broker = broker
        self._threads = threads
        self._reconcile = reconcile
        self._interval_s = interval_s
        self._recover_on_start = recover_on_start
        self._stopping = threading.Event()
        self._worker: dramatiq.Worker | None = None
        self._timer: threading.Thread | None = None

    def start(self) -> None:
        self._broker.emit_after("process_boot")
        self._worker = dramatiq.Worker(self._broker, worker_threads=self._threads, worker_timeout=50)
        self._worker.start()
        self._timer = threading.Thread(target=self._reconcile_loop, name="eqv-reconciler", daemon=True)
        self._timer.start()

    def stop(self, timeout_ms: int = 10_000) -> None:
        self._stopping.set()
        if self._worker is not None:
            self._worker.stop(timeout=timeout_ms)
            self._worker = None
        if self._timer is not None:
            self._timer.join(timeout=timeout_ms / 1000)
            self._timer = None

    def _reconcile_loop(self) -> None:
        if self._recover_on_start is not None:
            self._run(self._recover_on_start)
        while not self._stopping.wait(self._interval_s):
            self._run(self._reconcile)

    @staticmethod
    def _run(step: Callable[[], int]) -> None:
        try:
            step()
        except Exception as exc:  # noqa: BLE001 - database or broker down: try again next round
            batch_log.warning("batch reconciler round failed", error_type=type(exc).__name__, error=_first_line(exc))
