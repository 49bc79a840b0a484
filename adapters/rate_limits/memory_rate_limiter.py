"""Rate limits in process memory (embedded runtime: one process, several threads).

Each bucket is one integer (its GCRA theoretical arrival time) in a dict guarded by a lock.
Buckets whose TAT has passed are full again, exactly as if absent, so a sweep drops them once
the dict grows past `sweep_above` entries.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from core.domain.gcra import gcra
from core.domain.rate_limits import RateDecision, RateLimit


def monotonic_us() -> int:
    return time.monotonic_ns() // 1_000


class MemoryRateLimiter:
    def __init__(self, now_us: Callable[[], int] = monotonic_us, sweep_above: int = 10_000) -> None:
        self._now_us = now_us
        self._sweep_above = sweep_above
        self._tats: dict[str, int] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, limit: RateLimit) -> RateDecision:
        with self._lock:
            now = self._now_us()
            step = gcra(self._tats.get(key), now, limit)
            if step.tat_us is not None:
                self._tats[key] = step.tat_us
                if len(self._tats) > self._sweep_above:
                    self._sweep(now)
            return step.decision

    def hit_now(self, key: str, limit: RateLimit) -> RateDecision:
        return self.hit(key, limit)  # memory only: never waits on I/O

    def _sweep(self, now: int) -> None:
        self._tats = {key: tat for key, tat in self._tats.items() if tat > now}
        # Still too many live buckets: sweep again only after as many new ones.
        self._sweep_above = max(self._sweep_above, 2 * len(self._tats))

    def __len__(self) -> int:
        return len(self._tats)

