"""The case's shortcuts give the case the plain path gives (issue 11, ADR 0040): the uncapped solve
skipped when the cap cannot bind, and each pair's courses built once per case."""

from __future__ import annotations

import dataclasses
from unittest import mock

import msgspec
from hypothesis import given, settings

from adapters.curricula.document import CurriculumIn, document_to_curriculum

from adapters.solver.highs_assignment import HighsAssignmentSolver
from core.domain.cases import solve
from core.domain.cases.assignment import AssignmentProblem
from core.domain.cases.model import Case, CasePolicy
from core.domain.cases.solve import solve_case
from core.domain.model import Course
from core.usecases.cases import pair_command, pair_commands
from core.usecases.evaluate import EvaluateCommand
from tests.support.case_world import case_world, realistic, transcript
from tests.unit.test_waiver_solver_properties import SOLVER, cases, friendly


class CountingSolver:
    """The real solver, counting the problems it is given with a cap and without."""

    name = "highs"

    def __init__(self) -> None:
        self.capped = self.uncapped = 0
        self._solver = HighsAssignmentSolver(time_limit_s=30.0)

    def solve(self, problem: AssignmentProblem) -> tuple[int, ...] | None:
        if problem.capacity is None:
            self.uncapped += 1
        else:
            self.capped += 1
        return self._solver.solve(problem)


def plain(case: Case, solver: object) -> object:
    """The answer with the uncapped assignment always solved (before the shortcut)."""
    with mock.patch.object(solve, "_cap_cannot_bind", lambda *_: False):
        return solve_case(case, solver)  # type: ignore[arg-type]


@settings(max_examples=150, deadline=None)
@given(cases())
def test_skipping_the_uncapped_solve_changes_no_answer(case: Case) -> None:
    for c in (case, friendly(case)):
        assert solve_case(c, SOLVER) == plain(c, SOLVER)
        assert solve_case(c, None) == plain(c, None)


@settings(max_examples=60, deadline=None)
@given(cases())
def test_a_cap_above_every_unit_any_candidate_names_is_solved_once(case: Case) -> None:
    roomy = dataclasses.replace(case, policy=dataclasses.replace(case.policy, max_waived_share=1.0))
    solver = CountingSolver()
    answer = solve_case(roomy, solver)  # type: ignore[arg-type]
    assert solver.uncapped == 0 and not answer.summary.cap_reached and answer.beyond_cap == ()
    assert answer == plain(roomy, SOLVER)


def test_a_binding_cap_still_solves_without_it_for_the_pairs_beyond() -> None:
    world = case_world()
    tight = CasePolicy(validity_years=15, workload_threshold=0.9, max_waived_share=0.05)
    document = world.evaluate_case(world.command(tight))
    assert document["resumo"]["limite_atingido"] and document["deferidas_sem_limite"]


def test_each_pairs_command_is_the_one_pair_command_builds() -> None:
    courses = {c.codigo: c for c in transcript()}
    curriculum = document_to_curriculum(msgspec.convert(realistic()["curriculo"], CurriculumIn))
    units = {u.codigo: u for u in curriculum.units}
    base = EvaluateCommand("default", "", "", Course("-", 1, "-"), Course("-", 1, "-"), case_id="c-1")
    built = pair_commands(base, courses, units)
    codes = sorted(courses)
    combinations = [(c,) for c in codes] + [tuple(codes[:2]), tuple(codes[1:4]), tuple(codes[-3:])]
    for destino in units:
        for members in combinations:
            expected = pair_command(base, [courses[c] for c in members], units[destino])
            assert built(members, destino) == expected
            assert built(members, destino) == expected  # and again, from the courses it kept
