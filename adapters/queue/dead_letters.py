"""Dead letters and queue sizes of Dramatiq's brokers (the DeadLetterStore port).

Dramatiq has no public API for them. Its Redis broker keeps, under a namespace `ns`:
`ns:<q>` (list of waiting message ids), `ns:<q>.msgs` (hash id → message, waiting or held
by a worker), `ns:<q>.DQ.msgs` (messages waiting for a retry), `ns:<q>.XQ` (sorted set of
dead message ids, scored by the time they died) and `ns:<q>.XQ.msgs` (their bodies).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable
from typing import Any, TypeVar, cast

import redis
from dramatiq.brokers.stub import StubBroker
from dramatiq.common import dq_name
from dramatiq.message import Message

from core.domain.errors import QueueUnavailable
from core.ports.job_queue import DeadLetter, QueueStats

_T = TypeVar("_T")
_SCAN_COUNT = 1000  # message bodies per HMGET round trip


def redis_guarded(method: Callable[..., _T]) -> Callable[..., _T]:
    """Redis down, hung (socket timeout) or refusing becomes QueueUnavailable, with one short line."""

    @functools.wraps(method)
    def guarded(*args: Any, **kwargs: Any) -> _T:
        try:
            return method(*args, **kwargs)
        except redis.RedisError as exc:
            raise QueueUnavailable(f"batch queue unavailable ({type(exc).__name__}: {exc})") from exc

    return guarded


class RedisDeadLetters:
    def __init__(self, client: redis.Redis, namespace: str, queues: list[str]) -> None:
        self._client = client
        self._ns = namespace
        self._queues = queues

    @redis_guarded
    def stats(self) -> list[QueueStats]:
        stats = []
        for queue in self._queues:
            key = f"{self._ns}:{queue}"
            pipe = self._client.pipeline(transaction=False)
            pipe.llen(key)
            pipe.hlen(f"{key}.msgs")
            pipe.hlen(f"{key}.DQ.msgs")
            pipe.zcard(f"{key}.XQ")
            waiting, stored, delayed, dead = (int(n) for n in pipe.execute())
            stats.append(QueueStats(queue, waiting, max(stored - waiting, 0), delayed, dead))
        return stats

    @redis_guarded
    def list_letters(self, limit: int = 1000, offset: int = 0) -> list[DeadLetter]:
        """Oldest first; `offset` skips that many letters (of all queues, in order) for paging."""
        letters: list[DeadLetter] = []
        for queue in self._queues:
            key = f"{self._ns}:{queue}.XQ"
            size = int(self._client.zcard(key))
            if offset >= size:
                offset -= size
                continue
            # withscores=True gives (member, score) pairs; redis-py types both result shapes as one.
            entries = cast(
                "list[tuple[bytes | str, float]]",
                self._client.zrange(key, offset, offset + limit - len(letters) - 1, withscores=True),
            )
            offset = 0
            if entries:
                bodies = self._client.hmget(f"{key}.msgs", [letter_id for letter_id, _ in entries])
                for (letter_id, died_ms), body in zip(entries, bodies):
                    if body is not None:
                        raw = body if isinstance(body, bytes) else body.encode()
                        letters.append(_letter(_text(letter_id), queue, Message.decode(raw), died_ms))
            if len(letters) >= limit:
                break
        return letters[:limit]

    @redis_guarded
    def queued_items(self) -> set[tuple[str, int]]:
        """Items whose message waits in a queue's list (`ns:<q>`, or `ns:<q>.DQ` for a retry):
        no worker has it yet, one will. A message held by a worker is not counted: if that
        worker died, only Dramatiq's occasional maintenance would hand it back, so a stale
        item with such a message is re-enqueued (the duplicate costs a skipped message)."""
        items: set[tuple[str, int]] = set()
        for queue in self._queues:
            for key in (f"{self._ns}:{queue}", f"{self._ns}:{queue}.DQ"):
                ids = self._client.lrange(key, 0, -1)
                for start in range(0, len(ids), _SCAN_COUNT):
                    bodies = self._client.hmget(f"{key}.msgs", ids[start : start + _SCAN_COUNT])
                    items.update(item for item in map(_item_of, bodies) if item is not None)
        return items

    @redis_guarded
    def held_items(self) -> set[tuple[str, int]]:
        """Dramatiq keeps a message's body in `ns:<q>.msgs` (`ns:<q>.DQ.msgs`) from enqueue until
        the worker that fetched it acknowledges it: waiting and fetched messages alike."""
        items: set[tuple[str, int]] = set()
        for queue in self._queues:
            for key in (f"{self._ns}:{queue}.msgs", f"{self._ns}:{queue}.DQ.msgs"):
                for _, body in self._client.hscan_iter(key, count=_SCAN_COUNT):
                    item = _item_of(body)
                    if item is not None:
                        items.add(item)
        return items

    @redis_guarded
    def discard(self, letter_id: str) -> None:
        for queue in self._queues:
            key = f"{self._ns}:{queue}.XQ"
            pipe = self._client.pipeline(transaction=True)
            pipe.zrem(key, letter_id)
            pipe.hdel(f"{key}.msgs", letter_id)
            pipe.execute()


class StubDeadLetters:
    """The same view of the in-process broker (embedded runtime); lost when the process exits."""

    def __init__(self, broker: StubBroker, queues: list[str]) -> None:
        self._broker = broker
        self._queues = queues

    def stats(self) -> list[QueueStats]:
        queues = self._broker.queues
        return [
            QueueStats(
                queue,
                queues[queue].qsize() if queue in queues else 0,
                0,
                queues[dq_name(queue)].qsize() if dq_name(queue) in queues else 0,
                len(self._broker.dead_letters_by_queue[queue]),
            )
            for queue in self._queues
        ]

    def list_letters(self, limit: int = 1000, offset: int = 0) -> list[DeadLetter]:
        letters = [
            _letter(message.message_id, queue, message, None)
            for queue in self._queues
            for message in list(self._broker.dead_letters_by_queue[queue])
        ]
        return letters[offset : offset + limit]

    def queued_items(self) -> set[tuple[str, int]]:
        """Items whose message waits in this process's queues (its delay queue included).

        A message being processed has left the queue: its item is running and fresh."""
        names = set(self._queues) | {dq_name(queue) for queue in self._queues}
        items: set[tuple[str, int]] = set()
        for name, waiting in list(self._broker.queues.items()):
            if name in names:
                with waiting.mutex:  # queue.Queue's own lock: a consistent copy
                    bodies = list(waiting.queue)
                items.update(item for item in map(_item_of, bodies) if item is not None)
        return items

    def held_items(self) -> set[tuple[str, int]]:
        """queued_items: a message this process's worker took is its running item's (never unsent)."""
        return self.queued_items()

    def discard(self, letter_id: str) -> None:
        for queue in self._queues:
            dead = self._broker.dead_letters_by_queue[queue]
            dead[:] = [message for message in dead if message.message_id != letter_id]


def _item_of(body: bytes | str | None) -> tuple[str, int] | None:
    """(job_id, index) a stored message carries, without building the Message."""
    if body is None:  # taken by a worker between LRANGE and HMGET
        return None
    try:
        args = json.loads(body).get("args") or []
        return str(args[0]), int(args[1])
    except (ValueError, TypeError, IndexError, AttributeError):
        return None


def _letter(letter_id: str, queue: str, message: Any, died_ms: float | None) -> DeadLetter:
    job_id, index = (list(message.args) + [None, None])[:2]
    return DeadLetter(
        letter_id=letter_id,
        queue=queue,
        job_id=str(job_id),
        index=int(index) if index is not None else -1,
        retries=int(message.options.get("retries", 0)),
        error=_exception_line(str(message.options.get("traceback") or "")),
        failed_at=None if died_ms is None else dt.datetime.fromtimestamp(died_ms / 1000, dt.timezone.utc),
    )


def _exception_line(trace: str) -> str:
    """'ExcType: message' of the last exception in a formatted traceback."""
    lines = trace.strip().splitlines()
    last_frame = max((i for i, line in enumerate(lines) if line.startswith("  File ")), default=-1)
    for line in lines[last_frame + 1 :]:
        if line and not line.startswith(" "):
            return line
    return lines[-1] if lines else ""


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
