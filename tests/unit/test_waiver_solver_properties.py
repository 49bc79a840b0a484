"""Properties of the case solver (issue 11): HiGHS's optimum under the case rules, on random cases."""

from __future__ import annotations

import dataclasses
import itertools
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.solver.highs_assignment import HighsAssignmentSolver
from core.domain.cases.answer import CaseAnswer
from core.domain.cases.assignment import feasible
from core.domain.cases.model import Candidate, Case, CasePolicy, DestinoUnit, OrigemCourse
from core.domain.cases.solve import build_problem, eligible, solve_case
from core.domain.curriculum import UnitType
from core.domain.model import Decision
from core.domain.workload import Workload

SOLVER = HighsAssignmentSolver(time_limit_s=30.0)  # generous: a busy CI machine must not fall back
HOURS = (30, 45, 60, 72, 90)
TYPES = (UnitType.DISCIPLINA,) * 6 + (UnitType.TCC, UnitType.ESTAGIO)
DECISIONS = (Decision.DEFERIDO, Decision.DEFERIDO, Decision.ANALISE_HUMANA, Decision.INDEFERIDO)


@st.composite
def cases(draw: st.DrawFn) -> Case:
    origens = tuple(
        OrigemCourse(
            f"O{i}", f"origem {i}", Workload(draw(st.sampled_from(HOURS))),
            approved=draw(st.sampled_from((True, True, True, False))),
            year=draw(st.integers(2005, 2026)),
        )
        for i in range(draw(st.integers(1, 7)))
    )
    n_destinos = draw(st.integers(1, 6))
    codes = [f"D{j}" for j in range(n_destinos)]
    destinos = tuple(
        DestinoUnit(
            code, f"destino {code}", Workload(draw(st.sampled_from(HOURS))),
            unit_type=draw(st.sampled_from(TYPES)),
            equivalencias=tuple((c,) for c in draw(st.lists(st.sampled_from(codes), max_size=2)) if c != code),
        )
        for code in codes
    )
    by_code = {o.code: o for o in origens}
    seen: dict[tuple[str, tuple[str, ...]], Candidate] = {}
    for _ in range(draw(st.integers(0, 18))):
        members = tuple(sorted(draw(st.sets(st.sampled_from(sorted(by_code)), min_size=1, max_size=3))))
        destino = draw(st.sampled_from(codes))
        hours = sum(by_code[m].clock_hours for m in members)
        seen[(destino, members)] = Candidate(
            destino, members, draw(st.integers(0, 100)), draw(st.sampled_from(DECISIONS)), hours
        )
    policy = CasePolicy(
        allow_reuse=draw(st.booleans()),
        max_waived_share=draw(st.sampled_from((None, 0.25, 0.4, 0.5))),
        validity_years=draw(st.sampled_from((None, 8, 15))),
        workload_threshold=draw(st.sampled_from((0.7, 0.9, 1.0))),
    )
    return Case(origens, destinos, tuple(seen.values()), policy, reference_year=2026)


def friendly(case: Case) -> Case:
    """Every course approved, every candidate DEFERIDO, no validity rule: most candidates compete."""
    return Case(
        tuple(dataclasses.replace(o, approved=True) for o in case.origens),
        case.destinos,
        tuple(dataclasses.replace(c, decision=Decision.DEFERIDO) for c in case.candidates),
        dataclasses.replace(case.policy, validity_years=None, workload_threshold=0.7),
        case.reference_year,
    )


def waived_hours(answer: CaseAnswer) -> float:
    return answer.summary.waived_hours


def brute_force_hours(case: Case) -> float:
    items = eligible(case)
    problem = build_problem(case, items)
    best = 0.0
    for size in range(len(items) + 1):
        for chosen in itertools.combinations(range(len(items)), size):
            if feasible(problem, chosen):
                best = max(best, sum(problem.hours[i] for i in chosen))
    return best


@settings(max_examples=150, deadline=None)
@given(cases())
def test_an_origem_course_is_used_once_unless_reuse_is_allowed(case: Case) -> None:
    answer = solve_case(case, SOLVER)
    used = [o for c in answer.waived for o in c.origens]
    assert case.policy.allow_reuse or len(used) == len(set(used))


@settings(max_examples=150, deadline=None)
@given(cases())
def test_the_cap_is_never_exceeded(case: Case) -> None:
    answer = solve_case(case, SOLVER)
    cap = case.cap_hours
    assert cap is None or answer.summary.waived_hours <= cap + 1e-6
    assert answer.summary.waived_hours == sum(
        d.clock_hours for d in case.destinos if d.code in {c.destino for c in answer.waived}
    )


@settings(max_examples=150, deadline=None)
@given(cases())
def test_only_deferido_valid_approved_non_excluded_candidates_are_waived(case: Case) -> None:
    answer = solve_case(case, SOLVER)
    destinos = {d.code: d for d in case.destinos}
    origens = {o.code: o for o in case.origens}
    for c in answer.waived:
        assert destinos[c.destino].unit_type not in case.policy.excluded_types
        assert c.decision is Decision.DEFERIDO
        assert all(origens[o].approved and case.policy.within_validity(origens[o], 2026) for o in c.origens)
    waived = {c.destino for c in answer.waived}
    for d in case.destinos:
        assert not (d.code in waived and d.equivalent_codes & waived)


@settings(max_examples=150, deadline=None)
@given(cases())
def test_the_optimum_waives_at_least_the_greedy_hours_and_is_optimal(case: Case) -> None:
    exact, greedy = solve_case(case, SOLVER), solve_case(case, None)
    assert greedy.summary.method == "greedy"
    assert waived_hours(exact) >= waived_hours(greedy) - 1e-6
    if len(eligible(case)) <= 12:
        assert abs(waived_hours(exact) - brute_force_hours(case)) < 1e-6


@settings(max_examples=100, deadline=None)
@given(cases(), st.data())
def test_removing_an_origem_course_never_increases_waived_hours(case: Case, data: st.DataObject) -> None:
    gone = data.draw(st.sampled_from([o.code for o in case.origens]))
    smaller = Case(
        tuple(o for o in case.origens if o.code != gone),
        case.destinos,
        tuple(c for c in case.candidates if gone not in c.origens),
        case.policy,
        case.reference_year,
    )
    assert waived_hours(solve_case(smaller, SOLVER)) <= waived_hours(solve_case(case, SOLVER)) + 1e-6


@settings(max_examples=100, deadline=None)
@given(cases(), st.randoms(use_true_random=False))
def test_same_input_gives_the_same_answer_whatever_the_candidate_order(case: Case, rnd: random.Random) -> None:
    shuffled = list(case.candidates)
    rnd.shuffle(shuffled)
    again = Case(case.origens, case.destinos, tuple(shuffled), case.policy, case.reference_year)
    assert solve_case(case, SOLVER) == solve_case(case, SOLVER) == solve_case(again, SOLVER)


@settings(max_examples=150, deadline=None)
@given(cases().map(friendly))
def test_competing_candidates_still_respect_reuse_cap_and_internal_equivalences(case: Case) -> None:
    answer = solve_case(case, SOLVER)
    used = [o for c in answer.waived for o in c.origens]
    assert case.policy.allow_reuse or len(used) == len(set(used))
    assert case.cap_hours is None or answer.summary.waived_hours <= case.cap_hours + 1e-6
    waived = {c.destino for c in answer.waived}
    assert not any(d.code in waived and d.equivalent_codes & waived for d in case.destinos)
    assert waived_hours(answer) >= waived_hours(solve_case(case, None)) - 1e-6
