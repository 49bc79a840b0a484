"""A small thread-safe circuit breaker: stop calling a mapper service that keeps failing.

closed ── N consecutive failures ──▶ open ── cool-down elapsed ──▶ half-open (one trial call)
half-open ── trial succeeds ──▶ closed;  trial fails ──▶ open (cool-down starts again)

While open (and while a half-open trial is in flight) calls fail at once, so a dead or
hanging service costs nothing instead of a full timeout per ementa.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from core.ports.concept_mapper import MapperError

CLOSED = "closed"
OPEN = "open"
HALF_OPEN = "half_open"

log = logging.getLogger(__name__)


class CircuitOpen(MapperError):
    """The service failed repeatedly; calls are refused until the cool-down ends."""


class CircuitBreaker:
    def __init__(
        self,
        name: str,
        failure_threshold: int = 3,
        reset_timeout_s: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if failure_threshold < 1 or reset_timeout_s <= 0:
            raise ValueError("failure_threshold must be >= 1 and reset_timeout_s > 0")
        self.name = name
        self._threshold = failure_threshold
        self._reset_timeout = reset_timeout_s
        self._clock = clock
        self._lock = threading.Lock()
        self._state = CLOSED
        self._failures = 0
        self._opened_at = 0.0
        self._trial_in_flight = False

    @property
    def state(self) -> str:
        with self._lock:
            if self._state == OPEN and self._clock() - self._opened_at >= self._reset_timeout:
                return HALF_OPEN
            return self._state

    def before_call(self) -> None:
        """Raise CircuitOpen unless a call may go out now (in half-open: only one at a time)."""
        with self._lock:
            if self._state == OPEN:
                waited = self._clock() - self._opened_at
                if waited < self._reset_timeout:
                    raise CircuitOpen(
                        f"{self.name}: circuito aberto após {self._threshold} falhas seguidas "
                        f"(nova tentativa em {self._reset_timeout - waited:.1f}s)"
                    )
                self._state = HALF_OPEN
                self._trial_in_flight = False
            if self._state == HALF_OPEN:
                if self._trial_in_flight:
                    raise CircuitOpen(f"{self.name}: circuito meio-aberto, tentativa em andamento")
                self._trial_in_flight = True

    def record_success(self) -> None:
        with self._lock:
            self._state = CLOSED
            self._failures = 0
            self._trial_in_flight = False

    def record_failure(self) -> None:
        with self._lock:
            self._trial_in_flight = False
            self._failures += 1
            opening = self._state != OPEN and (self._state == HALF_OPEN or self._failures >= self._threshold)
            if opening:
                self._state = OPEN
                self._opened_at = self._clock()
        if opening:
            log.warning("circuit %s opened; next trial in %.1fs", self.name, self._reset_timeout)
