"""The in-process multilingual model (optional extra), with the real packaged weights.

The README's test command installs the extra, so in CI these run for real; on a machine
without it they are skipped (and under CI=true they fail, like a missing service).
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from adapters.mappers.embedding_mapper import EmbeddingMapper
from adapters.mappers.local_embedder import USE_MULTILINGUAL, LocalEmbedder
from adapters.mappers.taxonomy_json import load_default_taxonomy

if not LocalEmbedder.available():
    if os.environ.get("CI") == "true":
        pytest.fail("the [embeddings] extra is not installed (README test command installs it)", pytrace=False)
    pytest.skip("optional extra [embeddings] not installed", allow_module_level=True)

CALCULO_PT = "Limites, derivadas e integrais de funções de uma variável real."
CALCULO_EN = "Limits, derivatives and integrals of functions of one real variable."
CALCULO_ES = "Límites, derivadas e integrales de funciones de una variable real."
SOCIOLOGIA_PT = "Sociologia clássica: Durkheim, Weber e Marx; fato social e ação social."
BANCO_PT = "Modelo relacional, linguagem SQL e normalização de bancos de dados."
BANCO_PT_OUTRO = "Bancos de dados relacionais: consultas SQL, chaves e formas normais."


@pytest.fixture(scope="module")
def embedder() -> LocalEmbedder:
    model = LocalEmbedder(USE_MULTILINGUAL)
    model.load()
    return model


def cosine(embedder: LocalEmbedder, a: str, b: str) -> float:
    va, vb = embedder.embed([a, b])
    return float(va @ vb)


def test_vectors_are_unit_rows_in_input_order_and_deterministic(embedder):
    first = embedder.embed([CALCULO_PT, SOCIOLOGIA_PT])
    again = LocalEmbedder(USE_MULTILINGUAL).embed([SOCIOLOGIA_PT, CALCULO_PT])
    assert first.shape == (2, 512) and first.dtype == np.float32
    assert np.allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-5)
    assert np.allclose(first[0], again[1], atol=1e-6) and np.allclose(first[1], again[0], atol=1e-6)


def test_similar_texts_are_closer_than_unrelated_ones(embedder):
    assert cosine(embedder, BANCO_PT, BANCO_PT_OUTRO) > cosine(embedder, BANCO_PT, SOCIOLOGIA_PT) + 0.2


@pytest.mark.parametrize("translation", [CALCULO_EN, CALCULO_ES])
def test_the_same_topic_in_another_language_is_closer_than_an_unrelated_portuguese_topic(embedder, translation):
    assert cosine(embedder, CALCULO_PT, translation) > cosine(embedder, CALCULO_PT, SOCIOLOGIA_PT) + 0.2


def test_batches_larger_than_batch_size_keep_every_row(embedder):
    texts = [f"tópico {i} de álgebra linear" for i in range(5)]
    small = LocalEmbedder(USE_MULTILINGUAL, batch_size=2)
    assert np.allclose(small.embed(texts), embedder.embed(texts), atol=1e-5)


def test_maps_an_english_syllabus_onto_the_portuguese_taxonomy(embedder):
    taxonomy = load_default_taxonomy()
    # Hang guards, not speed claims: a busy 2-core box took more than the 60 s default to build
    # the index of the whole taxonomy with the real model (speed: bench/, never a test).
    mapper = EmbeddingMapper(embedder, timeout_s=600.0, index_timeout_s=1800.0)
    mapper.warm(taxonomy)
    matches = mapper.map("Relational model. SQL queries and joins. Normalization and normal forms.", taxonomy)
    assert matches and taxonomy.node(matches[0].node_id).area == "computacao"
    assert mapper.version == "embed-use-multilingual-v3-1"
