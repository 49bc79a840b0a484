"""Fake clock, ids, mappers and metrics."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from core.domain.model import ConceptMatch, Taxonomy
from core.ports.concept_mapper import MapperError


@dataclass
class FixedClock:
    """`current` is what now() answers (set it freely); monotonic() advances `step` per call."""

    current: dt.datetime = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.timezone.utc)
    step: float = 0.001
    ticks: int = 0

    def now(self) -> dt.datetime:
        return self.current

    def monotonic(self) -> float:
        self.ticks += 1
        return self.ticks * self.step


@dataclass
class SequentialIds:
    prefix: str = "id-"
    issued: int = 0

    def new_id(self) -> str:
        self.issued += 1
        return f"{self.prefix}{self.issued}"


@dataclass
class StaticMapper:
    """Answers a fixed mapping per text (nothing for an unknown text) and counts its calls."""

    answers: dict[str, tuple[ConceptMatch, ...]]
    version: str = "static-1"
    calls: int = 0

    def map(self, text: str, taxonomy: Taxonomy) -> tuple[ConceptMatch, ...]:
        self.calls += 1
        return self.answers.get(text, ())


@dataclass
class FailingMapper:
    """Always raises MapperError, and counts how often it was asked."""

    version: str = "failing-1"
    calls: int = 0

    def map(self, text: str, taxonomy: Taxonomy) -> tuple[ConceptMatch, ...]:
        self.calls += 1
        raise MapperError("mapper unavailable")


@dataclass
class RecordingMetrics:
    """The Metrics port in memory: every call, as a tuple, in order."""

    calls: list[tuple[Any, ...]] = field(default_factory=list)

    def decision(self, tenant_id: str, decision: str, degraded: bool) -> None:
        self.calls.append(("decision", tenant_id, decision, degraded))

    def mapper_call(self, mapper: str, seconds: float, failed: bool) -> None:
        self.calls.append(("mapper_call", mapper, failed))

    def cache_lookup(self, tier: str, hit: bool) -> None:
        self.calls.append(("cache_lookup", tier, hit))

    def cache_error(self, tier: str, operation: str) -> None:
        self.calls.append(("cache_error", tier, operation))

    def batch_item(self, outcome: str) -> None:
        self.calls.append(("batch_item", outcome))

    def precedent_hit(self, tenant_id: str, outcome: str) -> None:  # ADR 0024
        self.calls.append(("precedent_hit", tenant_id, outcome))

    def of(self, kind: str) -> list[tuple[Any, ...]]:
        return [call[1:] for call in self.calls if call[0] == kind]
