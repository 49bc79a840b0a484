"""Decorators that report to the Metrics port around a mapper and around the batch item
processor; the container puts them in place (EvaluatePair reports its decisions itself).
"""

from __future__ import annotations

import time
from typing import Any

from core.domain.model import ConceptMatch, Taxonomy
from core.ports.concept_mapper import ConceptMapper
from core.ports.metrics import Metrics


class TimedMapper:
    """A ConceptMapper that reports each call's duration, and whether it raised, under `name`."""

    def __init__(self, inner: ConceptMapper, name: str, metrics: Metrics) -> None:
        self._inner = inner
        self._name = name
        self._metrics = metrics

    @property
    def version(self) -> str:
        return self._inner.version

    def map(self, text: str, taxonomy: Taxonomy) -> tuple[ConceptMatch, ...]:
        started = time.perf_counter()
        try:
            matches = self._inner.map(text, taxonomy)
        except BaseException:
            self._metrics.mapper_call(self._name, time.perf_counter() - started, failed=True)
            raise
        self._metrics.mapper_call(self._name, time.perf_counter() - started, failed=False)
        return matches


def timed(mapper: ConceptMapper | None, name: str, metrics: Metrics) -> ConceptMapper | None:
    """`TimedMapper`, or None for a missing mapper (no fallback configured)."""
    return None if mapper is None else TimedMapper(mapper, name, metrics)


class CountedItemProcessor:
    """The batch ItemProcessor (`ProcessItem`), counting what each attempt did.

    `done`/`failed` when the call finished the item (None: nothing to do, e.g. a repeated
    message), `transient_error` when it raised (the queue retries it), `dead_lettered` on give-up."""

    def __init__(self, inner: Any, metrics: Metrics) -> None:
        self._inner = inner
        self._metrics = metrics

    def __call__(self, job_id: str, index: int) -> Any:
        try:
            status = self._inner(job_id, index)
        except Exception:
            self._metrics.batch_item("transient_error")
            raise
        if status is not None:
            self._metrics.batch_item(getattr(status, "value", str(status)))
        return status

    def give_up(self, job_id: str, index: int, error: str) -> None:
        self._inner.give_up(job_id, index, error)
        self._metrics.batch_item("dead_lettered")
