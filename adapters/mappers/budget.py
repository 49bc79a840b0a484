"""Time budgets for calls to mapper services: a deadline, and a call that cannot outlive it.

A socket read timeout bounds one read, not a whole answer: a server that trickles bytes
keeps a plain request alive far past it. `run_within` bounds the caller's wait exactly by
running the call on a worker thread; the abandoned call stops soon after on its own
(its timeouts are capped by the same deadline, see `Deadline.cap`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Executor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TypeVar

from core.ports.concept_mapper import MapperError

T = TypeVar("T")


class DeadlineExceeded(MapperError):
    """The mapper service did not answer within the time budget."""


class Deadline:
    """A point in monotonic time after which a call is no longer worth waiting for."""

    __slots__ = ("_at", "_clock", "seconds")

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self._at = clock() + seconds

    def remaining(self) -> float:
        return max(0.0, self._at - self._clock())

    @property
    def expired(self) -> bool:
        return self._clock() >= self._at

    def cap(self, seconds: float | None) -> float:
        """``seconds`` (None: unlimited), never beyond what is left of the deadline."""
        left = self.remaining()
        return left if seconds is None else min(seconds, left)

    def check(self, what: str) -> None:
        if self.expired:
            raise DeadlineExceeded(f"{what}: prazo de {self.seconds:.2f}s esgotado")


def run_within(executor: Executor, fn: Callable[[], T], deadline: Deadline, what: str) -> T:
    """``fn()`` on ``executor``; the caller waits no longer than the deadline."""
    deadline.check(what)
    future = executor.submit(fn)
    try:
        return future.result(timeout=deadline.remaining())
    except FutureTimeout:
        future.cancel()  # still queued: never runs; running: finishes on its own capped timeouts
        raise DeadlineExceeded(f"{what}: sem resposta em {deadline.seconds:.2f}s") from None
