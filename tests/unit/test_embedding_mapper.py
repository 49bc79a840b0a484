"""EmbeddingMapper with a hand-written fake embedder (no network): index reuse, clauses, evidence, failures."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.mappers.budget import DeadlineExceeded
from adapters.mappers.embedding_mapper import EmbeddingMapper, clause_spans, concept_text
from core.domain.model import Taxonomy, TaxonomyNode
from core.ports.concept_mapper import MapperError
from tests.support.embedding import SQL, TAXONOMY, FakeEmbedder
from tests.support.waiting import wait_until

CALCULO = "Limites. Continuidade. Derivadas e regras de derivação. Aplicações da derivada. Integral indefinida."


@pytest.fixture
def embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def mapper(embedder: FakeEmbedder) -> EmbeddingMapper:
    return EmbeddingMapper(embedder, timeout_s=60)  # a busy CI machine may take a while to build the index


def test_version_names_the_model(mapper):
    assert mapper.version == "embed-fake-1"
    assert EmbeddingMapper(FakeEmbedder(), "other").version == "embed-other-1"


def test_concept_text_is_name_description_and_keywords():
    node = TaxonomyNode("x", "a", "s", "SQL", "Linguagem de consulta.", ("select", "join"))
    assert concept_text(node) == "SQL: Linguagem de consulta; select, join"


def test_index_is_built_once_per_taxonomy_version_and_model(mapper, embedder):
    mapper.map(SQL, TAXONOMY)
    mapper.map(CALCULO, TAXONOMY)
    n = len(TAXONOMY.nodes)
    assert embedder.calls.count(2 * n) == 1
    other = Taxonomy("outra", TAXONOMY.nodes[:10])
    mapper.map(SQL, other)
    assert embedder.calls.count(20) == 1


def test_concurrent_first_calls_build_one_index(embedder):
    embedder.release = threading.Event()
    mapper = EmbeddingMapper(embedder)
    with ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(mapper.map, SQL, TAXONOMY) for _ in range(8)]
        wait_until(lambda: embedder.calls, what="the index build starts")  # and blocks on release
        embedder.release.set()
        results = [f.result() for f in futures]
    assert embedder.calls.count(2 * len(TAXONOMY.nodes)) == 1
    assert all(r == results[0] for r in results)


def test_maps_to_the_subject_with_exact_clause_evidence(mapper):
    matches = mapper.map(SQL, TAXONOMY)
    ids = [m.node_id for m in matches]
    assert ids and all(i.startswith("comp.bd.") for i in ids[:5])
    for m in matches:
        assert 0.0 <= m.confidence <= 1.0
        assert len(m.evidence) == 1 and m.evidence[0] in SQL
    assert [m.confidence for m in matches] == sorted((m.confidence for m in matches), reverse=True)


def test_top_k_and_min_confidence_limit_the_answer(embedder):
    assert len(EmbeddingMapper(embedder, timeout_s=60, top_k=3).map(SQL, TAXONOMY)) == 3
    assert all(m.confidence >= 0.9 for m in EmbeddingMapper(embedder, timeout_s=60, min_confidence=0.9).map(SQL, TAXONOMY))


def test_clauses_are_embedded_in_one_batched_request(mapper, embedder):
    mapper.map(SQL, TAXONOMY)
    assert embedder.calls[-1] == len(clause_spans(SQL, 32))


def test_mapping_is_deterministic(embedder):
    assert EmbeddingMapper(embedder, timeout_s=60).map(SQL, TAXONOMY) == EmbeddingMapper(FakeEmbedder(), timeout_s=60).map(SQL, TAXONOMY)


def test_text_without_content_words_maps_to_nothing(mapper):
    assert mapper.map(" . ; de e ou ", TAXONOMY) == ()


def test_service_failure_is_a_mapper_error_and_the_index_is_retried(mapper, embedder):
    embedder.fail = True
    with pytest.raises(MapperError):
        mapper.map(SQL, TAXONOMY)
    embedder.fail = False
    assert mapper.map(SQL, TAXONOMY)


def test_query_failure_is_a_mapper_error(mapper, embedder):
    mapper.warm(TAXONOMY)
    embedder.fail = True
    with pytest.raises(MapperError):
        mapper.map(SQL, TAXONOMY)


def test_a_different_dimension_than_the_index_is_a_mapper_error(mapper, embedder):
    mapper.warm(TAXONOMY)
    embedder.dimensions = 100
    with pytest.raises(MapperError, match="forma"):
        mapper.map(SQL, TAXONOMY)


def test_a_slow_index_build_does_not_hold_the_caller(embedder):
    # The build blocks until `release` (or 5 s): a caller held by it would get an answer, not
    # DeadlineExceeded, so no clock reading is needed to tell.
    embedder.release = threading.Event()
    mapper = EmbeddingMapper(embedder, timeout_s=0.05)
    with pytest.raises(DeadlineExceeded):
        mapper.map(SQL, TAXONOMY)
    mapper._timeout_s = 60.0  # a caller now willing to wait much longer than the build blocks...
    with pytest.raises(DeadlineExceeded):  # ...fails at once: someone already waited a whole budget
        mapper.map(CALCULO, TAXONOMY)
    embedder.release.set()  # the build finishes in the background and is then used
    embedder.release = None
    mapper.warm(TAXONOMY)
    assert mapper.map(SQL, TAXONOMY)
    assert embedder.calls.count(2 * len(TAXONOMY.nodes)) == 1


def test_calibration_can_be_fixed_by_configuration(embedder):
    strict = EmbeddingMapper(embedder, timeout_s=60, sim_floor=0.95, sim_full=1.0)
    assert strict.map(CALCULO, TAXONOMY) == ()
    with pytest.raises(ValueError):
        EmbeddingMapper(embedder, sim_floor=0.5, sim_full=0.5)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400), st.integers(min_value=1, max_value=8), st.integers(min_value=5, max_value=80))
def test_clauses_are_exact_pieces_of_the_text(text, max_clauses, max_chars):
    spans = clause_spans(text, max_clauses, max_chars)
    assert len(spans) <= max_clauses
    previous_end = 0
    for start, end in spans:
        assert previous_end <= start < end <= len(text)
        assert text[start:end] == text[start:end].strip()
        previous_end = end


def test_long_clauses_are_cut_and_many_are_merged():
    text = "; ".join(f"tópico {i} de álgebra linear" for i in range(100))
    spans = clause_spans(text, 10)
    assert len(spans) <= 10 and spans[0][0] == 0 and spans[-1][1] == len(text)
    long = "matrizes " * 200
    assert all(e - s <= 600 for s, e in clause_spans(long, 32))


def test_warm_waits_for_a_build_that_callers_gave_up_on(embedder):
    embedder.release = threading.Event()
    mapper = EmbeddingMapper(embedder, timeout_s=0.05)
    with pytest.raises(DeadlineExceeded):
        mapper.map(SQL, TAXONOMY)
    threading.Timer(0.1, embedder.release.set).start()
    mapper.warm(TAXONOMY)
    embedder.release = None
    assert mapper.map(SQL, TAXONOMY)


def test_warm_raises_when_the_service_fails(mapper, embedder):
    embedder.fail = True
    with pytest.raises(MapperError):
        mapper.warm(TAXONOMY)


def test_a_clause_supports_only_its_nearest_concepts(embedder):
    one_clause = "modelo relacional linguagem SQL normalizacao transacoes indices consultas"
    assert len(clause_spans(one_clause, 32)) == 1
    matches = EmbeddingMapper(embedder, timeout_s=60, min_confidence=0.0, top_k=50, per_clause=3).map(one_clause, TAXONOMY)
    assert 0 < len(matches) <= 3


def test_comma_separated_list_items_are_clauses_of_their_own():
    text = "Limites, continuidade, derivadas e integrais"
    assert [text[s:e] for s, e in clause_spans(text, 32)] == ["Limites", "continuidade", "derivadas e integrais"]


def test_a_long_enumeration_does_not_lift_every_concept_of_its_area(embedder):
    lista = ", ".join(n.conceito for n in TAXONOMY.nodes if n.area == "computacao")
    matches = EmbeddingMapper(embedder, timeout_s=60, min_confidence=0.0, top_k=500).map(lista, TAXONOMY)
    clauses = len(clause_spans(lista, 32))
    assert len(matches) <= 3 * clauses < sum(1 for n in TAXONOMY.nodes if n.area == "computacao")


def test_full_confidence_is_a_high_quantile_of_own_similarity_not_the_median(embedder):
    own = np.linspace(0.5, 0.9, 11)  # names vs their own concepts: median 0.7, 90th percentile 0.86
    matrix = np.full((11, 11), 0.1)
    np.fill_diagonal(matrix, own)
    floor, full = EmbeddingMapper(embedder)._calibration(matrix)
    assert full == pytest.approx(np.quantile(own, 0.9)) and full > float(np.median(own))
    assert floor == pytest.approx(0.1)
