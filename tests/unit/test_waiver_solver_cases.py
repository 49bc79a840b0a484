"""The case solver on hand-checked cases: the assignment, the reasons, the fallback, generation."""

from __future__ import annotations

from typing import TypeVar

import pytest

from adapters.solver.highs_assignment import HighsAssignmentSolver
from core.domain.cases.answer import DestinoStatus, Reason
from core.domain.cases.assignment import AssignmentProblem, choose, greedy
from core.domain.cases.candidates import MAX_COMBINATIONS, propose, score_all
from core.domain.cases.model import Candidate, Case, CasePolicy, DestinoUnit, InvalidCase, OrigemCourse
from core.domain.cases.solve import solve_case
from core.domain.curriculum import UnitType
from core.domain.model import Decision
from core.domain.workload import Workload, WorkloadUnit

DEF, REV = Decision.DEFERIDO, Decision.ANALISE_HUMANA
SOLVER = HighsAssignmentSolver(time_limit_s=30.0)
T = TypeVar("T")


def origem(code: str, hours: float, approved: bool = True, year: int = 2022) -> OrigemCourse:
    return OrigemCourse(code, code, Workload(hours), approved=approved, year=year)


def destino(code: str, hours: float, kind: UnitType = UnitType.DISCIPLINA) -> DestinoUnit:
    return DestinoUnit(code, code, Workload(hours), unit_type=kind)


ORIGENS = (
    origem("A", 60), origem("B", 45), origem("C", 30), origem("D", 90),
    origem("E", 90, approved=False), origem("F", 60, year=2001), origem("G", 60), origem("H", 60),
)
DESTINOS = (
    destino("CALC1", 60), destino("CALC2", 60), destino("ALG", 60), destino("TCC", 60, UnitType.TCC),
    destino("PROG", 90), destino("FIS", 60),
)
CANDIDATES = (
    Candidate("CALC1", ("A",), 90, DEF, 60),
    Candidate("CALC1", ("B", "C"), 85, DEF, 75),
    Candidate("CALC2", ("A",), 80, DEF, 60),
    Candidate("ALG", ("B",), 65, REV, 45),
    Candidate("PROG", ("D",), 95, DEF, 90),
    Candidate("TCC", ("D",), 99, DEF, 90),
    Candidate("PROG", ("E",), 99, DEF, 90),
    Candidate("FIS", ("F",), 99, DEF, 60),
    Candidate("FIS", ("H",), 70, DEF, 60),
)


def case(share: float | None) -> Case:
    policy = CasePolicy(max_waived_share=share, validity_years=10, workload_threshold=0.7)
    return Case(ORIGENS, DESTINOS, CANDIDATES, policy, reference_year=2026)


def by_code(items: tuple[T, ...], attr: str) -> dict[str, T]:
    return {getattr(x, attr): x for x in items}


def test_without_a_cap_the_optimum_beats_greedy_by_splitting_a_and_b_plus_c() -> None:
    exact, quick = solve_case(case(None), SOLVER), solve_case(case(None), None)
    assert exact.summary.method == "highs" and quick.summary.method == "greedy"
    assert {(c.destino, c.origens) for c in exact.waived} == {
        ("CALC1", ("B", "C")), ("CALC2", ("A",)), ("PROG", ("D",)), ("FIS", ("H",)),
    }
    assert exact.summary.waived_hours == 270 and quick.summary.waived_hours == 210
    assert exact.summary.total_hours == 390 and not exact.summary.cap_reached and exact.beyond_cap == ()
    destinos = by_code(exact.destinos, "destino")
    assert destinos["TCC"].reason is Reason.EXCLUDED_TYPE
    assert destinos["ALG"].status is DestinoStatus.NOT_WAIVED and destinos["ALG"].reason is Reason.ALREADY_USED
    assert destinos["ALG"].detail == "B already used for CALC1"


def test_the_cap_keeps_the_best_hours_then_score_and_reports_what_it_left_out() -> None:
    answer = solve_case(case(0.4), SOLVER)  # 40% of 390h = 156h
    assert {(c.destino, c.origens) for c in answer.waived} == {("CALC1", ("A",)), ("PROG", ("D",))}
    assert answer.summary.waived_hours == 150 and answer.summary.cap_hours == pytest.approx(156)
    assert answer.summary.cap_reached
    assert answer.summary.waived_share == pytest.approx(150 / 390)
    assert {(c.destino, c.origens) for c in answer.beyond_cap} == {
        ("CALC1", ("B", "C")), ("CALC2", ("A",)), ("FIS", ("H",)),
    }
    destinos = by_code(answer.destinos, "destino")
    assert destinos["CALC1"].status is DestinoStatus.WAIVED and destinos["CALC1"].origens == ("A",)
    assert destinos["CALC1"].status.decision is Decision.DEFERIDO
    assert (destinos["CALC2"].reason, destinos["CALC2"].detail) == (Reason.ALREADY_USED, "A already used for CALC1")
    assert destinos["FIS"].reason is Reason.CAP
    review = destinos["ALG"].candidate
    assert destinos["ALG"].status is DestinoStatus.TO_REVIEW and review and review.origens == ("B",)
    assert destinos["ALG"].status.decision is Decision.ANALISE_HUMANA


def test_every_unused_origem_course_has_its_reason() -> None:
    answer = solve_case(case(0.4), SOLVER)
    origens = by_code(answer.origens, "origem")
    assert origens["A"].used_for == ("CALC1",) and origens["D"].used_for == ("PROG",)
    assert {o.origem for o in answer.unused} == {"B", "C", "E", "F", "G", "H"}
    assert (origens["B"].reason, origens["B"].detail) == (Reason.DESTINO_WAIVED, "CALC1 waived by A")
    assert origens["C"].reason is Reason.DESTINO_WAIVED
    assert origens["E"].reason is Reason.NOT_APPROVED
    assert (origens["F"].reason, origens["F"].detail) == (Reason.OUT_OF_VALIDITY, "year 2001, validity 10 years")
    assert origens["G"].reason is Reason.COVERS_NOTHING
    assert origens["H"].reason is Reason.CAP


def test_review_candidates_are_never_waived_and_rejected_ones_say_so() -> None:
    only = Case(
        (origem("A", 60), origem("B", 60)), (destino("X", 60), destino("Y", 60)),
        (Candidate("X", ("A",), 70, REV, 60), Candidate("Y", ("B",), 20, Decision.INDEFERIDO, 60)),
    )
    answer = solve_case(only, SOLVER)
    assert answer.waived == () and answer.summary.waived_hours == 0
    destinos, origens = by_code(answer.destinos, "destino"), by_code(answer.origens, "origem")
    assert destinos["X"].status is DestinoStatus.TO_REVIEW
    assert destinos["Y"].reason is Reason.REJECTED and origens["B"].reason is Reason.REJECTED
    assert (origens["A"].reason, origens["A"].detail) == (Reason.REVIEW, "X")


def test_internally_equivalent_units_are_never_both_waived() -> None:
    twins = Case(
        (origem("A", 60), origem("B", 60)),
        (destino("X", 60), DestinoUnit("Y", "Y", Workload(60), equivalencias=(("X",),))),
        (Candidate("X", ("A",), 70, DEF, 60), Candidate("Y", ("B",), 90, DEF, 60)),
    )
    answer = solve_case(twins, SOLVER)
    assert [c.destino for c in answer.waived] == ["Y"]
    assert by_code(answer.destinos, "destino")["X"].reason is Reason.EQUIVALENT_WAIVED


def test_reuse_when_the_policy_allows_it_and_short_workloads_never() -> None:
    bits = (origem("A", 60),), (destino("X", 60), destino("Y", 60), destino("Z", 90))
    cands = (Candidate("X", ("A",), 70, DEF, 60), Candidate("Y", ("A",), 90, DEF, 60), Candidate("Z", ("A",), 99, DEF, 60))
    reuse = solve_case(Case(*bits, cands, CasePolicy(allow_reuse=True)), SOLVER)
    assert sorted(c.destino for c in reuse.waived) == ["X", "Y"]
    assert by_code(reuse.destinos, "destino")["Z"].reason is Reason.INSUFFICIENT_WORKLOAD


def test_hora_aula_counts_in_clock_hours() -> None:
    ha = OrigemCourse("A", "A", Workload(72, WorkloadUnit.HORA_AULA, 50))
    assert ha.clock_hours == 60
    assert CasePolicy(workload_threshold=0.75).minimum_hours(destino("X", 80)) == 60


class Refusing:
    name = "refusing"

    def __init__(self, answer: tuple[int, ...] | None = None, fail: bool = False) -> None:
        self.answer, self.fail = answer, fail

    def solve(self, problem: AssignmentProblem) -> tuple[int, ...] | None:
        if self.fail:
            raise RuntimeError("engine gone")
        return self.answer


@pytest.mark.parametrize("solver", [Refusing(None), Refusing(fail=True), Refusing((0, 1)), HighsAssignmentSolver(0.0)])
def test_greedy_answers_when_the_solver_fails_times_out_or_answers_nonsense(solver: Refusing) -> None:
    problem = AssignmentProblem((60, 60, 90), (1, 2, 3), ((0, 1),), capacity=None)
    selection = choose(problem, solver)
    assert selection == greedy(problem) and selection.method == "greedy"
    assert selection.chosen == (1, 2)


def test_invalid_cases_are_refused() -> None:
    with pytest.raises(InvalidCase):
        CasePolicy(workload_threshold=0.5)
    with pytest.raises(InvalidCase):
        Case((origem("A", 60),), (destino("X", 60),), (Candidate("X", ("Q",), 1, DEF, 60),))
    with pytest.raises(InvalidCase):
        Case((origem("A", 60),), (destino("X", 60),), (Candidate("X", ("A",), 1, DEF, 60),) * 2)


def test_generation_prunes_to_covering_members_enough_hours_and_the_cap_per_destino() -> None:
    origens = [origem(f"O{i:02}", 30) for i in range(40)] + [origem("OLD", 90, year=1990), origem("NO", 90, approved=False)]
    destinos = [destino(f"D{j:02}", 60) for j in range(60)] + [destino("TCC", 60, UnitType.TCC)]

    def pairwise(o: OrigemCourse, d: DestinoUnit) -> float:
        return 0.0 if o.code == "O39" else 0.5 + (hash((o.code, d.code)) % 100) / 1000

    proposals = propose(destinos, origens, pairwise, CasePolicy(validity_years=15), 2026)
    assert {p.destino for p in proposals} == {d.code for d in destinos[:60]}
    for d in destinos[:60]:
        mine = [p for p in proposals if p.destino == d.code]
        assert 0 < len(mine) <= MAX_COMBINATIONS
        assert all(2 <= len(p.origens) <= 3 and p.clock_hours >= 60 for p in mine)
    assert not any({"O39", "OLD", "NO"} & set(p.origens) for p in proposals)
    candidates = score_all(proposals, lambda p: (sum(p.partials), DEF))
    assert candidates[0].clock_hours == proposals[0].clock_hours and candidates[0].decision is DEF


def test_single_courses_meeting_the_threshold_are_always_proposed() -> None:
    proposals = propose([destino("X", 60)], [origem("A", 60), origem("B", 50), origem("C", 20)],
                        lambda o, d: 0.3, CasePolicy(max_combination=2, workload_threshold=0.8), 2026)
    assert [p.origens for p in proposals] == [("A",), ("B",), ("A", "B"), ("A", "C"), ("B", "C")]
