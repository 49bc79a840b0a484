"""Decisions through the whole reading (hygiene, language, concepts, topics), as a user sees them.

Real offline readers (lexical mapper on the default taxonomy, lexical topic matcher): no
service, no network.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.mappers.lexical_mapper import LexicalMapper
from adapters.mappers.taxonomy_json import load_default_taxonomy
from adapters.mappers.topic_matcher import LexicalTopicMatcher
from core.domain.model import Course, Decision, Evaluation, Policy
from core.domain.pipeline import evaluate
from core.domain.reading import (
    TOPICS_DENY_NONE_COVERED,
    TOPICS_DENY_OUT_OF_VOCABULARY,
    TOPICS_GRANT,
    ReviewReason,
)
from core.usecases.reading import read_pair

TAXONOMY = load_default_taxonomy()
MAPPER = LexicalMapper()
TOPICS = LexicalTopicMatcher()
TODAY = dt.date(2026, 12, 1)
CALCULO = (
    "Limites e continuidade de funções reais. Derivadas e regras de derivação. Aplicações da derivada: "
    "máximos e mínimos, taxas relacionadas. Integral definida e indefinida. Teorema fundamental do cálculo. "
    "Técnicas de integração."
)
LINGUISTICA = (
    "Objeto e método da linguística. Língua, linguagem e fala. Signo linguístico: significante e significado. "
    "Fonética e fonologia do português. Morfologia e sintaxe. Variação linguística e sociolinguística."
)
ECOLOGIA = (
    "Conceito e estrutura dos ecossistemas. Fluxo de energia e cadeias alimentares. Ciclos biogeoquímicos. "
    "Dinâmica de populações. Relações intraespecíficas e interespecíficas. Sucessão ecológica. Biomas."
)


def decide(origem_text: str, destino_text: str, **origem: object) -> Evaluation:
    o = Course("Origem", 60, origem_text, aprovado=True, **origem)  # type: ignore[arg-type]
    d = Course("Destino", 60, destino_text)
    read = read_pair(o.ementa, d.ementa, TAXONOMY, MAPPER, None, TOPICS, allow_fallback=False)
    return evaluate(o, d, TAXONOMY, Policy(), read.origem_mapping, read.destino_mapping, TODAY, read.reading)


def test_the_same_syllabus_is_granted() -> None:
    result = decide(CALCULO, CALCULO)
    assert result.decisao is Decision.DEFERIDO
    assert result.breakdown.cobertura_topicos == 1.0
    assert "da destino" not in result.justificativa_detalhada + result.justificativa_curta


def test_every_destino_topic_listed_in_other_words_is_granted_and_says_why() -> None:
    """Outside the taxonomy, each destino topic is at least partly in the origem: no core topic is
    missing, so the lower coverage is wording, and the justification says so."""
    destino = (
        "Estrutura e dinâmica de comunidades. Sucessão ecológica e perturbações. "
        "Diversidade de espécies e sua medição. Interações entre espécies: competição e predação."
    )
    origem = "Comunidades biológicas. Sucessão. Riqueza e diversidade. Interações ecológicas: competição entre populações, herbivoria."
    result = decide(origem, destino)
    assert result.reading is not None and not result.reading.topics.missing
    assert result.breakdown.cobertura_topicos is not None and result.breakdown.cobertura_topicos < TOPICS_GRANT
    assert result.decisao is Decision.DEFERIDO, result.justificativa_detalhada
    assert "todos os tópicos da disciplina de destino" in result.justificativa_detalhada
    assert "tratados em parte na origem" in result.justificativa_detalhada  # each named with its excerpt


def test_a_listed_origem_that_covers_no_destino_topic_is_denied_but_prose_goes_to_review() -> None:
    """Outside the taxonomy: an origem listing other topics, none of the destino's fully, little
    overall, is denied naming the missing topics; the same content written as one sentence of
    objectives lists nothing to compare, so it goes to a person."""
    listed = (
        "Microbiologia da água. Ecologia microbiana do solo. Ciclos do nitrogênio e do carbono. "
        "Biodegradação. Tratamento de águas residuárias."
    )
    result = decide(listed, ECOLOGIA)
    assert result.reading is not None and not result.reading.topics.covered
    coverage = result.breakdown.cobertura_topicos
    assert coverage is not None and TOPICS_DENY_OUT_OF_VOCABULARY <= coverage < TOPICS_DENY_NONE_COVERED
    assert result.decisao is Decision.INDEFERIDO, result.justificativa_detalhada
    assert "\"Biomas\"" in result.justificativa_curta and "Newton" not in result.justificativa_detalhada
    prose = (
        "Estudar a microbiologia da água e a ecologia microbiana do solo, com os ciclos do nitrogênio e do "
        "carbono, a biodegradação e o tratamento de águas residuárias, permitindo ao aluno compreender o papel "
        "dos microrganismos no ambiente"
    )
    assert decide(prose, ECOLOGIA).motivo_revisao is ReviewReason.AREA_FORA_DO_VOCABULARIO


def test_a_subject_mentioned_only_in_the_bibliography_is_not_granted() -> None:
    origem = "Leitura e produção de textos acadêmicos. Gêneros textuais. Bibliografia: STEWART, J. Cálculo: limites, derivadas e integrais."
    result = decide(origem, CALCULO)
    assert result.decisao is not Decision.DEFERIDO
    assert "STEWART" not in result.justificativa_detalhada.split("Não lido como conteúdo")[0]


def test_a_negated_topic_is_never_evidence() -> None:
    origem = "Funções reais, polinomiais, exponenciais e logarítmicas. Trigonometria. Não aborda derivadas nem integrais."
    result = decide(origem, CALCULO)
    assert result.decisao is not Decision.DEFERIDO
    evidence = [e for c in result.covered for e in c.evidence]
    assert not any("derivadas nem integrais" in e for e in evidence)


def test_an_english_syllabus_goes_to_review_never_denied() -> None:
    english = (
        "Introduction to relational databases: the relational model, relational algebra, SQL, "
        "normalization, transactions and concurrency control."
    )
    result = decide(english, "Modelo relacional. Álgebra relacional. SQL. Normalização. Transações e controle de concorrência.")
    assert result.decisao is Decision.ANALISE_HUMANA
    assert result.motivo_revisao is ReviewReason.IDIOMA_NAO_SUPORTADO


def test_a_one_line_ementa_is_not_enough_to_decide() -> None:
    result = decide("Cálculo I.", CALCULO)
    assert result.decisao is Decision.ANALISE_HUMANA
    assert result.motivo_revisao is ReviewReason.EMENTA_INSUFICIENTE
    assert "ementa insuficiente" in result.justificativa_curta


def test_a_subject_the_taxonomy_does_not_know_is_not_denied_for_that() -> None:
    result = decide(LINGUISTICA, LINGUISTICA)
    assert result.decisao is Decision.DEFERIDO
    assert decide(ECOLOGIA, LINGUISTICA).decisao is Decision.INDEFERIDO


def test_zero_coverage_never_shows_a_score() -> None:
    result = decide(ECOLOGIA, CALCULO)
    assert result.decisao is Decision.INDEFERIDO
    assert result.score < 10


def test_missing_topics_are_named_in_the_destino_words() -> None:
    origem = "Limites e continuidade de funções reais. Derivadas e regras de derivação."
    result = decide(origem, CALCULO)
    assert result.reading is not None
    missing = [t.topico for t in result.reading.topics.missing]
    assert "Técnicas de integração" in missing
    assert "Técnicas de integração" in result.justificativa_detalhada


FRAGMENTS = st.sampled_from(
    [
        "Limites e continuidade de funções reais",
        "Derivadas e regras de derivação",
        "Integral definida e indefinida",
        "Teorema fundamental do cálculo",
        "Fluxo de energia e cadeias alimentares",
        "Signo linguístico: significante e significado",
        "Técnicas de integração",
    ]
)
ORIGENS = st.lists(FRAGMENTS, min_size=1, max_size=5, unique=True)


@settings(max_examples=40, deadline=None)
@given(ORIGENS, st.sampled_from([CALCULO, ECOLOGIA, LINGUISTICA]))
def test_same_input_same_answer_whatever_its_encoding(fragments: list[str], destino: str) -> None:
    origem = ". ".join(fragments) + "."
    first = decide(origem, destino)
    assert decide(origem, destino) == first
    spelled_otherwise = decide(unicodedata.normalize("NFD", origem).replace(" ", " \u200b"), destino)
    assert (spelled_otherwise.decisao, spelled_otherwise.score) == (first.decisao, first.score)


@settings(max_examples=40, deadline=None)
@given(ORIGENS, FRAGMENTS, st.sampled_from([CALCULO, ECOLOGIA, LINGUISTICA]))
def test_more_origem_topics_never_lower_topic_coverage(fragments: list[str], extra: str, destino: str) -> None:
    before = TOPICS.compare(". ".join(fragments), destino).coverage
    after = TOPICS.compare(". ".join([*fragments, extra]), destino).coverage
    assert after >= before


@settings(max_examples=40, deadline=None)
@given(ORIGENS, st.sampled_from([CALCULO, ECOLOGIA, LINGUISTICA]))
def test_a_bibliography_never_adds_coverage(fragments: list[str], destino: str) -> None:
    origem = ". ".join(fragments) + "."
    with_books = origem + "\nBibliografia: " + destino
    assert decide(with_books, destino).breakdown.cobertura_topicos == decide(origem, destino).breakdown.cobertura_topicos


@settings(max_examples=40, deadline=None)
@given(ORIGENS, FRAGMENTS)
def test_a_negated_topic_never_counts_as_covered(fragments: list[str], negated: str) -> None:
    origem = ". ".join(f for f in fragments if f != negated) + "."
    saying_no = origem + f" Não aborda {negated.lower()}."
    alone = decide(saying_no, f"{negated}.")
    assert alone.reading is not None and alone.reading.topics == decide(origem, f"{negated}.").reading.topics  # type: ignore[union-attr]


@pytest.mark.parametrize("approved", [None])
def test_approval_not_informed_is_never_an_automatic_grant(approved: bool | None) -> None:
    o = Course("Cálculo", 60, CALCULO, aprovado=approved)
    d = Course("Cálculo", 60, CALCULO)
    read = read_pair(o.ementa, d.ementa, TAXONOMY, MAPPER, None, TOPICS, allow_fallback=False)
    result = evaluate(o, d, TAXONOMY, Policy(), read.origem_mapping, read.destino_mapping, TODAY, read.reading)
    assert result.decisao is Decision.ANALISE_HUMANA
    assert result.motivo_revisao is ReviewReason.APROVACAO_NAO_INFORMADA
    assert any(r.rule == "aprovacao" and r.details == "aprovação não informada" for r in result.hard_rules)
    blocked = evaluate(
        o, d, TAXONOMY, Policy(aprovacao_nao_informada="bloqueia"), read.origem_mapping, read.destino_mapping, TODAY, read.reading
    )
    assert blocked.decisao is Decision.INDEFERIDO
