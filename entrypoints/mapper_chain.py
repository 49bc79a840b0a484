"""The mapper chain each runtime uses, from the settings (serve, worker and eval-pairs alike).

No EMBED_URL nor EMBED_LOCAL_MODEL: the lexical mapper (offline) behind the process's own tier
of the mapping cache (a shared Redis round trip costs a cold ementa a quarter of what mapping it
costs, and saves little: ADR 0043), and no fallback. EMBED_URL (a service) or
EMBED_LOCAL_MODEL (in process, optional extra): hybrid lexical+embedding behind the whole
cache, optionally refined by an LLM (LLM_URL), with the lexical mapper alone as the fallback.
The cache sits below the LLM refiner, so a temporary LLM failure is never cached as if it were
a refined mapping.

Readiness (ADR 0014): a chain with an embedding index, asked to warm in the background, is
not ready until every mapper is warm for the default taxonomy (the index built or loaded
from the vector store); until then its primary (a WarmGate) refuses with MappersWarmingUp.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from adapters.mappers.cached_mapper import CachedMapper
from adapters.mappers.concept_vectors import FileVectorStore
from adapters.mappers.embedding_client import EmbeddingClient
from adapters.mappers.embedding_mapper import EmbeddingMapper
from adapters.mappers.hybrid_mapper import HybridMapper
from adapters.mappers.lexical_mapper import LexicalMapper
from adapters.mappers.llm_refiner import LlmRefiner
from adapters.mappers.local_embedder import LocalEmbedder
from adapters.mappers.tiered_mapping_cache import local_tier
from adapters.mappers.warm_gate import WAIT_S, WarmGate
from adapters.metrics.observers import TimedMapper
from core.domain.model import Taxonomy
from core.ports.concept_mapper import ConceptMapper, MapperError
from core.ports.embedder import Embedder
from core.ports.mapping_cache import MappingCache
from core.ports.metrics import Metrics
from entrypoints.settings import MAPPER_TIMEOUT_MAX_S, MapperSettings

# Each external call is capped so that mapping both ementas stays within the 2 s budget.
LLM_BUDGET_S = MAPPER_TIMEOUT_MAX_S
RETRY_WARM_S = (1.0, 2.0, 5.0, 10.0, 30.0)
"""Pauses between warm-up attempts while a service (or the database) is down at start."""


@dataclass
class MapperChain:
    primary: ConceptMapper
    fallback: ConceptMapper | None
    closers: list[Callable[[], None]] = field(default_factory=list)
    warmers: list[Callable[[Taxonomy], None]] = field(default_factory=list)
    """Blocking warm-ups (an embedding index build) run before the map-based ones."""
    ready: threading.Event = field(default_factory=threading.Event)
    state: str = "ok"
    gate_wait_s: float = WAIT_S
    """How long an evaluation waits for the warm-up before it is refused."""
    _closed: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.ready.set()  # a chain nobody asked to warm maps lazily, as it always did
        self.primary = WarmGate(self.primary, self.ready, self.gate_wait_s)

    @property
    def versions(self) -> dict[str, str]:
        return {"primary": self.primary.version, **({"fallback": self.fallback.version} if self.fallback else {})}

    def warm(self, taxonomy: Taxonomy) -> None:
        """Build the mappers' indexes for a taxonomy now; raises MapperError if one cannot."""
        for warm in self.warmers:
            warm(taxonomy)
        for mapper in (self._gated(), self.fallback):
            if mapper is not None:
                mapper.map("aquecimento", taxonomy)

    def status(self) -> str:
        """What /ready reports for the mappers: "ok", "warming: <mapper>" or "error: <mapper>: <why>"."""
        return "ok" if self.ready.is_set() else self.state

    def readiness(self) -> dict[str, str]:
        """The /ready check: `mappers` when a mapper has an index that must be built first."""
        return {"mappers": self.status()} if self.warmers else {}

    def warm_in_background(
        self, load_taxonomy: Callable[[], Taxonomy | None], then: Callable[[], object] | None = None
    ) -> None:
        """Warm now in the background. A chain with index warmers (embeddings) is not ready until
        warm, retried (1 s … 30 s apart) while a dependency is down. The offline lexical mapper
        alone cannot answer degraded for being cold (its first call builds its index), so it does
        not hold readiness. `then` runs once, in the warm-up thread, after the warm-up succeeds
        (a serving process freezes its start-up heap there: entrypoints/heap.py)."""
        if self.warmers:
            self.ready.clear()
            self.state = f"warming: {self.primary.version}"

        def attempt() -> bool:
            try:
                taxonomy = load_taxonomy()
                if taxonomy is not None:
                    self.warm(taxonomy)
            except Exception as exc:  # noqa: BLE001 - database or service down at start: retry
                self.state = f"error: {self.primary.version}: {type(exc).__name__}: {exc}"[:300]
                return False
            self.ready.set()
            if then is not None:
                then()
            return True

        def run() -> None:
            for pause in (0.0, *RETRY_WARM_S, *[RETRY_WARM_S[-1]] * 10_000):
                if self._closed.wait(pause) or attempt():
                    return

        threading.Thread(target=run, name="mapper-warmup", daemon=True).start()

    def _gated(self) -> ConceptMapper:
        return self.primary.inner if isinstance(self.primary, WarmGate) else self.primary

    def close(self) -> None:
        self._closed.set()
        for close in self.closers:
            close()


def build_embedder(mappers: MapperSettings) -> tuple[Embedder, Callable[[], None]] | None:
    """The in-process model or the service client the settings name (and how to close it)."""
    if mappers.embed_local_model:
        local = LocalEmbedder(mappers.embed_local_model, timeout_s=mappers.embed_timeout_s)
        return local, lambda: None
    if mappers.embed_url:
        client = EmbeddingClient(
            mappers.embed_url, mappers.embed_model, mappers.embed_api_key, timeout_s=mappers.embed_timeout_s
        )
        return client, client.close
    return None


def build_mapper_chain(
    mappers: MapperSettings,
    lexical: LexicalMapper,
    cache: MappingCache,
    metrics: Metrics | None = None,
    vector_dir: Path | None = None,
) -> MapperChain:
    """With `metrics`, the embedding mapper and the LLM call report as mappers `embedding` and `llm`
    (`primary` and `fallback` are timed where the container hands them to EvaluatePair). With
    `vector_dir`, concept vectors are stored there once per (taxonomy version, model)."""
    built = build_embedder(mappers)
    if built is None:
        return MapperChain(CachedMapper(lexical, local_tier(cache)), None)
    embedder, close_embedder = built
    store = FileVectorStore(vector_dir) if vector_dir is not None else None
    index = EmbeddingMapper(embedder, store=store)
    embedding: ConceptMapper = TimedMapper(index, "embedding", metrics) if metrics is not None else index
    primary: ConceptMapper = CachedMapper(HybridMapper(lexical, embedding), cache)
    closers: list[Callable[[], None]] = [close_embedder]
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
    return MapperChain(primary, lexical, closers, warmers=[index.warm])


__all__ = ["MapperChain", "MapperError", "build_embedder", "build_mapper_chain"]
