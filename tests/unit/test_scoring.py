"""Scoring semantics: salience weights, implied basics, incidental critical concepts."""

from __future__ import annotations

import dataclasses
import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from core.domain.model import ConceptMatch, Course, Decision, Level, MappingOutcome, Policy, Taxonomy, TaxonomyNode
from core.domain.pipeline import evaluate
from core.domain.scoring import IMPLIED_CREDIT, coverage, salience

TODAY = dt.date(2026, 11, 24)
COURSE = Course("Cálculo", 60, "ementa", aprovado=True)


def node(node_id, subarea="calc", nivel=Level.INTERMEDIARIO, critico=False, area="mat"):
    return TaxonomyNode(node_id, area, subarea, node_id.title(), keywords=(node_id,), nivel=nivel, critico=critico)


def matches(**confidences):
    return tuple(ConceptMatch(n, c, (n,)) for n, c in confidences.items())


def test_salience_rescales_confidence_above_the_cutoff():
    assert salience(1.0, 0.5) == 1.0
    assert salience(0.75, 0.5) == 0.5
    assert 0 < salience(0.5, 0.5) < 0.1  # right at the cutoff still counts a little
    assert salience(0.9, 1.0) == 1.0


def test_an_incidental_destino_concept_weighs_less_than_a_core_one():
    taxonomy = Taxonomy("t", (node("limites"), node("memoria", subarea="arq", area="comp")))
    destino = matches(limites=1.0, memoria=0.55)
    result = coverage(matches(limites=0.9), destino, taxonomy, Policy(), COURSE, COURSE)
    assert result.breakdown.cobertura > 0.9
    assert [m.node_id for m in result.missing] == ["memoria"]


def test_a_basic_concept_is_implied_by_a_higher_one_of_the_same_subarea():
    taxonomy = Taxonomy(
        "t", (node("funcoes", nivel=Level.BASICO), node("derivadas"), node("vetores", "ga", Level.BASICO))
    )
    destino = matches(funcoes=1.0, derivadas=1.0)
    implied = coverage(matches(derivadas=1.0), destino, taxonomy, Policy(), COURSE, COURSE)
    assert implied.breakdown.cobertura == round((1 + IMPLIED_CREDIT) / 2, 4)
    assert [m.node_id for m in implied.missing] == ["funcoes"]  # still reported as not taught
    destino = matches(funcoes=1.0, vetores=1.0)
    other_subarea = coverage(matches(vetores=1.0), destino, taxonomy, Policy(), COURSE, COURSE)
    assert other_subarea.breakdown.cobertura == 0.5  # a basic concept implies nothing


def test_an_implied_critical_concept_still_rejects():
    taxonomy = Taxonomy("t", (node("limites", nivel=Level.BASICO, critico=True), node("derivadas")))
    destino = MappingOutcome(matches(limites=1.0, derivadas=1.0), "fake-1")
    origem = MappingOutcome(matches(derivadas=1.0), "fake-1")
    result = evaluate(COURSE, COURSE, taxonomy, Policy(), origem, destino, TODAY)
    assert result.decisao is Decision.INDEFERIDO
    assert [m.node_id for m in result.missing_critical] == ["limites"]


def test_a_critical_concept_mentioned_in_passing_does_not_reject():
    taxonomy = Taxonomy("t", tuple(node(n) for n in "abcd") + (node("prob", "est", critico=True, area="est"),))
    destino = MappingOutcome(matches(a=1.0, b=1.0, c=1.0, d=1.0, prob=0.6), "fake-1")
    origem = MappingOutcome(matches(a=1.0, b=1.0, c=1.0, d=1.0), "fake-1")
    result = evaluate(COURSE, COURSE, taxonomy, Policy(), origem, destino, TODAY)
    assert result.breakdown.cobertura_critica == 1.0
    assert result.decisao is Decision.DEFERIDO


IDS = [f"n{i}" for i in range(10)]


@st.composite
def leveled_taxonomies(draw):
    return Taxonomy(
        "t",
        tuple(
            TaxonomyNode(
                n, "a", draw(st.sampled_from(["s1", "s2"])), n,
                nivel=draw(st.sampled_from([None, *Level])), critico=draw(st.booleans()),
            )
            for n in IDS
        ),
    )


mapping = st.dictionaries(st.sampled_from(IDS), st.floats(0, 1, allow_nan=False), max_size=len(IDS))


@settings(max_examples=300)
@given(leveled_taxonomies(), mapping, mapping, mapping, st.floats(0, 1, allow_nan=False))
def test_more_origem_concepts_never_lower_the_score_even_with_implied_basics(taxonomy, om, dm, extra, cutoff):
    policy = dataclasses.replace(Policy(), confidence_cutoff=cutoff)
    richer = dict(om)
    for n, c in extra.items():
        richer[n] = max(c, richer.get(n, 0.0))
    before = coverage(matches(**om), matches(**dm), taxonomy, policy, COURSE, COURSE)
    after = coverage(matches(**richer), matches(**dm), taxonomy, policy, COURSE, COURSE)
    assert after.score >= before.score
    assert after.breakdown.cobertura >= before.breakdown.cobertura
    assert 0.0 <= after.score <= 100.0
