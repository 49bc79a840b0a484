"""The case assignment as a MILP solved by HiGHS through `scipy.optimize.milp` (ADR 0019).

Binary x_i per item. Stage 1 maximizes waived hours Σ h_i x_i subject to Σ_{i∈g} x_i ≤ 1 for every
group g and Σ h_i x_i ≤ capacity. Stage 2 keeps the hours at the stage-1 optimum and maximizes
Σ s_i x_i (the tie-break by score). The relative MIP gap is 0, so both stages are exact; HiGHS is
deterministic for the same model, and the model is built in the items' deterministic order.

scipy is imported on the first solve, not with the module: it costs ~40 MB of RSS, and the API
processes that build this solver (the container wires it everywhere) mostly never solve (ADR 0041).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import numpy as np

from core.domain.cases.assignment import AssignmentProblem

if TYPE_CHECKING:
    from scipy.optimize import LinearConstraint

DEFAULT_TIME_LIMIT_S = 2.0
OPTIMAL = 0


class HighsAssignmentSolver:
    """`AssignmentSolver` on HiGHS; `time_limit_s` bounds both stages together."""

    name = "highs"

    def __init__(self, time_limit_s: float = DEFAULT_TIME_LIMIT_S) -> None:
        self._time_limit_s = time_limit_s

    def solve(self, problem: AssignmentProblem) -> tuple[int, ...] | None:
        from scipy.optimize import LinearConstraint  # lazy: see the module docstring
        from scipy.sparse import csr_array

        started = time.monotonic()
        n = problem.size
        hours = np.asarray(problem.hours, dtype=float)
        scores = np.asarray(problem.scores, dtype=float)
        rows, cols = [], []
        for r, group in enumerate(problem.groups):
            for i in group:
                rows.append(r)
                cols.append(i)
        constraints = []
        if problem.groups:
            matrix = csr_array((np.ones(len(rows)), (rows, cols)), shape=(len(problem.groups), n))
            constraints.append(LinearConstraint(matrix, -np.inf, 1.0))
        if problem.capacity is not None:
            constraints.append(LinearConstraint(hours.reshape(1, n), -np.inf, problem.capacity))
        first = self._run(-hours, constraints, started)
        if first is None:
            return None
        best_hours = float(hours @ first)
        floor = best_hours - 1e-6 * max(1.0, best_hours)
        second = self._run(-scores, [*constraints, LinearConstraint(hours.reshape(1, n), floor, np.inf)], started)
        chosen = first if second is None or float(hours @ second) < floor else second
        return tuple(int(i) for i in np.flatnonzero(chosen > 0.5))

    def _run(
        self, objective: np.ndarray, constraints: list[LinearConstraint], started: float
    ) -> np.ndarray | None:
        left = self._time_limit_s - (time.monotonic() - started)
        if left <= 0:
            return None
        from scipy.optimize import Bounds, milp  # lazy: see the module docstring

        n = objective.size
        result = milp(
            objective,
            integrality=np.ones(n),
            bounds=Bounds(0, 1),
            constraints=constraints,
            options={"time_limit": left, "mip_rel_gap": 0.0, "disp": False},
        )
        if result.status != OPTIMAL or result.x is None:
            return None
        return np.asarray(np.round(result.x), dtype=float)
