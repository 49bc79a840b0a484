"""The assignment as a small 0/1 problem, its rules in plain Python, and the greedy fallback.

Items are the eligible candidates. Choosing item i waives its destino's `hours` and earns its
`score`. Each group in `groups` admits at most one chosen item (one candidate per destino, one use
per origem course unless reuse is allowed, one unit of each internal equivalence pair) and the
chosen hours never exceed `capacity` (the cap). The best selection maximizes hours, then score,
then prefers lower item indices (items come in the candidates' deterministic order).

An exact solver (the `AssignmentSolver` port, HiGHS in `adapters/solver/`) answers when it can;
`greedy` answers when it is missing, fails or hits its time limit, and `choose` keeps whichever
selection is better, so a numerically odd solver answer never loses hours.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.ports.assignment_solver import AssignmentSolver

HOURS_EPSILON = 1e-6
GREEDY = "greedy"

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class AssignmentProblem:
    hours: tuple[float, ...]
    scores: tuple[float, ...]
    groups: tuple[tuple[int, ...], ...]
    capacity: float | None = None

    def __post_init__(self) -> None:
        if len(self.hours) != len(self.scores):
            raise ValueError("hours and scores must have one value per item")

    @property
    def size(self) -> int:
        return len(self.hours)

    def uncapped(self) -> AssignmentProblem:
        return AssignmentProblem(self.hours, self.scores, self.groups, None)


@dataclass(frozen=True, slots=True)
class Selection:
    """The chosen item indices (sorted) and which method chose them (`greedy` or a solver's name)."""

    chosen: tuple[int, ...]
    method: str

    def hours(self, problem: AssignmentProblem) -> float:
        return sum(problem.hours[i] for i in self.chosen)

    def score(self, problem: AssignmentProblem) -> float:
        return sum(problem.scores[i] for i in self.chosen)


def feasible(problem: AssignmentProblem, chosen: Iterable[int]) -> bool:
    """Every group holds at most one chosen item and the hours fit the capacity."""
    picked = set(chosen)
    if not picked <= set(range(problem.size)):
        return False
    if any(sum(1 for i in group if i in picked) > 1 for group in problem.groups):
        return False
    total = sum(problem.hours[i] for i in picked)
    return problem.capacity is None or total <= problem.capacity + HOURS_EPSILON


def greedy(problem: AssignmentProblem) -> Selection:
    """Most hours first (then score, then index), each taken when it still fits: fast, not optimal."""
    blocked_by: dict[int, list[int]] = {}
    for g, group in enumerate(problem.groups):
        for i in group:
            blocked_by.setdefault(i, []).append(g)
    used_groups: set[int] = set()
    total = 0.0
    chosen: list[int] = []
    order = sorted(range(problem.size), key=lambda i: (-problem.hours[i], -problem.scores[i], i))
    for i in order:
        if any(g in used_groups for g in blocked_by.get(i, ())):
            continue
        if problem.capacity is not None and total + problem.hours[i] > problem.capacity + HOURS_EPSILON:
            continue
        chosen.append(i)
        total += problem.hours[i]
        used_groups.update(blocked_by.get(i, ()))
    return Selection(tuple(sorted(chosen)), GREEDY)


def _rank(problem: AssignmentProblem, selection: Selection) -> tuple[float, float]:
    return (round(-selection.hours(problem), 6), round(-selection.score(problem), 6))


def choose(problem: AssignmentProblem, solver: AssignmentSolver | None) -> Selection:
    """The exact answer when the solver gives one, else the greedy one; never worse than greedy."""
    fallback = greedy(problem)
    if solver is None or problem.size == 0:
        return fallback
    try:
        chosen = solver.solve(problem)
    except Exception:  # an optional engine failing must not fail the case: degrade to greedy
        log.warning("assignment solver %s failed; using greedy", solver.name, exc_info=True)
        return fallback
    if chosen is None or not feasible(problem, chosen):
        return fallback
    exact = Selection(tuple(sorted(set(chosen))), solver.name)
    return exact if _rank(problem, exact) <= _rank(problem, fallback) else fallback
