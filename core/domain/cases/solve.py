"""The case rule: which scored candidates may be waived, the best assignment, and why not the rest.

A candidate may be waived only when its decision is DEFERIDO (ANALISE_HUMANA goes to a person,
never waived automatically), its destino's type is not excluded, each of its origem courses is
approved and within validity, and their summed clock hours meet the threshold. Among those, one
assignment maximizes waived clock hours (ties: total score) with at most one candidate per destino,
each origem course used once unless the policy allows reuse, the cap never exceeded, and never both
a unit and a unit its internal equivalence groups name: the curriculum says they teach the same
thing, so waiving both would credit the same content twice (ADR 0019).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.domain.cases.answer import (
    CaseAnswer,
    DestinoOutcome,
    DestinoStatus,
    OrigemOutcome,
    Reason,
    Summary,
)
from core.domain.cases.assignment import HOURS_EPSILON, AssignmentProblem, choose
from core.domain.cases.model import Candidate, Case, DestinoUnit, OrigemCourse
from core.domain.model import Decision

if TYPE_CHECKING:
    from core.ports.assignment_solver import AssignmentSolver


def exclusion(case: Case, course: OrigemCourse) -> Reason | None:
    """Why an origem course may waive nothing at all (not passed, too old); None when it may."""
    if not course.approved:
        return Reason.NOT_APPROVED
    if not case.policy.within_validity(course, case.reference_year):
        return Reason.OUT_OF_VALIDITY
    return None


def blocking_reason(case: Case, candidate: Candidate) -> Reason | None:
    """Why this candidate may never be waived, whatever else is chosen; None when it may be."""
    destino = next(d for d in case.destinos if d.code == candidate.destino)
    origens = {o.code: o for o in case.origens}
    if destino.unit_type in case.policy.excluded_types:
        return Reason.EXCLUDED_TYPE
    excluded = {exclusion(case, origens[c]) for c in candidate.origens}
    for reason in (Reason.NOT_APPROVED, Reason.OUT_OF_VALIDITY):
        if reason in excluded:
            return reason
    if candidate.clock_hours + HOURS_EPSILON < case.policy.minimum_hours(destino):
        return Reason.INSUFFICIENT_WORKLOAD
    if candidate.decision is Decision.ANALISE_HUMANA:
        return Reason.REVIEW
    if candidate.decision is not Decision.DEFERIDO:
        return Reason.REJECTED
    return None


def eligible(case: Case) -> tuple[Candidate, ...]:
    """The candidates the assignment may choose, in their deterministic order."""
    return tuple(sorted((c for c in case.candidates if blocking_reason(case, c) is None), key=lambda c: c.key))


def build_problem(case: Case, items: tuple[Candidate, ...]) -> AssignmentProblem:
    """The case's rules as groups of mutually exclusive items plus the cap."""
    hours_of = {d.code: d.clock_hours for d in case.destinos}
    by_destino: dict[str, list[int]] = {}
    by_origem: dict[str, list[int]] = {}
    for i, c in enumerate(items):
        by_destino.setdefault(c.destino, []).append(i)
        for o in c.origens:
            by_origem.setdefault(o, []).append(i)
    groups: set[tuple[int, ...]] = {tuple(g) for g in by_destino.values()}
    if not case.policy.allow_reuse:
        groups.update(tuple(g) for g in by_origem.values())
    for d in case.destinos:
        for other in d.equivalent_codes:
            if other in by_destino and d.code in by_destino:
                groups.add(tuple(sorted(by_destino[d.code] + by_destino[other])))
    return AssignmentProblem(
        hours=tuple(hours_of[c.destino] for c in items),
        scores=tuple(c.score for c in items),
        groups=tuple(sorted(g for g in groups if len(g) > 1)),
        capacity=case.cap_hours,
    )


def solve_case(case: Case, solver: AssignmentSolver | None) -> CaseAnswer:
    """The office's answer: the best assignment, and a reason for everything left out."""
    items = eligible(case)
    problem = build_problem(case, items)
    selection = choose(problem, solver)
    chosen = tuple(items[i] for i in selection.chosen)
    waived_hours = selection.hours(problem)
    beyond: tuple[Candidate, ...] = ()
    cap_reached = False
    if problem.capacity is not None and not _cap_cannot_bind(case, items, problem.capacity):
        free = choose(problem.uncapped(), solver)
        cap_reached = free.hours(problem) > waived_hours + HOURS_EPSILON
        beyond = tuple(items[i] for i in free.chosen if items[i] not in chosen) if cap_reached else ()
    summary = Summary(waived_hours, case.total_hours, case.cap_hours, cap_reached, selection.method)
    return CaseAnswer(_destinos(case, chosen, waived_hours), _origens(case, chosen), summary, beyond)


def _cap_cannot_bind(case: Case, items: tuple[Candidate, ...], capacity: float) -> bool:
    """Waiving every unit some item names at once (at most one item per unit) fits the cap: then
    the cap constrains nothing, the uncapped assignment waives exactly what the capped one does,
    and its second solve is skipped (cap not reached, nothing beyond it)."""
    hours_of = {d.code: d.clock_hours for d in case.destinos}
    return sum(hours_of[code] for code in {c.destino for c in items}) <= capacity + HOURS_EPSILON


def _best(candidates: list[Candidate]) -> Candidate | None:
    return min(candidates, key=lambda c: (-c.score, c.key), default=None)


def _destinos(case: Case, chosen: tuple[Candidate, ...], waived_hours: float) -> tuple[DestinoOutcome, ...]:
    waived = {c.destino: c for c in chosen}
    used_for = {o: c.destino for c in chosen for o in c.origens}
    outcomes = []
    for d in case.destinos:
        if d.code in waived:
            outcomes.append(DestinoOutcome(d.code, DestinoStatus.WAIVED, waived[d.code]))
            continue
        if d.unit_type in case.policy.excluded_types:
            outcomes.append(DestinoOutcome(d.code, DestinoStatus.NOT_WAIVED, None, Reason.EXCLUDED_TYPE))
            continue
        mine = [c for c in case.candidates if c.destino == d.code]
        blocked = {c: blocking_reason(case, c) for c in mine}
        free = [c for c in mine if case.policy.allow_reuse or not any(o in used_for for o in c.origens)]
        review = _best([c for c in free if blocked[c] is Reason.REVIEW])
        deferido = _best([c for c in mine if blocked[c] is None])
        if deferido is not None:
            reason, detail = _why_not_chosen(case, deferido, waived, used_for, waived_hours)
            if review is None:
                outcomes.append(DestinoOutcome(d.code, DestinoStatus.NOT_WAIVED, deferido, reason, detail))
                continue
        if review is not None:
            outcomes.append(DestinoOutcome(d.code, DestinoStatus.TO_REVIEW, review, Reason.REVIEW))
            continue
        best = _best(mine)
        if best is None:
            outcomes.append(uncovered(case, d))
            continue
        reason = blocked[best] or Reason.REJECTED
        detail = ""
        if best is not None and reason is Reason.REVIEW:  # only review candidates, origens taken
            reason = Reason.ALREADY_USED
            detail = ", ".join(f"{o} already used for {used_for[o]}" for o in best.origens if o in used_for)
        outcomes.append(DestinoOutcome(d.code, DestinoStatus.NOT_WAIVED, best, reason, detail))
    return tuple(outcomes)


def uncovered(case: Case, destino: DestinoUnit) -> DestinoOutcome:
    """A unit no candidate names: say who covers its content and why they could not waive it.

    Set aside (not approved, out of validity) when the courses covering it would have the hours
    with them; too few hours when even all of them together do not; else no course covers it.
    """
    courses = {o.code: o for o in case.origens}
    covering = sorted(o for d, o in case.covering if d == destino.code)
    hours = sum(courses[o].clock_hours for o in covering)
    minimum = case.policy.minimum_hours(destino)
    why = {o: reason for o in covering if (reason := exclusion(case, courses[o])) is not None}
    set_aside = tuple(o for o in covering if o in why)
    if covering and hours < minimum:
        detail = f"{' + '.join(covering)}: {hours:g}h, {minimum:g}h needed"
        return DestinoOutcome(destino.code, DestinoStatus.NOT_WAIVED, None, Reason.INSUFFICIENT_WORKLOAD, detail, tuple(covering))
    if set_aside:
        reason = Reason.NOT_APPROVED if Reason.NOT_APPROVED in why.values() else Reason.OUT_OF_VALIDITY
        detail = ", ".join(f"{o} {why[o].value}" for o in set_aside)
        return DestinoOutcome(destino.code, DestinoStatus.NOT_WAIVED, None, reason, detail, set_aside)
    return DestinoOutcome(destino.code, DestinoStatus.NOT_WAIVED, None, Reason.NO_CANDIDATE)


def _why_not_chosen(
    case: Case,
    candidate: Candidate,
    waived: dict[str, Candidate],
    used_for: dict[str, str],
    waived_hours: float,
) -> tuple[Reason, str]:
    if not case.policy.allow_reuse:
        taken = [o for o in candidate.origens if o in used_for]
        if taken:
            return Reason.ALREADY_USED, ", ".join(f"{o} already used for {used_for[o]}" for o in taken)
    destino = next(d for d in case.destinos if d.code == candidate.destino)
    twins = sorted(code for code in destino.equivalent_codes if code in waived)
    twins += sorted(d.code for d in case.destinos if destino.code in d.equivalent_codes and d.code in waived)
    if twins:
        return Reason.EQUIVALENT_WAIVED, f"equivalent unit {twins[0]} is waived"
    cap = case.cap_hours
    if cap is not None and waived_hours + destino.clock_hours > cap + HOURS_EPSILON:
        return Reason.CAP, f"waiving it would exceed the cap of {cap:g}h"
    return Reason.NOT_CHOSEN, ""


def _origens(case: Case, chosen: tuple[Candidate, ...]) -> tuple[OrigemOutcome, ...]:
    outcomes = []
    for o in case.origens:
        used = tuple(c.destino for c in chosen if o.code in c.origens)
        if used:
            outcomes.append(OrigemOutcome(o.code, used))
            continue
        outcomes.append(OrigemOutcome(o.code, (), *_why_unused(case, o.code, chosen)))
    return tuple(outcomes)


def _why_unused(case: Case, code: str, chosen: tuple[Candidate, ...]) -> tuple[Reason, str]:
    course = next(o for o in case.origens if o.code == code)
    excluded = exclusion(case, course)
    if excluded is Reason.NOT_APPROVED:
        return Reason.NOT_APPROVED, ""
    if excluded is Reason.OUT_OF_VALIDITY:
        year = "unknown" if course.year is None else str(course.year)
        return Reason.OUT_OF_VALIDITY, f"year {year}, validity {case.policy.validity_years} years"
    mine = [c for c in case.candidates if code in c.origens]
    if not mine:
        return Reason.COVERS_NOTHING, ""
    reasons = {c: blocking_reason(case, c) for c in mine}
    open_ = [c for c in mine if reasons[c] is None]
    if not open_:
        if any(r is Reason.REVIEW for r in reasons.values()):
            return Reason.REVIEW, ", ".join(sorted({c.destino for c in mine if reasons[c] is Reason.REVIEW}))
        first = _best(mine)
        return (reasons[first] if first else None) or Reason.REJECTED, ""
    waived = {c.destino: c for c in chosen}
    best = _best(open_)
    assert best is not None
    if best.destino in waived:
        return Reason.DESTINO_WAIVED, f"{best.destino} waived by {', '.join(waived[best.destino].origens)}"
    used_for = {o: c.destino for c in chosen for o in c.origens}
    hours = sum(next(d.clock_hours for d in case.destinos if d.code == c.destino) for c in chosen)
    return _why_not_chosen(case, best, waived, used_for, hours)
