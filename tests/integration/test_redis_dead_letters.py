"""The Redis side of the DeadLetterStore: the items waiting in the queue, paging of letters,
and a refused Redis as QueueUnavailable (real Redis, a namespace of the test's own)."""

from __future__ import annotations

import time
from typing import Any
import uuid
from collections.abc import Iterator

import pytest
import redis
from dramatiq.message import Message

from adapters.queue.dramatiq_queue import ACTOR_NAME, QueueRuntime, RetryPolicy, build_queue_runtime
from core.domain.errors import QueueUnavailable

pytestmark = pytest.mark.redis


class Nothing:
    def __call__(self, job_id: str, index: int) -> None: ...

    def give_up(self, job_id: str, index: int, error: str) -> None: ...


@pytest.fixture
def runtime(redis_url: str) -> Iterator[QueueRuntime]:
    namespace = f"eqv-test-dl-{uuid.uuid4().hex[:10]}"
    runtime = build_queue_runtime(redis_url, namespace, RetryPolicy(), Nothing(), redis_timeout_s=2)
    yield runtime
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(f"{namespace}:*"))
    if keys:
        client.delete(*keys)
    client.close()
    runtime.close()


def test_queued_items_are_the_messages_waiting_in_the_queue(runtime: QueueRuntime) -> None:
    runtime.job_queue.enqueue_many("job-a", range(3))
    runtime.job_queue.enqueue("job-b", 7)
    assert runtime.dead_letters.queued_items() == {("job-a", 0), ("job-a", 1), ("job-a", 2), ("job-b", 7)}


def test_held_items_also_count_a_message_a_worker_fetched_and_has_not_acknowledged(
    runtime: QueueRuntime, redis_url: str
) -> None:
    runtime.job_queue.enqueue_many("job-a", range(3))
    client = redis.Redis.from_url(redis_url)
    key = f"{runtime.broker.namespace}:batch"  # type: ignore[attr-defined]
    client.rpop(key)  # as Dramatiq's fetch does: the id leaves the list, the body stays in .msgs until the ack
    client.close()
    assert len(runtime.dead_letters.queued_items()) == 2
    assert runtime.dead_letters.held_items() == {("job-a", 0), ("job-a", 1), ("job-a", 2)}


def test_letters_are_paged_oldest_first(runtime: QueueRuntime, redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    key = f"{runtime.broker.namespace}:batch.XQ"  # type: ignore[attr-defined]
    for index in range(7):
        message: Message[Any] = Message(queue_name="batch", actor_name=ACTOR_NAME, args=("job-x", index), kwargs={}, options={})
        client.zadd(key, {f"letter-{index}": time.time() * 1000 + index})
        client.hset(f"{key}.msgs", f"letter-{index}", message.encode())
    client.close()
    pages = [runtime.dead_letters.list_letters(3, offset) for offset in (0, 3, 6, 9)]
    assert [[letter.index for letter in page] for page in pages] == [[0, 1, 2], [3, 4, 5], [6], []]


def test_a_refused_redis_is_queue_unavailable() -> None:
    runtime = build_queue_runtime("redis://127.0.0.1:1/0", "eqv-nowhere", RetryPolicy(), Nothing(), redis_timeout_s=1)
    for call in (runtime.dead_letters.stats, runtime.dead_letters.list_letters, runtime.dead_letters.queued_items,
                 runtime.dead_letters.held_items,
                 lambda: runtime.job_queue.enqueue("job", 0)):
        with pytest.raises(QueueUnavailable):
            call()
