"""Offline lexical mapper: finds taxonomy keywords in an ementa, in Portuguese.

Keywords and text are reduced to stem sequences (accent/case folded). A keyword phrase
matches where its stems appear consecutively in the text (stopwords in between are
ignored); one coordinated word may be skipped ("espaços e subespaços vetoriais" still
mentions "espaços vetoriais", "produtos escalar e vetorial" mentions "produto vetorial").
A match contained in a longer match of another keyword is dropped ("sistemas" inside
"sistemas lineares"). Each keyword is weighted by IDF over the taxonomy's keywords, and a
concept's confidence combines its best keyword, how many distinct keywords it matched and
whether its area is the ementa's main subject.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

import numpy as np

from adapters.mappers.text import Token, excerpt, phrase_stems, phrase_tails, tails_agree, tokenize
from core.domain.model import ConceptMatch, Taxonomy, TaxonomyNode

VERSION = "lexical-1"

MIN_CONFIDENCE = 0.25
"""Concepts below this confidence are not reported at all."""
SKIP_PENALTY = 0.9
"""A match that skipped one coordinated word is slightly weaker evidence."""
MAX_EVIDENCE = 3
COHERENCE_FLOOR = 0.6
AREA_SHARE = 0.5
SUBAREA_SHARE = 0.4
"""A subarea with less than this share of the main subarea's evidence is discounted."""


@dataclass(frozen=True, slots=True)
class _Index:
    """Everything derived from one taxonomy version, built once and shared across threads."""

    nodes: tuple[TaxonomyNode, ...]
    phrases: dict[tuple[str, ...], np.ndarray]
    """stem sequence -> indices of the keyword rows that have it."""
    prefixes: frozenset[tuple[str, ...]]
    """every proper prefix of a keyword's stems: lets matching stop as soon as none can follow."""
    kw_tails: tuple[tuple[str, ...], ...]
    kw_node: np.ndarray
    kw_strength: np.ndarray
    node_area: np.ndarray
    node_subarea: np.ndarray
    max_len: int


def _build_index(taxonomy: Taxonomy) -> _Index:
    nodes = taxonomy.nodes
    rows: list[tuple[int, tuple[str, ...]]] = []
    tails: list[tuple[str, ...]] = []
    for i, node in enumerate(nodes):
        seen: set[tuple[tuple[str, ...], tuple[str, ...]]] = set()
        for kw in (*node.keywords, node.conceito):
            stems, kw_tails = phrase_stems(kw), phrase_tails(kw)
            if stems and (stems, kw_tails) not in seen:
                seen.add((stems, kw_tails))
                rows.append((i, stems))
                tails.append(kw_tails)
    n_nodes = max(len(nodes), 2)
    token_df: dict[str, set[int]] = {}
    phrase_df: dict[tuple[str, ...], set[int]] = {}
    for i, stems in rows:
        phrase_df.setdefault(stems, set()).add(i)
        for s in stems:
            token_df.setdefault(s, set()).add(i)
    log_n = math.log(n_nodes)

    def idf(s: str) -> float:
        return max(0.0, min(1.0, math.log(n_nodes / len(token_df[s])) / log_n))

    strength = np.empty(len(rows))
    for r, (_, stems) in enumerate(rows):
        best = max(idf(s) for s in stems)
        specificity = min(1.0, best + 0.2 * (len(stems) - 1))
        strength[r] = specificity / math.sqrt(len(phrase_df[stems]))
    phrases: dict[tuple[str, ...], list[int]] = {}
    for r, (_, stems) in enumerate(rows):
        phrases.setdefault(stems, []).append(r)
    areas = {a: k for k, a in enumerate(sorted({n.area for n in nodes}))}
    subareas = {a: k for k, a in enumerate(sorted({(n.area, n.subarea) for n in nodes}))}
    return _Index(
        nodes=nodes,
        phrases={k: np.asarray(v, dtype=np.int64) for k, v in phrases.items()},
        prefixes=frozenset(stems[:k] for stems in phrases for k in range(1, len(stems))),
        kw_tails=tuple(tails),
        kw_node=np.asarray([i for i, _ in rows], dtype=np.int64),
        kw_strength=strength,
        node_area=np.asarray([areas[n.area] for n in nodes], dtype=np.int64),
        node_subarea=np.asarray([subareas[(n.area, n.subarea)] for n in nodes], dtype=np.int64),
        max_len=max((len(s) for _, s in rows), default=1),
    )


@dataclass(frozen=True, slots=True)
class _Hit:
    rows: np.ndarray
    positions: frozenset[int]
    """which content tokens the phrase used (a skipped list item is not one of them)."""
    start: int
    end: int
    penalty: float


MAX_SKIP = 4
"""Longest run of list items a phrase may jump over: "camadas de aplicação, transporte, rede e enlace"."""


def _skippable(tokens: list[Token], k: int) -> bool:
    """Token k is an item of a coordinated list (a comma, 'e' or 'ou' sits next to it)."""
    return tokens[k].after_coordinator or (k + 1 < len(tokens) and tokens[k + 1].after_coordinator)


def _find_hits(tokens: list[Token], index: _Index) -> list[_Hit]:
    stems = [t.stem for t in tokens]
    tails = [t.tail for t in tokens]
    skippable = [_skippable(tokens, k) for k in range(len(tokens))]
    hits: list[_Hit] = []
    n = len(stems)

    def add(positions: list[int], penalty: float) -> None:
        rows = index.phrases.get(tuple(stems[p] for p in positions))
        if rows is None:
            return
        text_tails = tuple(tails[p] for p in positions)
        ok = rows[[tails_agree(index.kw_tails[r], text_tails) for r in rows]]
        if len(ok):
            hits.append(_Hit(ok, frozenset(positions), positions[0], positions[-1] + 1, penalty))

    for i in range(n):
        for length in range(1, min(index.max_len, n - i) + 1):
            prefix = tuple(stems[i : i + length])
            add(list(range(i, i + length)), 1.0)
            # a run of coordinated list items skipped after the first `length` words
            if prefix in index.prefixes:
                for run in range(1, MAX_SKIP + 1):
                    k = i + length + run - 1
                    if k + 1 >= n or not skippable[k]:
                        break
                    for rest in range(1, min(index.max_len - length, n - k - 1) + 1):
                        positions = list(range(i, i + length)) + list(range(k + 1, k + 1 + rest))
                        add(positions, SKIP_PENALTY)
                        if tuple(stems[p] for p in positions) not in index.prefixes:
                            break
            else:
                break
    return _drop_contained(hits)


def _drop_contained(hits: list[_Hit]) -> list[_Hit]:
    """A short match inside a longer one is part of a more specific term, not a mention."""
    kept: list[_Hit] = []
    for hit in sorted(hits, key=lambda h: (-len(h.positions), h.start, h.end)):
        inside = any(hit.positions < k.positions for k in kept)
        if not inside:
            kept.append(hit)
    return kept


class LexicalMapper:
    """ConceptMapper that needs no network: keyword matching on Portuguese stems."""

    def __init__(self, min_confidence: float = MIN_CONFIDENCE) -> None:
        self._min_confidence = min_confidence
        self._lock = threading.Lock()
        self._indexes: dict[str, _Index] = {}

    @property
    def version(self) -> str:
        return VERSION

    def _index(self, taxonomy: Taxonomy) -> _Index:
        cached = self._indexes.get(taxonomy.version)
        if cached is not None and (cached.nodes is taxonomy.nodes or cached.nodes == taxonomy.nodes):
            return cached
        with self._lock:
            cached = self._indexes.get(taxonomy.version)
            if cached is None or cached.nodes != taxonomy.nodes:
                cached = _build_index(taxonomy)
                self._indexes[taxonomy.version] = cached
            return cached

    def map(self, text: str, taxonomy: Taxonomy) -> tuple[ConceptMatch, ...]:
        index = self._index(taxonomy)
        tokens = tokenize(text)
        hits = _find_hits(tokens, index)
        if not hits:
            return ()
        rows = np.concatenate([h.rows for h in hits])
        hit_of_row = np.repeat(np.arange(len(hits)), [len(h.rows) for h in hits])
        penalty = np.asarray([h.penalty for h in hits])[hit_of_row]
        strength = index.kw_strength[rows] * penalty
        node = index.kw_node[rows]
        n_nodes = len(index.nodes)
        best = np.zeros(n_nodes)
        np.maximum.at(best, node, strength)
        distinct_rows = np.unique(rows)
        n_distinct = np.bincount(index.kw_node[distinct_rows], minlength=n_nodes)
        extra = np.minimum(n_distinct - 1, 3).clip(min=0)
        raw = np.where(n_distinct > 0, 0.25 + 0.6 * best + 0.06 * extra, 0.0)
        confidence = raw * _area_coherence(raw, index)
        confidence = np.clip(confidence, 0.0, 1.0)
        found = np.flatnonzero(confidence >= self._min_confidence)
        order = sorted(found, key=lambda i: (-round(float(confidence[i]), 6), index.nodes[i].node_id))
        return tuple(
            ConceptMatch(
                node_id=index.nodes[i].node_id,
                confidence=round(float(confidence[i]), 4),
                evidence=_evidence(text, tokens, hits, node, hit_of_row, strength, i),
            )
            for i in order
        )


def _share(raw: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Each concept's group mass (sum of raw confidences) relative to the heaviest group."""
    mass = np.bincount(groups, weights=raw, minlength=int(groups.max()) + 1)
    return mass[groups] / max(float(mass.max()), 1e-9)


def _area_coherence(raw: np.ndarray, index: _Index) -> np.ndarray:
    """Concepts of a subject the ementa barely touches are incidental: 'memória' in a physics text."""
    area = np.minimum(1.0, _share(raw, index.node_area) / AREA_SHARE)
    subarea = np.minimum(1.0, _share(raw, index.node_subarea) / SUBAREA_SHARE)
    return COHERENCE_FLOOR + (1.0 - COHERENCE_FLOOR) * np.maximum(area * 0.5, subarea)


def _evidence(text, tokens, hits, node, hit_of_row, strength, i) -> tuple[str, ...]:
    mine = np.flatnonzero(node == i)
    ranked = sorted(mine, key=lambda r: (-strength[r], hits[hit_of_row[r]].start))
    out: list[str] = []
    for r in ranked:
        hit = hits[hit_of_row[r]]
        piece = excerpt(text, tokens[hit.start].start, tokens[hit.end - 1].end)
        if piece not in out:
            out.append(piece)
        if len(out) == MAX_EVIDENCE:
            break
    return tuple(out)
