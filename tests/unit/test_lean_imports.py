"""An API process does not load what only some requests need (ADR 0041): scipy (~40 MB, the case
solver) and fpdf2 (~33 MB, PDF pareceres) are imported on first use, not with the app."""

from __future__ import annotations

import subprocess
import sys

from adapters.solver.highs_assignment import HighsAssignmentSolver
from core.domain.cases.assignment import AssignmentProblem

HEAVY = ("scipy", "fpdf")


def test_the_app_and_the_container_load_neither_scipy_nor_fpdf() -> None:
    probe = (
        "import sys, entrypoints.asgi, entrypoints.container;"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == ""


def test_the_lazy_solver_still_solves() -> None:
    problem = AssignmentProblem(hours=(60.0, 30.0, 45.0), scores=(0.9, 0.8, 0.7), groups=((0, 1),), capacity=None)
    assert HighsAssignmentSolver().solve(problem) == (0, 2)

