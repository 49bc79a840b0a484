"""Denying when most of the destino's topics are not listed at all (rules-2026.12.4, ADR 0038),
and a concept score of 100 next to a missing topic saying what each measures."""

from __future__ import annotations

import datetime as dt
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.mappers.lexical_mapper import LexicalMapper
from adapters.mappers.taxonomy_json import load_default_taxonomy
from adapters.mappers.topic_matcher import LexicalTopicMatcher
from core.domain.model import Course, Decision, Evaluation, Policy
from core.domain.pipeline import evaluate
from core.domain.reading import (
    IN_VOCABULARY,
    MIN_DENY_TOPICS,
    MOSTLY_MISSING,
    TOPICS_DENY_NONE_COVERED,
    TOPICS_DENY_OUT_OF_VOCABULARY,
    ReviewReason,
    combine,
    solid_destino,
)
from core.domain.topics import COVERED, PARTLY, TopicScore, missing_share
from core.usecases.reading import read_pair

TAXONOMY = load_default_taxonomy()
TOPICS = LexicalTopicMatcher()
ORDER = {Decision.INDEFERIDO: 0, Decision.ANALISE_HUMANA: 1, Decision.DEFERIDO: 2}
DECISIONS = st.sampled_from(list(Decision))
SHARES = st.floats(min_value=0, max_value=1)
CALCULO = (
    "Limites e continuidade de funções reais. Derivadas e regras de derivação. Aplicações da derivada: "
    "máximos e mínimos, taxas relacionadas. Integral definida e indefinida. Teorema fundamental do cálculo. "
    "Técnicas de integração."
)
SOLOS = (
    "Intemperismo das rochas e minerais. Fatores de formação do solo. Processos pedogenéticos. "
    "Morfologia do solo: cor, textura, estrutura e consistência. Sistema brasileiro de classificação de solos. "
    "Levantamento e mapeamento de solos."
)
MECANICA_DOS_SOLOS = (
    "Origem e formação dos solos. Índices físicos. Granulometria e limites de Atterberg. Compactação. "
    "Permeabilidade e percolação. Tensões no solo. Adensamento. Resistência ao cisalhamento. Classificação de solos."
)


def decide(origem_text: str, destino_text: str) -> Evaluation:
    o = Course("Origem", 60, origem_text, aprovado=True)
    d = Course("Destino", 60, destino_text)
    read = read_pair(o.ementa, d.ementa, TAXONOMY, LexicalMapper(), None, TOPICS, allow_fallback=False)
    return evaluate(o, d, TAXONOMY, Policy(), read.origem_mapping, read.destino_mapping, dt.date(2026, 12, 1), read.reading)


# --- missing_share -----------------------------------------------------------------------------


def test_missing_share_weighs_unlisted_topics_like_coverage_does() -> None:
    topics = (
        TopicScore("a", 16.0, 1.0),
        TopicScore("b", 4.0, PARTLY),  # partly listed: not missing
        TopicScore("c", 9.0, PARTLY - 0.01),
    )
    assert math.isclose(missing_share(topics), 3 / (4 + 2 + 3))
    assert missing_share(()) == 0.0


TOPIC_SCORES = st.lists(
    st.builds(TopicScore, st.just("t"), st.floats(min_value=0.1, max_value=80), SHARES), max_size=12
).map(tuple)


@given(TOPIC_SCORES)
def test_a_missing_topic_earns_nothing_so_coverage_and_missing_share_add_to_at_most_one(
    topics: tuple[TopicScore, ...],
) -> None:
    from core.domain.topics import topic_coverage

    assert 0.0 <= missing_share(topics) <= 1.0
    assert topic_coverage(topics) + missing_share(topics) <= 1.0 + 1e-9


FRAGMENTS = st.sampled_from(
    [
        "Intemperismo das rochas",
        "Fatores de formação do solo",
        "Morfologia do solo",
        "Classificação de solos",
        "Fluxo de energia e cadeias alimentares",
        "Derivadas e regras de derivação",
        "Ciclos biogeoquímicos",
    ]
)


@settings(max_examples=40, deadline=None)
@given(st.lists(FRAGMENTS, min_size=1, max_size=5, unique=True), FRAGMENTS)
def test_more_origem_topics_never_raise_the_missing_share(fragments: list[str], extra: str) -> None:
    before = TOPICS.compare(". ".join(fragments), SOLOS).missing_share
    after = TOPICS.compare(". ".join([*fragments, extra]), SOLOS).missing_share
    assert after <= before


# --- the rule in combine -------------------------------------------------------------------------


def test_outside_the_taxonomy_a_destino_mostly_unlisted_is_denied_only_with_every_condition() -> None:
    low = 1.0 - MOSTLY_MISSING  # all the rest covered: above every other deny bar
    rule = {"destino_topics": MIN_DENY_TOPICS, "origem_solid": True, "missing_share": MOSTLY_MISSING}
    assert combine(Decision.ANALISE_HUMANA, low, 0.0, **rule) == (Decision.INDEFERIDO, None)  # type: ignore[arg-type]
    review = (Decision.ANALISE_HUMANA, ReviewReason.AREA_FORA_DO_VOCABULARIO)
    assert combine(Decision.ANALISE_HUMANA, low, 0.0, **{**rule, "missing_share": MOSTLY_MISSING - 0.01}) == review  # type: ignore[arg-type]
    assert combine(Decision.ANALISE_HUMANA, low, 0.0, **{**rule, "origem_solid": False}) == review  # type: ignore[arg-type]
    assert low > TOPICS_DENY_NONE_COVERED
    prose = {**rule, "destino_topics": 3, "destino_mass": 90.0}  # three long sentences: no solid evidence
    assert combine(Decision.ANALISE_HUMANA, low, 0.0, **prose) == review  # type: ignore[arg-type]
    known = combine(Decision.ANALISE_HUMANA, low, IN_VOCABULARY, **rule)  # type: ignore[arg-type]
    assert known == (Decision.ANALISE_HUMANA, ReviewReason.COBERTURA_INCERTA)


@given(DECISIONS, SHARES, SHARES, st.booleans(), st.integers(min_value=0, max_value=40), st.floats(0, 400), SHARES)
def test_denying_when_most_topics_are_missing_needs_every_condition(
    taxonomy: Decision, coverage: float, vocabulary: float, critical: bool, topics: int, mass: float, missing: float
) -> None:
    """The rule only ever turns a review into INDEFERIDO, and only outside the taxonomy, for a
    solid destino and MOSTLY_MISSING of it unlisted."""
    with_rule, _ = combine(taxonomy, coverage, vocabulary, critical, topics, mass, origem_solid=True, missing_share=missing)
    without, _ = combine(taxonomy, coverage, vocabulary, critical, topics, mass, origem_solid=True)
    if with_rule is not without:
        assert with_rule is Decision.INDEFERIDO and without is Decision.ANALISE_HUMANA
        assert vocabulary < IN_VOCABULARY and solid_destino(topics, mass)
        assert missing >= MOSTLY_MISSING
        assert taxonomy is not Decision.DEFERIDO


@given(DECISIONS, SHARES, SHARES, SHARES, SHARES, SHARES, st.integers(min_value=0, max_value=40), st.booleans())
def test_more_coverage_and_fewer_missing_topics_never_give_a_worse_decision(
    taxonomy: Decision, a: float, b: float, m1: float, m2: float, vocabulary: float, topics: int, solid: bool
) -> None:
    low, high = sorted((a, b))
    less, more = sorted((m1, m2))
    worse, _ = combine(taxonomy, low, vocabulary, False, topics, 60.0, origem_solid=solid, missing_share=more)
    better, _ = combine(taxonomy, high, vocabulary, False, topics, 60.0, origem_solid=solid, missing_share=less)
    assert ORDER[better] >= ORDER[worse]


# --- through the whole reading ---------------------------------------------------------------------


def test_an_origem_listing_other_topics_of_the_area_is_denied_naming_the_missing_ones() -> None:
    """A soil-mechanics syllabus against pedology: "solo" everywhere, one destino topic covered (so
    the none-covered rule does not apply), most of the destino's topics not listed at all: solid
    evidence that core topics are missing."""
    result = decide(MECANICA_DOS_SOLOS, SOLOS)
    assert result.reading is not None and result.reading.topics.covered
    assert result.breakdown.cobertura_vocabulario is not None and result.breakdown.cobertura_vocabulario < IN_VOCABULARY
    assert result.reading.topics.missing_share >= MOSTLY_MISSING
    coverage = result.breakdown.cobertura_topicos
    assert coverage is not None and coverage >= TOPICS_DENY_OUT_OF_VOCABULARY  # no other deny rule applies
    assert result.decisao is Decision.INDEFERIDO, result.justificativa_detalhada
    assert "\"Processos pedogenéticos\"" in result.justificativa_curta
    assert "\"Processos pedogenéticos\"" in result.justificativa_detalhada


def test_the_same_origem_as_prose_goes_to_review() -> None:
    prose = (
        "Estudar a origem e formação dos solos, seus índices físicos, a granulometria e os limites de "
        "Atterberg, a compactação, a permeabilidade, as tensões, o adensamento, a resistência ao "
        "cisalhamento e a classificação de solos, permitindo ao aluno compreender o comportamento mecânico"
    )
    result = decide(prose, SOLOS)
    assert result.decisao is Decision.ANALISE_HUMANA
    assert result.motivo_revisao is ReviewReason.AREA_FORA_DO_VOCABULARIO


def test_a_concept_score_of_100_with_a_missing_topic_says_what_each_measures() -> None:
    result = decide(CALCULO, CALCULO + " Noções de história da matemática.")
    assert result.decisao is Decision.DEFERIDO and result.score == 100.0
    assert result.reading is not None and [t.topico for t in result.reading.topics.missing] == [
        "Noções de história da matemática"
    ]
    assert "conceitos da taxonomia" in result.justificativa_curta
    assert "\"Noções de história da matemática\"" in result.justificativa_curta
    assert "A pontuação mede os conceitos da taxonomia, não os tópicos" in result.justificativa_detalhada
    plain = decide(CALCULO, CALCULO)
    assert "não os tópicos" not in plain.justificativa_detalhada
    assert plain.justificativa_curta.startswith("DEFERIDO: a origem cobre os tópicos")
    assert all(t.similaridade >= COVERED for t in plain.reading.topics.topics)  # type: ignore[union-attr]
