"""A unit no candidate names: its reason says who covers its content and why they could not
waive it (set aside as not approved or out of validity, or too few hours), never a workload
problem that is not one."""

from __future__ import annotations

import pytest

from core.domain.cases.answer import DestinoOutcome, DestinoStatus, Reason
from core.domain.cases.model import Case, CasePolicy, DestinoUnit, InvalidCase, OrigemCourse
from core.domain.cases.solve import solve_case, uncovered
from core.domain.workload import Workload
from core.usecases.cases import TranscriptCourse, uncovered_text

POLICY = CasePolicy(validity_years=10, workload_threshold=0.9)
REDES = DestinoUnit("REDES", "Redes de Computadores", Workload(60))
FAILED = OrigemCourse("R1", "Redes I", Workload(60), approved=False, year=2022)
OLD = OrigemCourse("R2", "Redes II", Workload(60), year=2001)
SHORT = OrigemCourse("R3", "Tópicos de Redes", Workload(30), year=2022)


def _case(*origens: OrigemCourse, covering: tuple[str, ...] = ()) -> Case:
    return Case(origens, (REDES,), (), POLICY, 2026, frozenset(("REDES", o) for o in covering))


def _outcome(case: Case) -> DestinoOutcome:
    outcome = solve_case(case, None).destinos[0]
    assert outcome == uncovered(case, REDES) and outcome.status is DestinoStatus.NOT_WAIVED
    return outcome


def test_a_unit_covered_only_by_a_failed_course_says_not_approved_and_names_it() -> None:
    outcome = _outcome(_case(FAILED, covering=("R1",)))
    assert (outcome.reason, outcome.related, outcome.candidate) == (Reason.NOT_APPROVED, ("R1",), None)


def test_a_unit_covered_only_by_too_old_a_course_says_out_of_validity() -> None:
    outcome = _outcome(_case(OLD, covering=("R2",)))
    assert (outcome.reason, outcome.related) == (Reason.OUT_OF_VALIDITY, ("R2",))


def test_set_aside_courses_are_all_named_and_not_approved_comes_first() -> None:
    outcome = _outcome(_case(FAILED, OLD, SHORT, covering=("R2", "R1", "R3")))
    assert (outcome.reason, outcome.related) == (Reason.NOT_APPROVED, ("R1", "R2"))


def test_workload_is_the_reason_only_when_the_covering_courses_lack_the_hours() -> None:
    outcome = _outcome(_case(SHORT, covering=("R3",)))
    assert (outcome.reason, outcome.related) == (Reason.INSUFFICIENT_WORKLOAD, ("R3",))
    short_and_failed = OrigemCourse("R4", "Redes (parte)", Workload(20), approved=False, year=2022)
    assert _outcome(_case(SHORT, short_and_failed, covering=("R3", "R4"))).reason is Reason.INSUFFICIENT_WORKLOAD


def test_nothing_covering_the_unit_is_no_candidate() -> None:
    outcome = _outcome(_case(FAILED, SHORT))
    assert (outcome.reason, outcome.related) == (Reason.NO_CANDIDATE, ())


def test_a_covering_pair_must_name_codes_of_the_case() -> None:
    with pytest.raises(InvalidCase):
        _case(FAILED, covering=("R9",))


def _text(case: Case, statuses: dict[str, str | None]) -> str:
    transcript = {
        o.code: TranscriptCourse(o.code, o.name, o.workload.amount, status=statuses.get(o.code), ano=o.year)
        for o in case.origens
    }
    return uncovered_text(solve_case(case, None).destinos[0], solve_case(case, None), case, transcript)


def test_the_coordinator_reads_the_failed_course_and_its_situation_not_a_workload_problem() -> None:
    text = _text(_case(FAILED, covering=("R1",)), {"R1": "Reprovado"})
    assert text == (
        "a disciplina de origem que cobre os conteúdos desta unidade não pôde ser usada: "
        "R1 Redes I, não aprovada (situação no histórico: Reprovado)"
    )
    assert "carga" not in text


def test_each_set_aside_course_is_named_with_its_own_reason() -> None:
    text = _text(_case(FAILED, OLD, covering=("R1", "R2")), {})
    assert text == (
        "as disciplinas de origem que cobrem os conteúdos desta unidade não puderam ser usadas: "
        "R1 Redes I, não aprovada; R2 Redes II, fora do prazo de validade: cursada em 2001, validade de 10 anos"
    )


def test_too_few_hours_names_the_courses_their_hours_and_the_hours_needed() -> None:
    assert _text(_case(SHORT, covering=("R3",)), {}) == (
        "carga horária insuficiente: a disciplina de origem que cobre os conteúdos desta unidade "
        "(R3 Tópicos de Redes (30h)) tem 30h, abaixo das 54h exigidas"
    )
    assert _text(_case(SHORT), {}) == "nenhuma disciplina de origem cobre os conteúdos desta unidade"
