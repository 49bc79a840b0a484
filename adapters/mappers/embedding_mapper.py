"""Embedding mapper: cosine similarity between an ementa's clauses and the taxonomy's concepts.

The taxonomy index (one vector per concept, from "conceito: descricao; keywords") is built
once per (taxonomy version, model) in the background and shared by every thread. An
ementa is split into clauses kept verbatim, embedded in one batched request, compared with
every concept in one NumPy product; each concept keeps its best clause, which is also its
evidence.

Raw cosine values mean different things for different models (0.45 is "unrelated" for
some and "close" for others), so similarity → confidence is calibrated per index: each
concept's name is embedded too; the 95th percentile of a name's similarity to *other*
concepts is the floor (confidence 0) and the 90th percentile of a name's similarity to
its *own* concept is full confidence (1), linear in between (the median saturated: with
real models most on-topic clauses reached it, so every concept of an area scored 1).

A clause is one topic: it can only support its ``PER_CLAUSE`` most similar concepts, and
comma-separated list items are clauses of their own, so a long enumeration does not lift
every concept of its area. The index vectors are kept in a VectorStore (concept_vectors.py)
when one is given: computed once per (taxonomy version, model), not in every process.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np

from adapters.mappers.budget import Deadline, DeadlineExceeded
from adapters.mappers.concept_vectors import VectorStore, vector_key
from adapters.mappers.text import tokenize
from core.domain.model import ConceptMatch, Taxonomy, TaxonomyNode
from core.ports.concept_mapper import MapperError
from core.ports.embedder import Embedder

TOP_K = 8
MIN_CONFIDENCE = 0.3
FLOOR_QUANTILE = 0.95
FULL_QUANTILE = 0.9
PER_CLAUSE = 3
"""A clause (one topic) supports at most this many concepts: its nearest ones."""
MIN_SPREAD = 0.05
"""A model whose own-concept and other-concept similarities are closer than this is degenerate."""
MAX_CONCEPT_CHARS = 1000
MAX_CLAUSE_CHARS = 600
_CLAUSE_BREAK = re.compile(r"[.;:!?\n\r,]+")
_SOFT_BREAK = re.compile(r"[,\s]+")


def concept_text(node: TaxonomyNode) -> str:
    """The text a concept is embedded from: "conceito: descricao; keyword, keyword"."""
    text = node.conceito
    if node.descricao:
        text += f": {node.descricao.rstrip(' .')}"
    if node.keywords:
        text += "; " + ", ".join(node.keywords)
    return text[:MAX_CONCEPT_CHARS]


def clause_spans(text: str, max_clauses: int, max_chars: int = MAX_CLAUSE_CHARS) -> list[tuple[int, int]]:
    """[start, end) of the ementa's clauses with content words; text[start:end] is the clause itself.

    Long clauses are cut at a comma or space; beyond ``max_clauses`` neighbours are merged
    (the merged span still is an exact piece of the text).
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for m in [*_CLAUSE_BREAK.finditer(text), None]:
        end = m.start() if m else len(text)
        for s, e in _cut(text, start, end, max_chars):
            if tokenize(text[s:e]):
                spans.append((s, e))
        start = m.end() if m else end
    while len(spans) > max_clauses:
        spans = [(spans[i][0], spans[min(i + 1, len(spans) - 1)][1]) for i in range(0, len(spans), 2)]
    return spans


def _cut(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """The stripped span [start, end), cut into pieces of at most ``max_chars``."""
    pieces: list[tuple[int, int]] = []
    while start < end:
        while start < end and text[start].isspace():
            start += 1
        stop = end
        while stop > start and text[stop - 1].isspace():
            stop -= 1
        if stop <= start:
            break
        if stop - start <= max_chars:
            pieces.append((start, stop))
            break
        cut = start + max_chars
        soft = [m.start() for m in _SOFT_BREAK.finditer(text, start + max_chars // 2, cut)]
        cut = soft[-1] if soft else cut
        pieces.append((start, cut))
        start = cut
    return pieces


@dataclass(frozen=True, slots=True)
class _Index:
    nodes: tuple[TaxonomyNode, ...]
    vectors: np.ndarray
    """(concepts, dim), L2-normalized."""
    floor: float
    full: float
    order: np.ndarray
    """position of each node's id in sorted order: the deterministic tie-break."""

    def confidence(self, similarity: np.ndarray) -> np.ndarray:
        return np.clip((similarity - self.floor) / (self.full - self.floor), 0.0, 1.0)


@dataclass
class _Build:
    """One index being built (or built, or failed) on a background thread."""

    nodes: tuple[TaxonomyNode, ...]
    done: threading.Event = field(default_factory=threading.Event)
    index: _Index | None = None
    error: str | None = None
    waited_out: bool = False


class EmbeddingMapper:
    """ConceptMapper over an Embedder (a service or an in-process model); raises MapperError when it cannot map."""

    def __init__(
        self,
        client: Embedder,
        model: str | None = None,
        *,
        timeout_s: float | None = None,
        index_timeout_s: float = 60.0,
        top_k: int = TOP_K,
        min_confidence: float = MIN_CONFIDENCE,
        sim_floor: float | None = None,
        sim_full: float | None = None,
        max_clauses: int | None = None,
        max_indexes: int = 8,
        per_clause: int = PER_CLAUSE,
        store: VectorStore | None = None,
    ) -> None:
        if sim_floor is not None and sim_full is not None and sim_full - sim_floor < MIN_SPREAD:
            raise ValueError("sim_full must exceed sim_floor")
        self._client = client
        self.model = model or client.model
        self._timeout_s = timeout_s if timeout_s is not None else client.timeout_s
        self._index_timeout_s = index_timeout_s
        self._top_k = top_k
        self._min_confidence = min_confidence
        self._sim_floor, self._sim_full = sim_floor, sim_full
        self._max_clauses = max_clauses or client.batch_size
        self._max_indexes = max_indexes
        self._per_clause = per_clause
        self._store = store
        self._lock = threading.Lock()
        self._builds: OrderedDict[tuple[str, str], _Build] = OrderedDict()

    @property
    def version(self) -> str:
        return f"embed-{self.model}-1"

    def warm(self, taxonomy: Taxonomy) -> None:
        """Build the taxonomy's index now (at startup, or in tests); raises MapperError if it cannot."""
        build = self._build_for(taxonomy)
        if not build.done.wait(self._index_timeout_s):
            raise DeadlineExceeded(f"índice de embeddings da taxonomia {taxonomy.version} ainda em construção")
        self._built(build, taxonomy)

    def map(self, text: str, taxonomy: Taxonomy) -> tuple[ConceptMatch, ...]:
        deadline = Deadline(self._timeout_s)
        index = self._index(taxonomy, deadline)
        spans = clause_spans(text, self._max_clauses)
        if not spans:
            return ()
        clauses = [text[s:e] for s, e in spans]
        deadline.check("embeddings da ementa")
        vectors = self._client.embed(clauses, timeout_s=deadline.remaining())
        if vectors.shape != (len(clauses), index.vectors.shape[1]):
            expected = (len(clauses), index.vectors.shape[1])
            raise MapperError(f"embeddings da ementa: forma {vectors.shape}, esperada {expected}")
        similarity = vectors @ index.vectors.T  # (clauses, concepts): cosine, rows are unit vectors
        supported = np.ones(similarity.shape[1], dtype=bool)
        if similarity.shape[1] > self._per_clause:  # each clause supports only its nearest concepts
            kth = np.partition(similarity, -self._per_clause, axis=1)[:, -self._per_clause][:, None]
            nearest = similarity >= kth
            similarity, supported = np.where(nearest, similarity, -np.inf), nearest.any(axis=0)
        best_clause = similarity.argmax(axis=0)
        confidence = np.round(index.confidence(similarity.max(axis=0)), 4)
        found = np.flatnonzero(supported & (confidence >= self._min_confidence))
        found = found[np.lexsort((index.order[found], -confidence[found]))][: self._top_k]
        return tuple(
            ConceptMatch(index.nodes[i].node_id, float(confidence[i]), (clauses[best_clause[i]],))
            for i in found.tolist()
        )

    def _index(self, taxonomy: Taxonomy, deadline: Deadline) -> _Index:
        build = self._build_for(taxonomy)
        # Once a caller has waited its whole budget for this build, later callers do not wait:
        # a hanging service at startup costs one budget, not one per ementa until the build ends.
        if not build.done.wait(0.0 if build.waited_out else deadline.remaining()):
            build.waited_out = True
            raise DeadlineExceeded(f"índice de embeddings da taxonomia {taxonomy.version} ainda em construção")
        return self._built(build, taxonomy)

    def _build_for(self, taxonomy: Taxonomy) -> _Build:
        """The index build of this (taxonomy version, model): done, running, or started now."""
        key = (taxonomy.version, self.model)
        with self._lock:
            build = self._builds.get(key)
            stale = build is not None and build.nodes is not taxonomy.nodes and build.nodes != taxonomy.nodes
            failed = build is not None and build.done.is_set() and build.index is None
            if build is None or stale or failed:
                build = self._start_build(key, taxonomy)
            self._builds.move_to_end(key)
            return build

    @staticmethod
    def _built(build: _Build, taxonomy: Taxonomy) -> _Index:
        if build.index is None:
            raise MapperError(f"índice de embeddings da taxonomia {taxonomy.version}: {build.error}")
        return build.index

    def _start_build(self, key: tuple[str, str], taxonomy: Taxonomy) -> _Build:
        """Called under the lock: one build per key at a time (single flight)."""
        build = _Build(taxonomy.nodes)
        self._builds[key] = build
        while len(self._builds) > self._max_indexes:
            self._builds.popitem(last=False)

        def run() -> None:
            try:
                build.index = self._build_index(taxonomy)
            except Exception as exc:  # noqa: BLE001 - recorded; the next map() starts a new build
                build.error = f"{type(exc).__name__}: {exc}"
            finally:
                build.done.set()

        threading.Thread(target=run, name=f"embed-index-{taxonomy.version}", daemon=True).start()
        return build

    def _build_index(self, taxonomy: Taxonomy) -> _Index:
        nodes = taxonomy.nodes
        n = len(nodes)
        texts = [concept_text(node) for node in nodes] + [node.conceito for node in nodes]
        key = vector_key(taxonomy.version, self.model, texts)
        vectors = self._store.get(key, 2 * n) if self._store is not None else None
        if vectors is None:
            vectors = self._client.embed(texts, timeout_s=self._index_timeout_s)
            if self._store is not None and vectors.ndim == 2 and vectors.shape[0] == 2 * n:
                self._store.put(key, vectors)
        if vectors.ndim != 2 or vectors.shape[0] != 2 * n:
            raise MapperError(f"índice de embeddings: {vectors.shape[0]} vetores para {2 * n} textos")
        concepts, names = vectors[:n], vectors[n:]
        floor, full = self._calibration(names @ concepts.T)
        ids = np.asarray([node.node_id for node in nodes])
        order = np.argsort(np.argsort(ids, kind="stable"), kind="stable")
        concepts = np.ascontiguousarray(concepts)
        concepts.setflags(write=False)
        return _Index(nodes, concepts, floor, full, order)

    def _calibration(self, name_vs_concept: np.ndarray) -> tuple[float, float]:
        """(floor, full): similarity of a name to other concepts vs to its own concept."""
        n = name_vs_concept.shape[0]
        own = np.diag(name_vs_concept)
        others = name_vs_concept[~np.eye(n, dtype=bool)] if n > 1 else np.asarray([0.0])
        floor = self._sim_floor if self._sim_floor is not None else float(np.quantile(others, FLOOR_QUANTILE))
        full = self._sim_full if self._sim_full is not None else float(np.quantile(own, FULL_QUANTILE))
        return floor, max(full, floor + MIN_SPREAD)
