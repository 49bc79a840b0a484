"""In-process mapping cache (the embedded runtime's, and the local tier of the full runtime's):
bounded LRU with hit/miss counters.

Entries are kept as plain tuples of strings and floats, not as ConceptMatch objects. An instance
of a class is always tracked by CPython's cyclic garbage collector, so a full cache (10,000
entries of ~20 concepts) was ~200,000 objects that every full collection walked, ~100 ms of CPU
holding the GIL each time. A tuple holding only strings, floats and such tuples stops being
tracked at the first collection it survives, and the collector never walks it again (ADR 0044).
A hit builds its ConceptMatch objects again (~1 µs each; mapping the text costs ~0.8 ms).
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from core.domain.model import ConceptMatch
from core.ports.metrics import Metrics

_Packed = tuple[tuple[str, float, tuple[str, ...]], ...]


def _pack(matches: tuple[ConceptMatch, ...]) -> _Packed:
    return tuple((m.node_id, m.confidence, m.evidence) for m in matches)


def _unpack(packed: _Packed) -> tuple[ConceptMatch, ...]:
    return tuple(ConceptMatch(node_id, confidence, evidence) for node_id, confidence, evidence in packed)


class MemoryMappingCache:
    def __init__(self, max_entries: int = 10_000, metrics: Metrics | None = None) -> None:
        self._entries: OrderedDict[str, _Packed] = OrderedDict()
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
        return None if value is None else _unpack(value)

    def set(self, key: str, matches: tuple[ConceptMatch, ...]) -> None:
        packed = _pack(matches)
        with self._lock:
            self._entries[key] = packed
            self._entries.move_to_end(key)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)
