"""Workload units: hora-aula converts to clock hours, and the carga_horaria rule compares clock hours."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.domain.hard_rules import carga_horaria, is_borderline_workload, minimum_workload
from core.domain.model import Course, Policy
from core.domain.workload import InvalidWorkload, Workload, WorkloadUnit

amounts = st.integers(min_value=0, max_value=2000)
minutes = st.integers(min_value=1, max_value=120)
HA = WorkloadUnit.HORA_AULA


def course(hours: int, minutos: int | None = None) -> Course:
    unit = "hora_aula" if minutos is not None else "hora_relogio"
    return Course("C", hours, "ementa qualquer", unidade_carga=unit, minutos_hora_aula=minutos)


@given(amounts)
def test_clock_hours_are_the_amount_itself(amount: int) -> None:
    assert Workload(amount).clock_hours() == amount


@given(amounts)
def test_hora_aula_of_sixty_minutes_is_a_clock_hour(amount: int) -> None:
    assert Workload(amount, HA, 60).clock_hours() == pytest.approx(amount)


@given(amounts, minutes, minutes)
def test_longer_class_hours_never_count_less(amount: int, a: int, b: int) -> None:
    short, long_ = sorted((a, b))
    assert Workload(amount, HA, short).clock_hours() <= Workload(amount, HA, long_).clock_hours()


@given(amounts, amounts, minutes)
def test_conversion_is_monotone_and_additive(a: int, b: int, m: int) -> None:
    wa, wb, both = Workload(a, HA, m), Workload(b, HA, m), Workload(a + b, HA, m)
    assert both.clock_hours() == pytest.approx(wa.clock_hours() + wb.clock_hours())
    assert (a <= b) == (wa.clock_hours() <= wb.clock_hours() + 1e-9)


def test_seventy_two_class_hours_of_fifty_minutes_are_sixty_clock_hours() -> None:
    workload = Workload(72, HA, 50)
    assert workload.clock_hours() == 60
    assert workload.describe() == "72 h/a de 50 min = 60h"
    assert Workload(80, HA, 50).describe() == "80 h/a de 50 min = 66.67h"


@pytest.mark.parametrize("minutos", [None, 0, 121])
def test_hora_aula_needs_its_minutes(minutos: int | None) -> None:
    with pytest.raises(InvalidWorkload, match="minutos_hora_aula"):
        Workload(72, HA, minutos)


def test_rule_compares_clock_hours_and_shows_both() -> None:
    result = carga_horaria(course(72, 50), course(60), Policy())
    assert result.ok
    assert result.details == "origem 72 h/a de 50 min = 60h, destino 60h, mínimo exigido 60h (tolerância 1)"


def test_class_hours_no_longer_pass_as_clock_hours() -> None:
    """80 h/a of 50 minutes are 66.67 clock hours: short of a 80-hour destino (before: silently equal)."""
    assert not carga_horaria(course(80, 50), course(80), Policy()).ok
    assert carga_horaria(course(80), course(80), Policy()).ok


def test_same_class_hours_on_both_sides_meet_the_rule() -> None:
    assert carga_horaria(course(80, 50), course(80, 50), Policy()).ok
    assert not is_borderline_workload(course(80, 50), course(80, 50), Policy())


def test_borderline_in_clock_hours() -> None:
    policy = Policy(tolerancia_carga=0.75)
    assert minimum_workload(course(72, 50), policy) == 45
    assert is_borderline_workload(course(50), course(72, 50), policy)
    assert not is_borderline_workload(course(44), course(72, 50), policy)
    assert not is_borderline_workload(course(72, 50), course(60), policy)


@given(st.integers(min_value=1, max_value=2000), st.integers(min_value=1, max_value=2000), st.floats(min_value=0.01, max_value=1.0))
def test_clock_hour_courses_decide_as_whole_hours_did(origem: int, destino: int, tolerancia: float) -> None:
    """Without units the rule is what it always was: origem ≥ ⌈destino × tolerância⌉."""
    import math

    policy = Policy(tolerancia_carga=tolerancia)
    expected = origem >= math.ceil(destino * tolerancia - 1e-9)
    assert carga_horaria(course(origem), course(destino), policy).ok is expected


def test_course_defaults_keep_clock_hours() -> None:
    plain = Course("C", 60, "ementa")
    assert plain.workload == Workload(60) and dataclasses.replace(plain, carga_horaria=30).workload.clock_hours() == 30


def test_batch_items_keep_the_unit() -> None:
    """A batch item stores the course with its unit; items stored before units existed still load."""
    from core.usecases.batch import command_from_payload, command_to_payload
    from core.usecases.evaluate import EvaluateCommand

    command = EvaluateCommand("t", "r", "h", course(72, 50), course(60))
    payload = command_to_payload(command)
    assert command_from_payload("t", "r", payload).origem == command.origem
    for side in ("origem", "destino"):
        del payload[side]["unidade_carga"], payload[side]["minutos_hora_aula"]
    assert command_from_payload("t", "r", payload).destino == command.destino


@given(amounts.filter(bool), amounts.filter(bool), minutes, minutes, st.floats(min_value=0.01, max_value=1.0))
def test_the_rule_reads_only_clock_hours(o: int, d: int, om: int, dm: int, tolerancia: float) -> None:
    """Restating either side in clock hours never changes the decision."""
    policy = Policy(tolerancia_carga=tolerancia)
    origem, destino = course(o, om), course(d, dm)
    as_clock = lambda c: dataclasses.replace(c, carga_horaria=c.workload.clock_hours(), unidade_carga="hora_relogio", minutos_hora_aula=None)  # noqa: E731
    decided = carga_horaria(origem, destino, policy).ok
    assert carga_horaria(as_clock(origem), destino, policy).ok is decided
    assert carga_horaria(origem, as_clock(destino), policy).ok is decided
    assert is_borderline_workload(origem, destino, policy) is is_borderline_workload(as_clock(origem), as_clock(destino), policy)


@given(amounts.filter(bool), minutes, minutes)
def test_more_minutes_per_class_hour_never_turn_a_pass_into_a_fail(o: int, shorter: int, longer: int) -> None:
    shorter, longer = sorted((shorter, longer))
    destino = course(60)
    if carga_horaria(course(o, shorter), destino, Policy()).ok:
        assert carga_horaria(course(o, longer), destino, Policy()).ok
