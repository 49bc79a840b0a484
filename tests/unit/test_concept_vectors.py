"""Concept vectors stored once per (taxonomy version, model) and reused by other mapper instances."""

from __future__ import annotations

import numpy as np

from adapters.mappers.concept_vectors import FileVectorStore, vector_key
from adapters.mappers.embedding_mapper import EmbeddingMapper
from core.domain.model import Taxonomy, TaxonomyNode
from tests.support.embedding import SQL, TAXONOMY, FakeEmbedder

INDEX_TEXTS = 2 * len(TAXONOMY.nodes)


def test_a_second_mapper_instance_reuses_the_stored_vectors(tmp_path):
    first, second = FakeEmbedder(), FakeEmbedder()
    EmbeddingMapper(first, store=FileVectorStore(tmp_path)).warm(TAXONOMY)
    assert first.calls == [INDEX_TEXTS]
    assert len(list(tmp_path.glob("*.npy"))) == 1

    mapper = EmbeddingMapper(second, store=FileVectorStore(tmp_path))  # another process, same disk
    mapper.warm(TAXONOMY)
    assert INDEX_TEXTS not in second.calls
    assert mapper.map(SQL, TAXONOMY) == EmbeddingMapper(FakeEmbedder(), timeout_s=60).map(SQL, TAXONOMY)


def test_the_key_covers_taxonomy_version_model_and_every_text():
    base = vector_key("v1", "m", ["a", "b"])
    assert base.startswith("v1__m__")
    assert len({base, vector_key("v2", "m", ["a", "b"]), vector_key("v1", "n", ["a", "b"]), vector_key("v1", "m", ["a", "c"])}) == 4
    assert "/" not in vector_key("../../etc", "org/model", ["a"])


def test_an_edited_taxonomy_under_the_same_version_is_recomputed(tmp_path):
    nodes = TAXONOMY.nodes[:5]
    EmbeddingMapper(FakeEmbedder(), store=FileVectorStore(tmp_path)).warm(Taxonomy("v", nodes))
    edited = (TaxonomyNode("novo", "a", "s", "Conceito novo"), *nodes[1:])
    embedder = FakeEmbedder()
    EmbeddingMapper(embedder, store=FileVectorStore(tmp_path)).warm(Taxonomy("v", edited))
    assert embedder.calls == [10]


def test_a_corrupt_or_wrong_shaped_file_is_recomputed_not_trusted(tmp_path):
    store = FileVectorStore(tmp_path)
    key = "k"
    store.path(key).write_bytes(b"not a numpy file")
    assert store.get(key, 4) is None
    store.put(key, np.ones((3, 2)))
    assert store.get(key, 4) is None
    assert store.get(key, 3).shape == (3, 2)


def test_an_unwritable_directory_costs_a_recomputation_not_a_failure(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    store = FileVectorStore(blocker / "sub")  # cannot create a directory under a file
    store.put("k", np.ones((2, 2)))
    assert store.get("k", 2) is None
    EmbeddingMapper(FakeEmbedder(), store=store).warm(Taxonomy("v", TAXONOMY.nodes[:3]))
