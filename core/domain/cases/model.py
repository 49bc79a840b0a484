"""The value objects of a case: what the student brings, what the curriculum asks, the policy.

A case is decided in clock hours (`core/domain/workload.py`): hora-aula is converted before any
rule compares workloads. Codes identify courses and units inside one case.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.domain.curriculum import UnitType
from core.domain.errors import DomainError
from core.domain.model import Decision
from core.domain.workload import Workload

DEFAULT_MAX_COMBINATION = 3
DEFAULT_EXCLUDED = frozenset({UnitType.TCC, UnitType.ESTAGIO})


class InvalidCase(DomainError):
    """A case whose parts contradict each other (duplicate codes, a policy out of range)."""


@dataclass(frozen=True, slots=True)
class OrigemCourse:
    """A course of the student's transcript; `year` is when it was taken (its term's year)."""

    code: str
    name: str
    workload: Workload
    approved: bool = True
    year: int | None = None
    term: str | None = None
    unit_type: UnitType = UnitType.DISCIPLINA
    ementa: str = ""

    @property
    def clock_hours(self) -> float:
        return self.workload.clock_hours()


@dataclass(frozen=True, slots=True)
class DestinoUnit:
    """A unit of the destination curriculum. `equivalencias` are its internal equivalence groups
    (codes of other units of the same curriculum, as in `CurriculumUnit`)."""

    code: str
    name: str
    workload: Workload
    unit_type: UnitType = UnitType.DISCIPLINA
    equivalencias: tuple[tuple[str, ...], ...] = ()
    ementa: str = ""

    @property
    def clock_hours(self) -> float:
        return self.workload.clock_hours()

    @property
    def equivalent_codes(self) -> frozenset[str]:
        return frozenset(code for group in self.equivalencias for code in group if code != self.code)


@dataclass(frozen=True, slots=True)
class CasePolicy:
    """The office's rules for one case (UFFS: 40% cap, UFPB: 50% and 8 years, UFRN: 15 years)."""

    max_combination: int = DEFAULT_MAX_COMBINATION
    allow_reuse: bool = False
    max_waived_share: float | None = None
    excluded_types: frozenset[UnitType] = field(default=DEFAULT_EXCLUDED)
    validity_years: int | None = None
    workload_threshold: float = 1.0

    def __post_init__(self) -> None:
        if not 1 <= self.max_combination <= 5:
            raise InvalidCase("max_combination must be between 1 and 5")
        if self.max_waived_share is not None and not 0 < self.max_waived_share <= 1:
            raise InvalidCase("max_waived_share must be in (0, 1]")
        if self.validity_years is not None and self.validity_years < 0:
            raise InvalidCase("validity_years must not be negative")
        if not 0.7 <= self.workload_threshold <= 1.0:
            raise InvalidCase("workload_threshold must be between 0.7 and 1.0")

    def minimum_hours(self, destino: DestinoUnit) -> float:
        """Clock hours the origem courses must add up to for this destino."""
        return destino.clock_hours * self.workload_threshold

    def within_validity(self, course: OrigemCourse, reference_year: int) -> bool:
        """Too old a course is not waived; with a validity rule, an unknown year is not either."""
        if self.validity_years is None:
            return True
        return course.year is not None and reference_year - course.year <= self.validity_years


@dataclass(frozen=True, slots=True)
class Candidate:
    """One way to waive `destino`: 1..k origem course codes, scored by the evaluate pipeline.
    `clock_hours` is the origem courses' summed clock hours."""

    destino: str
    origens: tuple[str, ...]
    score: float
    decision: Decision
    clock_hours: float

    @property
    def key(self) -> tuple[str, tuple[str, ...]]:
        """The deterministic order of candidates: destino code, then origem codes."""
        return (self.destino, self.origens)


@dataclass(frozen=True, slots=True)
class Case:
    """Everything the solver reads: the transcript, the curriculum, scored candidates, the policy.
    `reference_year` is the year the request is judged (validity counts back from it)."""

    origens: tuple[OrigemCourse, ...]
    destinos: tuple[DestinoUnit, ...]
    candidates: tuple[Candidate, ...]
    policy: CasePolicy = CasePolicy()
    reference_year: int = 2026
    covering: frozenset[tuple[str, str]] = frozenset()
    """(destino, origem) pairs whose topics overlap enough to take part in a candidate, usable or
    not: for a unit without candidates, who could have covered it and why they did not."""

    def __post_init__(self) -> None:
        for kind, codes in (("origem", [o.code for o in self.origens]), ("destino", [d.code for d in self.destinos])):
            if len(set(codes)) != len(codes):
                raise InvalidCase(f"duplicate {kind} code")
        if len({c.key for c in self.candidates}) != len(self.candidates):
            raise InvalidCase("a candidate is listed twice")
        known_o, known_d = {o.code for o in self.origens}, {d.code for d in self.destinos}
        for c in self.candidates:
            if c.destino not in known_d or not set(c.origens) <= known_o or not c.origens:
                raise InvalidCase(f"candidate {c.destino} <- {c.origens} names unknown codes")
            if len(set(c.origens)) != len(c.origens):
                raise InvalidCase(f"candidate {c.destino} repeats an origem course")
        for destino, origem in self.covering:
            if destino not in known_d or origem not in known_o:
                raise InvalidCase(f"covering pair {destino} <- {origem} names unknown codes")

    @property
    def total_hours(self) -> float:
        """The curriculum's clock hours: what the waived share is a share of."""
        return sum(d.clock_hours for d in self.destinos)

    @property
    def cap_hours(self) -> float | None:
        share = self.policy.max_waived_share
        return None if share is None else share * self.total_hours
