"""The queue that carries batch items to workers, and its dead letters.

Messages only name an item (job_id, index): the database holds everything else, so a
lost or repeated message costs a little work, never a wrong or missing result.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol


class JobQueue(Protocol):
    """Deliver 'process item (job_id, index)' to a worker at least once."""

    def enqueue(self, job_id: str, index: int) -> None: ...

    def enqueue_many(self, job_id: str, indexes: Iterable[int]) -> None: ...


@dataclass(frozen=True, slots=True)
class QueueStats:
    """Messages of one queue: waiting, held by a worker, waiting for a retry, dead-lettered."""

    queue: str
    queued: int
    in_flight: int
    delayed: int
    dead: int


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A message that failed its last retry; it names the item it was carrying."""

    letter_id: str
    queue: str
    job_id: str
    index: int
    retries: int
    error: str
    failed_at: dt.datetime | None


class DeadLetterStore(Protocol):
    """Inspect the broker: sizes, dead-lettered messages (to discard them) and the items
    whose message is still waiting. Requeueing is a use case over this port.

    Every method raises core.domain.errors.QueueUnavailable when the broker cannot answer."""

    def stats(self) -> list[QueueStats]: ...

    def list_letters(self, limit: int = 1000, offset: int = 0) -> list[DeadLetter]:
        """Dead letters, oldest first; `offset` pages through them."""

    def queued_items(self) -> set[tuple[str, int]]:
        """(job_id, index) of every item whose message waits in the broker's queue (or delay
        queue) for a worker to take it: the reconciler must not send it again."""

    def held_items(self) -> set[tuple[str, int]]:
        """queued_items plus the items whose message a worker has fetched and not yet acknowledged:
        every item the broker still has a message for (dead letters aside)."""

    def discard(self, letter_id: str) -> None: ...
