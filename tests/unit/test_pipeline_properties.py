"""Properties of the decision pipeline (pure core, hypothesis)."""

from __future__ import annotations

import dataclasses
import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from core.domain.decision import decide
from core.domain.model import (
    ConceptMatch,
    Course,
    Decision,
    Level,
    MappingOutcome,
    Policy,
    Taxonomy,
    TaxonomyNode,
    Weights,
)
from core.domain.pipeline import evaluate

TODAY = dt.date(2026, 11, 24)
NODE_IDS = [f"n{i}" for i in range(12)]


@st.composite
def taxonomies(draw: st.DrawFn) -> Taxonomy:
    critical = draw(st.lists(st.booleans(), min_size=len(NODE_IDS), max_size=len(NODE_IDS)))
    nodes = tuple(
        TaxonomyNode(node_id, "area", "sub", f"Conceito {node_id}", critico=flag)
        for node_id, flag in zip(NODE_IDS, critical)
    )
    return Taxonomy("t-test", nodes)


confidences = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


@st.composite
def mappings(draw: st.DrawFn, degraded: bool | None = None) -> MappingOutcome:
    ids = draw(st.lists(st.sampled_from(NODE_IDS), unique=True, max_size=len(NODE_IDS)))
    matches = tuple(ConceptMatch(n, draw(confidences), (f"trecho {n}",)) for n in ids)
    flag = draw(st.booleans()) if degraded is None else degraded
    return MappingOutcome(matches, "fake-1", degraded=flag)


@st.composite
def courses(draw: st.DrawFn) -> Course:
    return Course(
        nome="Disciplina",
        carga_horaria=draw(st.integers(min_value=1, max_value=2000)),
        ementa=draw(st.sampled_from(["ementa qualquer", "outra ementa", "  "])),
        aprovado=draw(st.sampled_from([None, True, False])),
        nivel=draw(st.sampled_from([None, *Level])),
        ano_conclusao=draw(st.one_of(st.none(), st.integers(min_value=1980, max_value=2026))),
    )


@st.composite
def policies(draw: st.DrawFn) -> Policy:
    complemento = draw(st.floats(min_value=0, max_value=100))
    deferir = draw(st.floats(min_value=complemento, max_value=100))
    return Policy(
        min_score_deferir=deferir,
        min_score_complemento=complemento,
        tolerancia_carga=draw(st.floats(min_value=0.01, max_value=1.0)),
        exigir_criticos=draw(st.booleans()),
        max_anos_validade=draw(st.one_of(st.none(), st.integers(min_value=0, max_value=30))),
        weights=Weights(
            cobertura=draw(st.floats(min_value=0, max_value=1)),
            critica=draw(st.floats(min_value=0, max_value=1)),
            nivel=draw(st.floats(min_value=0, max_value=1)),
        ),
        confidence_cutoff=draw(st.floats(min_value=0, max_value=1)),
    )


pairs = st.tuples(courses(), courses(), taxonomies(), policies(), mappings(), mappings())


@given(pairs)
def test_same_input_same_output(case):
    assert evaluate(*case, TODAY) == evaluate(*case, TODAY)


@given(pairs)
def test_score_is_within_0_and_100(case):
    assert 0.0 <= evaluate(*case, TODAY).score <= 100.0


@given(pairs)
def test_failed_blocking_hard_rule_always_rejects(case):
    result = evaluate(*case, TODAY)
    if any(r.blocking and not r.ok for r in result.hard_rules):
        assert result.decisao is Decision.INDEFERIDO


@given(courses(), courses(), taxonomies(), policies(), mappings(), mappings())
def test_unapproved_origem_is_rejected_whatever_the_mapping(origem, destino, taxonomy, policy, om, dm):
    origem = dataclasses.replace(origem, aprovado=False)
    assert evaluate(origem, destino, taxonomy, policy, om, dm, TODAY).decisao is Decision.INDEFERIDO


@settings(max_examples=300)
@given(pairs, st.data())
def test_more_origem_coverage_never_lowers_the_score(case, data):
    origem, destino, taxonomy, policy, om, dm = case
    extra = data.draw(st.lists(st.tuples(st.sampled_from(NODE_IDS), confidences), max_size=6))
    raised = {m.node_id: m for m in om.matches}
    for node_id, confidence in extra:
        current = raised.get(node_id)
        if current is None or confidence > current.confidence:
            raised[node_id] = ConceptMatch(node_id, confidence, ("mais",))
    richer = dataclasses.replace(om, matches=tuple(raised.values()))
    before = evaluate(origem, destino, taxonomy, policy, om, dm, TODAY).score
    after = evaluate(origem, destino, taxonomy, policy, richer, dm, TODAY).score
    assert after >= before


@given(courses(), courses(), taxonomies(), policies(), mappings(degraded=True), mappings())
def test_degraded_mode_never_approves(origem, destino, taxonomy, policy, om, dm):
    result = evaluate(origem, destino, taxonomy, policy, om, dm, TODAY)
    assert result.decisao is not Decision.DEFERIDO


@given(courses(), courses(), taxonomies(), policies(), mappings(), mappings())
def test_borderline_workload_never_approves(origem, destino, taxonomy, policy, om, dm):
    policy = dataclasses.replace(policy, tolerancia_carga=0.5)
    destino = dataclasses.replace(destino, carga_horaria=max(destino.carga_horaria, 4))
    origem = dataclasses.replace(origem, carga_horaria=destino.carga_horaria - 1)
    result = evaluate(origem, destino, taxonomy, policy, om, dm, TODAY)
    assert result.decisao is not Decision.DEFERIDO


@given(st.floats(min_value=0, max_value=100), policies(), st.booleans(), st.booleans())
def test_borderline_only_downgrades(score, policy, critical_missing, degraded):
    plain = decide(score, policy, degraded, critical_missing, borderline_workload=False)
    borderline = decide(score, policy, degraded, critical_missing, borderline_workload=True)
    if plain is Decision.DEFERIDO:
        assert borderline is Decision.ANALISE_HUMANA
    else:
        assert borderline is plain


def _full_cover_case() -> tuple:
    taxonomy = Taxonomy("t", (TaxonomyNode("a", "x", "y", "Limites", critico=True), TaxonomyNode("b", "x", "y", "Derivadas")))
    mapping = MappingOutcome((ConceptMatch("a", 0.9, ("limites",)), ConceptMatch("b", 0.8, ("derivadas",))), "fake-1")
    return taxonomy, mapping


def test_full_coverage_is_approved_and_named_in_the_justification():
    taxonomy, mapping = _full_cover_case()
    course = Course("Cálculo I", 60, "limites e derivadas", aprovado=True)
    result = evaluate(course, course, taxonomy, Policy(), mapping, mapping, TODAY)
    assert result.decisao is Decision.DEFERIDO
    assert result.score == 100.0
    assert "Limites" in result.justificativa_curta and "Derivadas" in result.justificativa_detalhada
    assert "\"limites\"" in result.justificativa_detalhada


def test_missing_critical_concept_rejects():
    taxonomy, mapping = _full_cover_case()
    course = Course("Cálculo I", 60, "limites e derivadas")
    origem_mapping = MappingOutcome((ConceptMatch("b", 0.9, ("derivadas",)),), "fake-1")
    result = evaluate(course, course, taxonomy, Policy(), origem_mapping, mapping, TODAY)
    assert result.decisao is Decision.INDEFERIDO
    assert [m.conceito for m in result.missing_critical] == ["Limites"]
    assert "Limites" in result.justificativa_curta


def test_workload_below_tolerance_is_rejected_before_mapping():
    taxonomy, mapping = _full_cover_case()
    origem = Course("Cálculo I", 30, "limites e derivadas")
    destino = Course("Cálculo I", 60, "limites e derivadas")
    result = evaluate(origem, destino, taxonomy, Policy(), mapping, mapping, TODAY)
    assert result.decisao is Decision.INDEFERIDO
    assert result.model_version == "none"
    assert "carga_horaria" in result.justificativa_curta
