"""Dead letters and queue sizes of Dramatiq's brokers (the DeadLetterStore port).

Dramatiq has no public API for them. Its Redis broker keeps, under a namespace `ns`:
`ns:<q>` (list of waiting message ids), `ns:<q>.msgs` (hash id → message, waiting or held
by a worker), `ns:<q>.DQ.msgs` (messages waiting for a retry), `ns:<q>.XQ` (sorted set of
dead message ids, scored by the time they died) and `ns:<q>.XQ.msgs` (their bodies).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import redis
from dramatiq.brokers.stub import StubBroker
from dramatiq.common import dq_name
from dramatiq.message import Message

from core.ports.job_queue import DeadLetter, QueueStats


class RedisDeadLetters:
    def __init__(self, client: redis.Redis, namespace: str, queues: list[str]) -> None:
        self._client = client
        self._ns = namespace
        self._queues = queues

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

    def list_letters(self, limit: int = 1000) -> list[DeadLetter]:
        letters: list[DeadLetter] = []
        for queue in self._queues:
            key = f"{self._ns}:{queue}.XQ"
            # withscores=True gives (member, score) pairs; redis-py types both result shapes as one.
            entries = cast("list[tuple[bytes | str, float]]", self._client.zrange(key, 0, limit - 1, withscores=True))
            if not entries:
                continue
            bodies = self._client.hmget(f"{key}.msgs", [letter_id for letter_id, _ in entries])
            for (letter_id, died_ms), body in zip(entries, bodies):
                if body is not None:
                    raw = body if isinstance(body, bytes) else body.encode()
                    letters.append(_letter(_text(letter_id), queue, Message.decode(raw), died_ms))
        return letters[:limit]

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

    def list_letters(self, limit: int = 1000) -> list[DeadLetter]:
        letters = [
            _letter(message.message_id, queue, message, None)
            for queue in self._queues
            for message in list(self._broker.dead_letters_by_queue[queue])
        ]
        return letters[:limit]

    def discard(self, letter_id: str) -> None:
        for queue in self._queues:
            dead = self._broker.dead_letters_by_queue[queue]
            dead[:] = [message for message in dead if message.message_id != letter_id]


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
