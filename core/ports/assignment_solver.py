from __future__ import annotations

from typing import Protocol

from core.domain.cases.assignment import AssignmentProblem


class AssignmentSolver(Protocol):
    """An exact 0/1 solver for the case assignment (ADR 0019).

    `solve` returns the chosen item indices of an optimal selection (most hours, then most score,
    then lowest indices), or None when it could not prove one (time limit, no engine)."""

    name: str

    def solve(self, problem: AssignmentProblem) -> tuple[int, ...] | None: ...
