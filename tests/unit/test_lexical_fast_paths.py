"""The fast paths of the offline reading (issue 16) find exactly what the plain code found.

`tokenize`, `_find_hits` and `_drop_contained` were rewritten for CPU (one regex group lookup per
match, tuples built without the NamedTuple's Python `__new__`, one dict lookup for "phrase or
prefix", tokens that start no keyword skipped, no generator per containment test); the topic
profile keeps topic numbers as bit masks instead of frozensets; the concepts' confidences and
evidence are computed over the matched rows in plain Python instead of NumPy arrays of every
concept (`_concepts`). The plain versions are kept here
as references, and hypothesis checks the new ones against them on ementa-like texts made of the
taxonomy's own keywords, list punctuation and conjunctions.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.mappers import text as text_module
from adapters.mappers import lexical_mapper as lm
from adapters.mappers.lexical_mapper import MAX_SKIP, SKIP_PENALTY, LexicalMapper, _concepts, _find_hits, _Hit
from adapters.mappers.taxonomy_json import load_default_taxonomy
from adapters.mappers.text import Token, clause_breaks, excerpt, tokenize
from core.domain.model import ConceptMatch
from adapters.mappers.topic_matcher import MIN_PREFIX, PREFIX_MATCH, _key, _Profile, _shares_beginning, _topics

TAXONOMY = load_default_taxonomy()
INDEX = LexicalMapper()._index(TAXONOMY)

# --- references: the code before issue 16, unchanged ----------------------------------------------


def reference_tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    coordinated = False
    broken = False
    clause = 0
    for m in text_module._SCAN.finditer(text):
        raw = m.group(1)
        if raw is None:
            if m.group(2) is not None:
                broken = True
            else:
                coordinated = True
            continue
        if broken:
            clause += 1
            broken = False
        word = text_module._word(raw)
        if word is None:
            continue
        if word is text_module._CONJUNCTION:
            coordinated = True
            continue
        stemmed, tail = word
        tokens.append(Token(stemmed, tail, m.start(), m.end(), coordinated, clause))
        coordinated = False
    return tokens


def reference_find_hits(tokens: list[Token], index=INDEX) -> list[_Hit]:
    stems = [t.stem for t in tokens]
    tails = [t.tail for t in tokens]
    coordinated = [t.after_coordinator for t in tokens]
    clause = [t.clause for t in tokens]
    n = len(stems)
    skippable = [coordinated[k] or (k + 1 < n and coordinated[k + 1]) for k in range(n)]
    hits: list[_Hit] = []
    phrases, prefixes, agreeing, max_len = index.phrases, index.prefixes, index.agreeing, index.max_len

    def add(key, positions, penalty, junction=-1):
        text_tails = tuple([tails[p] for p in positions])
        text_coord = tuple([coordinated[p] and p != junction for p in positions])
        ok = agreeing(key, text_tails, text_coord)
        if len(ok):
            hits.append(_Hit(ok, frozenset(positions), positions[0], positions[-1] + 1, penalty))

    def add_run(i, end):
        ok = agreeing(tuple(stems[i:end]), tuple(tails[i:end]), tuple(coordinated[i:end]))
        if len(ok):
            hits.append(_Hit(ok, frozenset(range(i, end)), i, end, 1.0))

    for i in range(n):
        here = clause[i]
        for length in range(1, min(max_len, n - i) + 1):
            if clause[i + length - 1] != here:
                break
            prefix = tuple(stems[i : i + length])
            if prefix in phrases:
                add_run(i, i + length)
            if prefix in prefixes:
                for run in range(1, MAX_SKIP + 1):
                    k = i + length + run - 1
                    if k + 1 >= n or not skippable[k] or clause[k] != here:
                        break
                    for rest in range(1, min(max_len - length, n - k - 1) + 1):
                        if clause[k + rest] != here:
                            break
                        key = prefix + tuple(stems[k + 1 : k + 1 + rest])
                        if key in phrases:
                            positions = list(range(i, i + length)) + list(range(k + 1, k + 1 + rest))
                            add(key, positions, SKIP_PENALTY, junction=k + 1)
                        if key not in prefixes:
                            break
            else:
                break
    return reference_drop_contained(hits)


def reference_drop_contained(hits: list[_Hit]) -> list[_Hit]:
    kept: list[_Hit] = []
    covering: dict[int, list[_Hit]] = {}
    for hit in sorted(hits, key=lambda h: (-len(h.positions), h.start, h.end)):
        first = hit.start
        if any(hit.positions < k.positions for k in covering.get(first, ())):
            continue
        kept.append(hit)
        for p in hit.positions:
            covering.setdefault(p, []).append(hit)
    return kept


# --- texts: the taxonomy's keywords cut into words, with what separates list items ----------------

def reference_concepts(text: str, tokens: list[Token], hits: list[_Hit], index=INDEX, min_confidence: float = lm.MIN_CONFIDENCE) -> tuple[ConceptMatch, ...]:
    """The NumPy tail of `LexicalMapper.map` before `_concepts`: arrays over every concept."""
    kw_node, kw_strength = np.asarray(index.kw_node), np.asarray(index.kw_strength)
    node_area, node_subarea, node_rank = np.asarray(index.node_area), np.asarray(index.node_subarea), np.asarray(index.node_rank)
    rows = np.concatenate([h.rows for h in hits])
    hit_of_row = np.repeat(np.arange(len(hits)), [len(h.rows) for h in hits])
    strength = kw_strength[rows] * np.asarray([h.penalty for h in hits])[hit_of_row]
    node = kw_node[rows]
    n_nodes = len(index.nodes)
    best = np.zeros(n_nodes)
    np.maximum.at(best, node, strength)
    n_distinct = np.bincount(kw_node[np.unique(rows)], minlength=n_nodes)
    extra = np.minimum(n_distinct - 1, 3).clip(min=0)
    raw = np.where(n_distinct > 0, lm.BASE + (1.0 - lm.BASE - lm.EXTRA_STEP) * best + lm.EXTRA_STEP * extra, 0.0)

    def share(groups):
        mass = np.bincount(groups, weights=raw, minlength=int(groups.max()) + 1)
        return mass[groups] / max(float(mass.max()), 1e-9)

    area = np.minimum(1.0, share(node_area) / lm.AREA_SHARE)
    subarea = np.minimum(1.0, share(node_subarea) / lm.SUBAREA_SHARE)
    confidence = np.clip(raw * (lm.COHERENCE_FLOOR + (1.0 - lm.COHERENCE_FLOOR) * np.maximum(area * 0.5, subarea)), 0.0, 1.0)
    found = np.flatnonzero(confidence >= min_confidence)
    everyday_only = np.ones(n_nodes, dtype=bool)
    np.logical_and.at(everyday_only, node, np.asarray(index.kw_everyday)[rows])
    in_subarea = np.bincount(node_subarea[found], minlength=int(node_subarea.max()) + 1)
    found = found[(in_subarea[node_subarea[found]] > 1) | ~everyday_only[found]]
    rounded = np.round(confidence, 4)
    found = found[np.lexsort((node_rank[found], -rounded[found]))]
    breaks = clause_breaks(text)
    starts = np.asarray([h.start for h in hits])[hit_of_row]
    order = np.lexsort((starts, -strength, node))
    out = []
    for i in found.tolist():
        pieces: list[str] = []
        for h in hit_of_row[order][node[order] == i].tolist():
            hit = hits[h]
            piece = excerpt(text, tokens[hit.start].start, tokens[hit.end - 1].end, breaks=breaks)
            if piece not in pieces:
                pieces.append(piece)
                if len(pieces) == lm.MAX_EVIDENCE:
                    break
        out.append(ConceptMatch(index.nodes[i].node_id, float(rounded[i]), tuple(pieces)))
    return tuple(out)


KEYWORD_WORDS = sorted({w for node in TAXONOMY.nodes for kw in (*node.keywords, node.conceito) for w in kw.split()})
pieces = st.one_of(
    st.sampled_from(KEYWORD_WORDS),
    st.sampled_from([",", "e", "ou", ".", ";", ":", "de", "da", "dos", "\n", "Sistemas", "LINEARES", "funções"]),
    st.text(alphabet="abcçãéíóúâêô_-0123456789 ", min_size=1, max_size=8),
)
MULTI_WORD = sorted({kw for node in TAXONOMY.nodes for kw in node.keywords if len(kw.split()) > 1})


@st.composite
def coordinated_keyword(draw) -> str:
    """A multi-word keyword with list items inside it: "espaços e subespaços vetoriais"."""
    words = draw(st.sampled_from(MULTI_WORD)).split()
    cut = draw(st.integers(1, len(words) - 1))
    items = draw(st.lists(st.sampled_from(KEYWORD_WORDS), min_size=1, max_size=MAX_SKIP + 1))
    joints = draw(st.lists(st.sampled_from([", ", " e ", " ou ", " "]), min_size=len(items), max_size=len(items)))
    middle = "".join(f"{item}{joint}" for item, joint in zip(items, joints))
    return " ".join(words[:cut]) + draw(st.sampled_from([", ", " e ", " "])) + middle + " ".join(words[cut:])


pieces = st.one_of(pieces, coordinated_keyword(), st.sampled_from(MULTI_WORD))
ementas = st.one_of(
    st.lists(pieces, max_size=80).map(" ".join),
    st.lists(pieces, max_size=80).map("".join),
    st.text(max_size=200),
)


def hits_signature(hits: list[_Hit]) -> list[tuple]:
    return [(h.rows.tolist(), sorted(h.positions), h.start, h.end, h.penalty) for h in hits]


@settings(max_examples=300, deadline=None)
@given(ementas)
def test_tokenize_finds_exactly_the_tokens_of_the_plain_loop(text):
    tokens = tokenize(text)
    assert tokens == reference_tokenize(text)
    assert all(type(t) is Token for t in tokens)


@settings(max_examples=300, deadline=None)
@given(ementas)
def test_find_hits_finds_exactly_the_hits_of_the_plain_walk(text):
    tokens = tokenize(text)
    hits = _find_hits(tokens, INDEX)
    assert hits_signature(hits) == hits_signature(reference_find_hits(tokens))
    assert all(type(h) is _Hit for h in hits)


@settings(max_examples=300, deadline=None)
@given(ementas)
def test_concepts_have_the_confidences_and_evidence_the_arrays_gave(text):
    tokens = tokenize(text)
    hits = _find_hits(tokens, INDEX)
    if hits:
        assert _concepts(text, tokens, hits, INDEX, lm.MIN_CONFIDENCE) == reference_concepts(text, tokens, hits)
        assert _concepts(text, tokens, hits, INDEX, 0.6) == reference_concepts(text, tokens, hits, min_confidence=0.6)


def test_the_walk_table_is_phrases_and_prefixes():
    for key, kind in INDEX.walk.items():
        assert bool(kind & 1) == (key in INDEX.phrases)
        assert bool(kind & 2) == (key in INDEX.prefixes)
    assert set(INDEX.walk) == set(INDEX.phrases) | INDEX.prefixes
    assert INDEX.firsts == {key[0] for key in INDEX.walk}


@settings(max_examples=150, deadline=None)
@given(ementas)
def test_a_profile_groups_topics_by_stem_and_beginning_as_sets_did(text):
    profile = _Profile.of(text)
    by_stem: dict[str, set[int]] = {}
    by_prefix: dict[str, dict[str, set[int]]] = {}
    for k, words in enumerate(profile.weights):
        for word in words:
            by_stem.setdefault(_key(word), set()).add(k)
            by_prefix.setdefault(word[:MIN_PREFIX], {}).setdefault(word, set()).add(k)
    assert {s: set(_topics(m)) for s, m in profile.by_stem.items()} == by_stem
    assert {p: {w: set(_topics(m)) for w, m in entries.items()} for p, entries in profile.by_prefix.items()} == by_prefix
    for word in {w for words in profile.weights for w in words} | {"derivadas", "bacterias", "sistema"}:
        found = dict.fromkeys(sorted(by_stem.get(_key(word), ())), 1.0)
        for other, where in by_prefix.get(word[:MIN_PREFIX], {}).items():
            if _shares_beginning(word, other):
                for k in sorted(where):
                    found.setdefault(k, PREFIX_MATCH)
        same, alike = profile.where(word)  # bit masks (ADR 0044): share 1 and PREFIX_MATCH
        assert dict.fromkeys(_topics(same), 1.0) | dict.fromkeys(_topics(alike), PREFIX_MATCH) == found
        assert same & alike == 0


@given(st.integers(min_value=0, max_value=2**70))
def test_topics_of_a_mask_are_its_set_bits_in_order(mask):
    assert _topics(mask) == tuple(k for k in range(mask.bit_length()) if mask & (1 << k))
    assert sum(1 << k for k in _topics(mask)) == mask
