"""The mapper chain each runtime uses, from the settings.

No EMBED_URL: the lexical mapper (offline) behind the mapping cache, and no fallback.
EMBED_URL: hybrid lexical+embedding behind the cache, optionally refined by an LLM
(LLM_URL), with the lexical mapper alone as the fallback. The cache sits below the LLM
refiner, so a temporary LLM failure is never cached as if it were a refined mapping.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from adapters.mappers.cached_mapper import CachedMapper
from adapters.mappers.embedding_client import EmbeddingClient
from adapters.mappers.embedding_mapper import EmbeddingMapper
from adapters.mappers.hybrid_mapper import HybridMapper
from adapters.mappers.lexical_mapper import LexicalMapper
from adapters.mappers.llm_refiner import LlmRefiner
from adapters.metrics.observers import TimedMapper
from core.domain.model import Taxonomy
from core.ports.concept_mapper import ConceptMapper, MapperError
from core.ports.mapping_cache import MappingCache
from core.ports.metrics import Metrics
from entrypoints.settings import MAPPER_TIMEOUT_MAX_S, MapperSettings

# Each external call is capped so that mapping both ementas stays within the 2 s budget.
LLM_BUDGET_S = MAPPER_TIMEOUT_MAX_S


@dataclass
class MapperChain:
    primary: ConceptMapper
    fallback: ConceptMapper | None
    closers: list[Callable[[], None]] = field(default_factory=list)

    def warm(self, taxonomy: Taxonomy) -> None:
        """Build the mappers' indexes for a taxonomy before the first request needs them."""
        for mapper in (self.primary, self.fallback):
            if mapper is None:
                continue
            try:
                mapper.map("aquecimento", taxonomy)
            except MapperError:
                pass  # an external service down at start: requests degrade until it is back

    def warm_in_background(self, load_taxonomy: Callable[[], Taxonomy | None]) -> None:
        def run() -> None:
            try:
                taxonomy = load_taxonomy()
            except Exception:  # noqa: BLE001 - warming is best effort (database may be down)
                return
            if taxonomy is not None:
                self.warm(taxonomy)

        threading.Thread(target=run, name="mapper-warmup", daemon=True).start()

    def close(self) -> None:
        for close in self.closers:
            close()


def build_mapper_chain(
    mappers: MapperSettings, lexical: LexicalMapper, cache: MappingCache, metrics: Metrics | None = None
) -> MapperChain:
    """With `metrics`, the embedding mapper and the LLM call report as mappers `embedding` and `llm`
    (`primary` and `fallback` are timed where the container hands them to EvaluatePair)."""
    if not mappers.embed_url:
        return MapperChain(CachedMapper(lexical, cache), None)
    client = EmbeddingClient(mappers.embed_url, mappers.embed_model, mappers.embed_api_key, timeout_s=mappers.embed_timeout_s)
    embedding: ConceptMapper = EmbeddingMapper(client)
    if metrics is not None:
        embedding = TimedMapper(embedding, "embedding", metrics)
    primary: ConceptMapper = CachedMapper(HybridMapper(lexical, embedding), cache)
    closers: list[Callable[[], None]] = [client.close]
    if mappers.llm_url:
        refiner = LlmRefiner(
            primary,
            mappers.llm_url,
            mappers.llm_model,
            mappers.llm_api_key,
            timeout_s=mappers.llm_timeout_s,
            budget_s=LLM_BUDGET_S,
            metrics=metrics,
        )
        primary = refiner
        closers.append(refiner.close)
    return MapperChain(primary, lexical, closers)
