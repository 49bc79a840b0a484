"""Offline lexical mapper: finds taxonomy keywords in an ementa, in Portuguese.

Keywords and text are reduced to stem sequences (accent/case folded, stopwords dropped).
A keyword phrase matches where its stems appear consecutively in the text, within one
clause (a term never spans ". ; :"), with words that agree beyond the stem ("computador"
is not "computabilidade") and with no conjunction or comma inside the match unless the
keyword has one ("retas e planos" names two topics, not "retas no plano"). A run of
coordinated list items may be skipped ("espaços e subespaços vetoriais" still mentions
"espaços vetoriais"). A match contained in a longer match is dropped ("sistemas" inside
"sistemas lineares").

Confidence of a concept (0..1) = BASE + its best keyword's strength + a little for each
further distinct keyword, times the ementa's subject coherence. Strength: a multi-word
keyword is specific by itself; a lone word only as far as it is rare among the taxonomy's
concepts (IDF); a phrase several concepts share is split among them. Coherence discounts
concepts of an area/subarea the ementa barely touches ("memória" in a physics text), so a
plainly named concept of the ementa's subject lands near 1 and an incidental one near the
cutoff; scoring weighs destino concepts by exactly that. A concept named only by one everyday
word ("objeto", "herança", "energia") and alone in its subarea is not reported: that is a
subject the taxonomy does not know, read through words it shares with others
(`_corroborated`). Evidence: the clause around each of the concept's strongest matches, an
exact substring of the ementa.

Hot path: a dict walk over the tokens (prefix pruning), then plain Python over the matched
keyword rows only (`_concepts`); nothing loops over the taxonomy's concepts (see
bench/mapper_speed.py).
"""

from __future__ import annotations

import math
import re
import threading
import weakref
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from adapters.mappers.text import (
    STOPWORDS,
    Token,
    clause_breaks,
    excerpt,
    fold,
    phrase_stems,
    phrase_tails,
    tails_agree,
    tokenize,
)
from adapters.mappers.topic_matcher import background_zipf
from core.domain.model import ConceptMatch, Taxonomy, TaxonomyNode

VERSION = "lexical-3"

MIN_CONFIDENCE = 0.25
"""Concepts below this confidence are not reported at all."""
SKIP_PENALTY = 0.9
"""A match that skipped one coordinated word is slightly weaker evidence."""
MAX_EVIDENCE = 3
BASE = 0.5
"""Confidence of a concept named by its weakest keyword; its best keyword's strength adds to it."""
EXTRA_STEP = 0.05
"""Each further distinct keyword of the same concept (up to 3) adds this much."""
SINGLE_WORD = 0.6
"""Specificity of a one-word keyword made of a stem every concept uses (rarer words score higher)."""
COHERENCE_FLOOR = 0.6
AREA_SHARE = 0.5
SUBAREA_SHARE = 0.4
"""A subarea with less than this share of the main subarea's evidence is discounted."""
_LETTERS = re.compile(r"[^\W\d_]+")
EVERYDAY_ZIPF = 4.2
"""A one-word keyword at least this frequent in general Portuguese (background Zipf value:
"objeto" 4.6, "herança" 4.26, "energia" 5.2; "genética" 4.1, "polimorfismo" 2.3) is an everyday
word: alone it does not show that a text is about the keyword's subject (see `_uncorroborated`)."""


@dataclass(frozen=True, slots=True)
class _Index:
    """Everything derived from one taxonomy version, built once and shared across threads."""

    nodes: tuple[TaxonomyNode, ...]
    phrases: dict[tuple[str, ...], np.ndarray]
    """stem sequence -> indices of the keyword rows that have it."""
    prefixes: frozenset[tuple[str, ...]]
    """every proper prefix of a keyword's stems: lets matching stop as soon as none can follow."""
    kw_tails: tuple[tuple[str, ...], ...]
    kw_coord: tuple[tuple[bool, ...], ...]
    """per keyword row: whether each word follows a conjunction/comma inside the keyword itself."""
    kw_node: list[int]
    kw_strength: list[float]
    node_area: list[int]
    node_subarea: list[int]
    node_rank: list[int]
    """position of each node's id in sorted order: the deterministic tie-break."""
    kw_everyday: list[bool]
    """per keyword row: the keyword is one everyday word (EVERYDAY_ZIPF)."""
    max_len: int
    firsts: frozenset[str]
    """the first stem of every keyword: a token that is none of them starts no match."""
    walk: dict[tuple[str, ...], int]
    """`phrases` and `prefixes` in one lookup: IS_PHRASE | IS_PREFIX bits of a stem sequence."""
    _agree: dict = field(default_factory=dict, compare=False)
    """memo: (stems, text tails) -> keyword rows whose words agree (see tails_agree)."""

    def agreeing(
        self, stems: tuple[str, ...], text_tails: tuple[str, ...], text_coord: tuple[bool, ...]
    ) -> np.ndarray:
        """Keyword rows with these stems whose words agree with the text's (tails, coordination).

        A conjunction or comma inside the matched text must also be inside the keyword:
        "retas e planos" names two topics, not "retas no plano".
        """
        key = (stems, text_tails, text_coord)
        ok = self._agree.get(key)
        if ok is None:
            rows = self.phrases[stems]
            ok = rows[
                [
                    tails_agree(self.kw_tails[r], text_tails)
                    and all(k or not t for k, t in zip(self.kw_coord[r][1:], text_coord[1:]))
                    for r in rows
                ]
            ]
            if len(self._agree) > 200_000:
                self._agree.clear()
            self._agree[key] = ok
        return ok


def _build_index(taxonomy: Taxonomy) -> _Index:
    nodes = taxonomy.nodes
    rows: list[tuple[int, tuple[str, ...]]] = []
    everyday: list[bool] = []
    tails: list[tuple[str, ...]] = []
    coords: list[tuple[bool, ...]] = []
    for i, node in enumerate(nodes):
        seen: set[tuple[tuple[str, ...], tuple[str, ...]]] = set()
        for kw in (*node.keywords, node.conceito):
            stems, kw_tails = phrase_stems(kw), phrase_tails(kw)
            if stems and (stems, kw_tails) not in seen:
                seen.add((stems, kw_tails))
                rows.append((i, stems))
                everyday.append(_everyday_word(kw))
                tails.append(kw_tails)
                coords.append(tuple(t.after_coordinator for t in tokenize(kw)))
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
        # a multi-word term is specific by itself; a lone word only as far as it is rare
        specificity = 1.0 if len(stems) > 1 else SINGLE_WORD + (1.0 - SINGLE_WORD) * idf(stems[0])
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
        kw_coord=tuple(coords),
        kw_node=[i for i, _ in rows],
        kw_strength=strength.tolist(),
        node_area=[areas[n.area] for n in nodes],
        node_subarea=[subareas[(n.area, n.subarea)] for n in nodes],
        kw_everyday=everyday,
        node_rank=np.argsort(np.argsort(np.asarray([n.node_id for n in nodes]), kind="stable")).tolist(),
        max_len=max((len(s) for _, s in rows), default=1),
        firsts=frozenset(stems[0] for stems in phrases),
        walk=_walk(phrases),
    )


IS_PHRASE, IS_PREFIX = 1, 2


def _walk(phrases: dict[tuple[str, ...], list[int]]) -> dict[tuple[str, ...], int]:
    walk = dict.fromkeys(phrases, IS_PHRASE)
    for stems in phrases:
        for k in range(1, len(stems)):
            walk[stems[:k]] = walk.get(stems[:k], 0) | IS_PREFIX
    return walk


class _Hit(NamedTuple):  # a NamedTuple: built tens of times per ementa, a frozen dataclass's __init__ is slow
    rows: np.ndarray
    positions: frozenset[int]
    """which content tokens the phrase used (a skipped list item is not one of them)."""
    start: int
    end: int
    penalty: float


_new_hit = tuple.__new__
"""_Hit(...) without the NamedTuple's Python-level __new__."""

MAX_SKIP = 4
"""Longest run of list items a phrase may jump over: "camadas de aplicação, transporte, rede e enlace"."""


def _skippable(tokens: list[Token], k: int) -> bool:
    """Token k is an item of a coordinated list (a comma, 'e' or 'ou' sits next to it)."""
    return tokens[k].after_coordinator or (k + 1 < len(tokens) and tokens[k + 1].after_coordinator)


def _find_hits(tokens: list[Token], index: _Index) -> list[_Hit]:
    n = len(tokens)
    if not n:
        return []
    # the token fields as columns, in one pass (C): slices of a tuple are tuples, the keys below
    stems, tails, _, _, coordinated, clause = zip(*tokens)
    skippable = [coordinated[k] or (k + 1 < n and coordinated[k + 1]) for k in range(n)]  # _skippable
    hits: list[_Hit] = []
    append = hits.append
    phrases, prefixes, agreeing, max_len, firsts = (
        index.phrases, index.prefixes, index.agreeing, index.max_len, index.firsts
    )
    walk, memo = index.walk, index._agree

    def add(key: tuple[str, ...], positions: list[int], penalty: float, junction: int = -1) -> None:
        text_tails = tuple([tails[p] for p in positions])
        text_coord = tuple([coordinated[p] and p != junction for p in positions])
        ok = agreeing(key, text_tails, text_coord)
        if len(ok):
            append(_new_hit(_Hit, (ok, frozenset(positions), positions[0], positions[-1] + 1, penalty)))

    for i in range(n):
        if stems[i] not in firsts:
            continue  # as the walk below would find: no keyword (nor prefix of one) starts here
        here = clause[i]
        for length in range(1, min(max_len, n - i) + 1):
            end = i + length
            if clause[end - 1] != here:
                break  # a term never spans a sentence or clause break
            prefix = stems[i:end]
            kind = walk.get(prefix, 0)
            if kind & IS_PHRASE:  # the consecutive words i..end-1, no skip (agreeing() memo inlined)
                agree_key = (prefix, tails[i:end], coordinated[i:end])
                ok = memo.get(agree_key)
                if ok is None:
                    ok = agreeing(*agree_key)
                if len(ok):
                    append(_new_hit(_Hit, (ok, frozenset(range(i, end)), i, end, 1.0)))
            # a run of coordinated list items skipped after the first `length` words
            if kind & IS_PREFIX:
                for run in range(1, MAX_SKIP + 1):
                    k = end + run - 1
                    if k + 1 >= n or not skippable[k] or clause[k] != here:
                        break
                    for rest in range(1, min(max_len - length, n - k - 1) + 1):
                        if clause[k + rest] != here:
                            break
                        key = prefix + stems[k + 1 : k + 1 + rest]
                        if key in phrases:
                            positions = list(range(i, end)) + list(range(k + 1, k + 1 + rest))
                            add(key, positions, SKIP_PENALTY, junction=k + 1)
                        if key not in prefixes:
                            break
            else:
                break
    return _drop_contained(hits)


def _drop_contained(hits: list[_Hit]) -> list[_Hit]:
    """A short match inside a longer one is part of a more specific term, not a mention."""
    kept: list[_Hit] = []
    covering: dict[int, list[_Hit]] = {}
    """token position -> kept hits that use it (a containing hit must use the first position)."""
    for hit in sorted(hits, key=lambda h: (-len(h.positions), h.start, h.end)):
        positions = hit.positions
        for k in covering.get(hit.start, ()):  # start: a hit's first position (positions rise from it)
            if positions < k.positions:
                break  # contained: dropped
        else:
            kept.append(hit)
            for p in positions:
                covering.setdefault(p, []).append(hit)
    return kept


class LexicalMapper:
    """ConceptMapper that needs no network: keyword matching on Portuguese stems."""

    def __init__(self, min_confidence: float = MIN_CONFIDENCE) -> None:
        self._min_confidence = min_confidence
        self._lock = threading.Lock()
        self._by_object: dict[int, tuple[weakref.ref[Taxonomy], _Index]] = {}
        """id(taxonomy) -> (weak reference to it, its index): the per-call lookup, no comparison."""
        self._by_content: dict[tuple[str, int], _Index] = {}
        """(version, hash of its nodes) -> index: a new object with known content reuses the index."""

    @property
    def version(self) -> str:
        return VERSION

    def _index(self, taxonomy: Taxonomy) -> _Index:
        """The index of this Taxonomy object: found by identity (Taxonomy is immutable), never by
        comparing concepts. Two tenants may own different taxonomies under one version name, so
        the name alone is no key; a new object is compared by value once, when first seen."""
        entry = self._by_object.get(id(taxonomy))
        if entry is not None and entry[0]() is taxonomy:
            return entry[1]
        with self._lock:
            content_key = (taxonomy.version, hash(taxonomy.nodes))
            index = self._by_content.get(content_key)
            if index is None or index.nodes != taxonomy.nodes:
                index = _build_index(taxonomy)
                self._by_content[content_key] = index
            key = id(taxonomy)
            self._by_object[key] = (weakref.ref(taxonomy, lambda _ref: self._forget(key, _ref)), index)
            return index

    def _forget(self, key: int, ref: weakref.ref[Taxonomy]) -> None:
        """A Taxonomy object was collected: its id may be reused, so drop the entry (if still its)."""
        entry = self._by_object.get(key)
        if entry is not None and entry[0] is ref:
            self._by_object.pop(key, None)

    def map(self, text: str, taxonomy: Taxonomy) -> tuple[ConceptMatch, ...]:
        index = self._index(taxonomy)
        tokens = tokenize(text)
        hits = _find_hits(tokens, index)
        if not hits:
            return ()
        return _concepts(text, tokens, hits, index, self._min_confidence)


def _concepts(text: str, tokens: list[Token], hits: list[_Hit], index: _Index, min_confidence: float) -> tuple[ConceptMatch, ...]:
    """The concepts the hits name, with confidence and evidence (see the module docstring).

    Plain Python over the matched keyword rows (a few dozen per ementa), in the order NumPy
    summed them before: NumPy's cost per call on arrays this small was most of a cold mapping's
    tail, and more so in a busy process. A concept no keyword matched is never reported."""
    kw_node, kw_strength = index.kw_node, index.kw_strength
    matched: dict[int, list[tuple[float, int, int, int]]] = {}
    """concept -> (strength, first token, hit, keyword row) of each of its matched rows, in row order."""
    for h, hit in enumerate(hits):
        for row in hit.rows.tolist():
            matched.setdefault(kw_node[row], []).append((kw_strength[row] * hit.penalty, hit.start, h, row))
    raw = {
        node: BASE
        + (1.0 - BASE - EXTRA_STEP) * max(entry[0] for entry in entries)
        + EXTRA_STEP * min(len({entry[3] for entry in entries}) - 1, 3)
        for node, entries in sorted(matched.items())  # node order: group masses are summed as np.bincount summed them
    }
    area = _coherence_shares(raw, index.node_area, AREA_SHARE)
    subarea = _coherence_shares(raw, index.node_subarea, SUBAREA_SHARE)
    found = []
    for node, value in raw.items():
        coherence = COHERENCE_FLOOR + (1.0 - COHERENCE_FLOOR) * max(area[node] * 0.5, subarea[node])
        confidence = min(1.0, max(0.0, value * coherence))
        if confidence >= min_confidence:
            found.append((-_round4(confidence), index.node_rank[node], node))
    found = _corroborated(found, matched, index)
    if not found:
        return ()
    evidence = _Evidence(text, tokens, hits)
    return tuple(
        ConceptMatch(node_id=index.nodes[node].node_id, confidence=-negated, evidence=evidence.of(matched[node]))
        for negated, _, node in sorted(found)
    )


def _everyday_word(keyword: str) -> bool:
    """The keyword has one content word, and it is an everyday one in general Portuguese."""
    words = [w for w in _LETTERS.findall(fold(keyword)) if len(w) >= 3 and w not in STOPWORDS]
    return len(words) == 1 and background_zipf().get(words[0], 0.0) >= EVERYDAY_ZIPF


def _corroborated(
    found: list[tuple[float, int, int]], matched: dict[int, list[tuple[float, int, int, int]]], index: _Index
) -> list[tuple[float, int, int]]:
    """Without the concepts named only by everyday words and alone in their subarea.

    "Conceito, objeto e objetivo da Ecologia" has the word of the OOP concept "Classes e
    objetos", "Herança ligada ao sexo" that of "Herança", "fluxo de energia" that of "Trabalho e
    energia": a subject the taxonomy does not know is read through the everyday words its
    keywords share with other subjects. A concept counts when a keyword with a technical or
    multi-word name matched it ("polimorfismo", "ciclo de vida"), or when another concept of its
    subarea was found too (an OOP syllabus names classes, objects and inheritance together)."""
    everyday, subarea_of = index.kw_everyday, index.node_subarea
    in_subarea: dict[int, int] = {}
    for _, _, node in found:
        in_subarea[subarea_of[node]] = in_subarea.get(subarea_of[node], 0) + 1
    return [
        entry
        for entry in found
        if in_subarea[subarea_of[entry[2]]] > 1 or not all(everyday[row] for _, _, _, row in matched[entry[2]])
    ]


def _round4(value: float) -> float:
    """np.round(value, 4): scaled, rounded half to even, scaled back (not Python's round(x, 4))."""
    return round(value * 10000.0) / 10000.0


def _coherence_shares(raw: dict[int, float], group_of: list[int], share: float) -> dict[int, float]:
    """Per concept: min(1, its group's mass (sum of raw confidences) over the heaviest group's, / share)."""
    mass: dict[int, float] = {}
    for node, value in raw.items():
        group = group_of[node]
        mass[group] = mass.get(group, 0.0) + value
    heaviest = max(max(mass.values()), 1e-9)
    return {node: min(1.0, mass[group_of[node]] / heaviest / share) for node in raw}


class _Evidence:
    """Excerpts of the text for a concept: its strongest matches first, each clause once."""

    def __init__(self, text: str, tokens: list[Token], hits: list[_Hit]) -> None:
        self._text, self._tokens, self._hits = text, tokens, hits
        self._breaks: list[int] | None = None
        self._cache: dict[int, str] = {}

    def _piece(self, h: int) -> str:
        piece = self._cache.get(h)
        if piece is None:
            if self._breaks is None:
                self._breaks = clause_breaks(self._text)
            hit = self._hits[h]
            start, end = self._tokens[hit.start].start, self._tokens[hit.end - 1].end
            piece = self._cache[h] = excerpt(self._text, start, end, breaks=self._breaks)
        return piece

    def of(self, matched: list[tuple[float, int, int, int]]) -> tuple[str, ...]:
        """`matched`: the concept's (strength, first token, hit, row) in row order; the strongest
        first, then the earliest, ties in row order (a stable sort)."""
        out: list[str] = []
        for _, _, h, _ in sorted(matched, key=_strongest_first):
            piece = self._piece(h)
            if piece not in out:
                out.append(piece)
                if len(out) == MAX_EVIDENCE:
                    break
        return tuple(out)


def _strongest_first(entry: tuple[float, int, int, int]) -> tuple[float, int]:
    return -entry[0], entry[1]
