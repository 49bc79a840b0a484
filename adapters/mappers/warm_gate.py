"""A mapper that refuses to map until the chain is warm (ADR 0014).

Before the start-up warm-up ends, an evaluation would be mapped by a half-built chain
(degraded) and stored for good under its request_id. The gate waits a little for the
warm-up, then raises MappersWarmingUp — deliberately *not* a MapperError, so nothing
degrades: the HTTP layer answers 503 with Retry-After and a batch item stays pending and
is retried.
"""

from __future__ import annotations

import threading

from core.domain.model import ConceptMatch, Taxonomy
from core.ports.concept_mapper import ConceptMapper

WAIT_S = 5.0


class MappersWarmingUp(RuntimeError):
    """The mapper chain is still warming up; retry shortly."""


class WarmGate:
    def __init__(self, mapper: ConceptMapper, ready: threading.Event, wait_s: float = WAIT_S) -> None:
        self.inner = mapper
        self._ready = ready
        self._wait_s = wait_s

    @property
    def version(self) -> str:
        return self.inner.version

    def map(self, text: str, taxonomy: Taxonomy) -> tuple[ConceptMatch, ...]:
        if not self._ready.wait(self._wait_s):
            raise MappersWarmingUp(f"mapeador {self.inner.version} ainda aquecendo")
        return self.inner.map(text, taxonomy)
