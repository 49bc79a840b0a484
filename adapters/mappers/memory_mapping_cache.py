"""In-process mapping cache for the embedded runtime: bounded LRU with hit/miss counters."""

from __future__ import annotations

import threading
from collections import OrderedDict

from core.domain.model import ConceptMatch
from core.ports.metrics import Metrics


class MemoryMappingCache:
    def __init__(self, max_entries: int = 10_000, metrics: Metrics | None = None) -> None:
        self._entries: OrderedDict[str, tuple[ConceptMatch, ...]] = OrderedDict()
        self._max = max_entries
        self._lock = threading.Lock()
        self._metrics = metrics
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> tuple[ConceptMatch, ...] | None:
        with self._lock:
            value = self._entries.get(key)
            if value is None:
                self.misses += 1
            else:
                self._entries.move_to_end(key)
                self.hits += 1
        if self._metrics is not None:
            self._metrics.cache_lookup("memory", hit=value is not None)
        return value

    def set(self, key: str, matches: tuple[ConceptMatch, ...]) -> None:
        with self._lock:
            self._entries[key] = matches
            self._entries.move_to_end(key)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)
