"""Precedent rules: fingerprint invariance, vigência boundaries, the SIGAA expression parser, matching."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Literal

import pytest

from core.domain.precedents import PRECEDENT_ID_PATTERN, precedent_id_for
from core.domain.errors import InvalidTransition
from hypothesis import given
from hypothesis import strategies as st

from core.domain.precedent_expression import ExpressionError, format_expression, parse_expression
from core.domain.precedents import (
    NEAR_DUPLICATE,
    InvalidPrecedent,
    Origin,
    PairOrigin,
    Precedent,
    PrecedentKind,
    end_vigencia,
    fingerprint,
    in_vigencia,
    match,
    similarity,
)

WORDS = st.lists(
    st.sampled_from(["limites", "derivadas", "integração", "séries", "função", "cálculo", "vetores", "matrizes", "ótica"]),
    min_size=1,
    max_size=12,
)
SEPARATORS = st.sampled_from([" ", "  ", "\t", "\n", ", ", "; ", ". ", " - ", "\n• ", "\n- ", "\n1. ", " \u200b"])
DAYS = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2040, 12, 31))
NOW = dt.datetime(2026, 12, 3, 12, tzinfo=dt.timezone.utc)
Form = Literal["NFC", "NFD", "NFKC", "NFKD"]
FORMS: tuple[Form, ...] = ("NFC", "NFD", "NFKC", "NFKD")


def _joined(words: list[str], separators: list[str]) -> str:
    out = words[0]
    for index, word in enumerate(words[1:]):
        out += separators[index % len(separators)] + word
    return out


@given(WORDS, st.lists(SEPARATORS, min_size=1, max_size=5), st.sampled_from(FORMS), st.booleans())
def test_fingerprint_ignores_form_case_whitespace_punctuation_and_bullets(words: list[str], separators: list[str], form: Form, upper: bool) -> None:
    plain = " ".join(words)
    formatted = unicodedata.normalize(form, _joined(words, separators))
    formatted = formatted.upper() if upper else formatted
    assert fingerprint(formatted) == fingerprint(plain)
    assert fingerprint("• " + formatted + ".\n") == fingerprint(plain)


@given(WORDS)
def test_fingerprint_ignores_accents_but_not_words(words: list[str]) -> None:
    stripped = "".join(c for c in unicodedata.normalize("NFD", " ".join(words)) if not unicodedata.combining(c))
    assert fingerprint(stripped) == fingerprint(" ".join(words))
    assert fingerprint(" ".join(words) + " topologia") != fingerprint(" ".join(words))


@given(DAYS, st.integers(0, 4000), DAYS)
def test_vigencia_is_half_open(valid_from: dt.date, length: int, day: dt.date) -> None:
    valid_to = valid_from + dt.timedelta(days=length)
    assert in_vigencia(valid_from, valid_to, day) == (valid_from <= day < valid_to)
    assert in_vigencia(valid_from, None, day) == (valid_from <= day)
    assert in_vigencia(valid_from, valid_to, valid_from) == (length > 0)  # first day in force
    assert not in_vigencia(valid_from, valid_to, valid_to)  # valid_to: first day no longer in force
    assert not in_vigencia(valid_from, None, valid_from - dt.timedelta(days=1))


CODES = st.from_regex(r"[A-Z]{3}[0-9]{3}", fullmatch=True)
ALTERNATIVES = st.lists(st.lists(CODES, min_size=1, max_size=4), min_size=1, max_size=5)


@given(ALTERNATIVES)
def test_expression_round_trip(raw: list[list[str]]) -> None:
    alternatives = parse_expression(" OU ".join(f"({' E '.join(codes)})" for codes in raw))
    assert parse_expression(format_expression(alternatives)) == alternatives
    assert {frozenset(codes) for codes in alternatives} <= {frozenset(codes) for codes in raw}


def test_expression_precedence_and_distribution() -> None:
    assert parse_expression("(A E B) OU C") == (("C",), ("A", "B"))
    assert parse_expression("A E B OU C") == (("C",), ("A", "B"))  # E binds tighter than OU
    assert parse_expression("A E (B OU C)") == (("A", "B"), ("A", "C"))
    assert parse_expression("a e b ou c") == (("c",), ("a", "b"))  # keywords in any case


@pytest.mark.parametrize(
    ("text", "position"),
    [("", 1), ("A E", 4), ("(A E B", 7), ("A B", 3), (")", 1), ("A OU OU B", 6), ("(A E B))", 8)],
)
def test_expression_errors_name_the_position(text: str, position: int) -> None:
    with pytest.raises(ExpressionError) as error:
        parse_expression(text)
    assert error.value.position == position
    assert f"posição {position}" in str(error.value)


def _precedent(pid: str = "pr-1", ementa: str = "Limites, derivadas e integrais.", **changes: object) -> Precedent:
    base: dict[str, object] = {
        "tenant_id": "t",
        "precedent_id": pid,
        "origens": (Origin("UFPB", "MAT101", ementa),),
        "destino_codigo": "CALC-A",
        "course_id": None,
        "kind": PrecedentKind.BINDING,
        "valid_from": dt.date(2026, 1, 1),
        "valid_to": None,
        "created_at": NOW,
        "created_by": {"key_id": "k", "role": "coordinator"},
    }
    base.update(changes)
    return Precedent(**base)  # type: ignore[arg-type]


PAIR = PairOrigin("ufpb", "mat 101", "LIMITES; Derivadas e Integrais")
DAY = dt.date(2026, 6, 1)


def test_binding_precedent_applies_on_same_fingerprint_and_destino() -> None:
    found = match([_precedent()], PAIR, "calc-a", None, DAY)
    assert found.applied is not None and found.related == ()
    assert match([_precedent()], PAIR, "OTHER", None, DAY).applied is None
    assert match([_precedent(course_id="C1")], PAIR, "CALC-A", "C2", DAY).applied is None


def test_expired_or_future_precedent_does_not_apply() -> None:
    assert match([_precedent(valid_to=DAY)], PAIR, "CALC-A", None, DAY).applied is None
    assert match([_precedent(valid_from=DAY + dt.timedelta(days=1))], PAIR, "CALC-A", None, DAY).applied is None
    assert match([_precedent(valid_to=DAY + dt.timedelta(days=1))], PAIR, "CALC-A", None, DAY).applied is not None


def test_advisory_reworded_and_combined_precedents_are_evidence_only() -> None:
    advisory = _precedent("pr-a", kind=PrecedentKind.ADVISORY)
    reworded = _precedent("pr-r", ementa="Derivadas, integrais e limites de funções.")
    combined = _precedent("pr-c", origens=(Origin("UFPB", "MAT101", "limites derivadas e integrais"), Origin("UFPB", "MAT102", "x")))
    unrelated = _precedent("pr-u", ementa="Vetores, matrizes e sistemas lineares.")
    found = match([advisory, reworded, combined, unrelated], PAIR, "CALC-A", None, DAY)
    assert found.applied is None
    assert [(p.precedent_id, why) for p, why in found.related] == [
        ("pr-a", "consultivo"), ("pr-c", "combinacao_de_origens"), ("pr-r", "ementa_reformulada")
    ]


def test_near_duplicate_threshold() -> None:
    assert similarity("Limites, derivadas e integrais.", "Derivadas, integrais e limites de funções.") >= NEAR_DUPLICATE
    assert similarity("Limites, derivadas e integrais.", "Vetores, matrizes e sistemas lineares.") < NEAR_DUPLICATE


def test_end_vigencia_only_shortens() -> None:
    ended = end_vigencia(_precedent(), DAY, {"key_id": "k"}, NOW)
    assert ended.valid_to == DAY and ended.ended_by == {"key_id": "k"}
    with pytest.raises(InvalidTransition):  # already ended by then: a conflict, not bad input
        end_vigencia(ended, DAY + dt.timedelta(days=3), {}, NOW)
    with pytest.raises(InvalidPrecedent):
        end_vigencia(_precedent(), dt.date(2025, 1, 1), {}, NOW)


@given(st.datetimes(min_value=dt.datetime(1000, 1, 1), timezones=st.just(dt.timezone.utc)), st.text(), st.integers(0, 10**6))  # noqa: DTZ001 - naive bounds, aware values
def test_every_precedent_id_is_a_cursor_the_list_accepts(now: dt.datetime, source: str, index: int) -> None:
    assert re.match(PRECEDENT_ID_PATTERN, precedent_id_for(now, source, index))
