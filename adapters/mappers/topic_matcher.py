"""Offline topic matcher: how much of each destino topic's wording the origem has.

A topic's words weigh by their rarity in general Portuguese (background frequencies shipped
in `data/pt_word_zipf.tsv.gz`, never learned from our labeled files): "microbiologia" says
much, "estudo" little, function words nothing; words every syllabus uses ("noções",
"introdução", "conceitos") weigh a quarter. A destino word is found in the origem when they
share a stem ("derivadas"/"derivação"), or, at 0.8, a long common beginning that survives
different suffixes ("bacteriana"/"bactérias"). Similarity of a topic = the share of its
weight the origem's whole text has; the quoted excerpt is the origem topic with the most.
"""

from __future__ import annotations

import gzip
import itertools
import math
import operator
import re
from collections.abc import Sequence
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import numpy as np

from adapters.mappers.text import STOPWORDS, fold, stem_and_tail
from core.domain.topics import COVERED, PARTLY, TopicComparison, TopicScore, segment

VERSION = "topics-3"
_WORD = re.compile(r"[^\W\d_]+")
RARE_ZIPF = 1.5
"""Zipf value of a word missing from the background list: rarer than anything listed."""
CEILING_ZIPF = 7.0
MIN_WEIGHT = 0.3
GENERIC_FACTOR = 0.25
GENERIC = frozenset(
    fold(w)
    for w in """noção noções conceito conceitos conceituação introdução fundamentos fundamento
    princípios princípio aspectos aspecto estudo estudos tópicos tópico básicos básico básicas
    básica gerais geral aplicações aplicação aplicados aplicadas métodos método teoria teorias
    elementos elemento parte tipos tipo características característica principais principal
    importância uso utilização definição definições visão disciplina conteúdo análise técnicas
    técnica relação relações forma formas processos processo sistema sistemas
    conhecer conhecimento conhecimentos compreender compreensão entender permitir capacitar
    desenvolver desenvolvimento apresentar apresentação abordar abordagem discutir discussão
    estudar identificar caracterizar caracterização saber aluno alunos acadêmico acadêmicos
    estudante estudantes curso término capacidade realização objetivo objetivos habilidades
    competências aprendizagem ensino prática práticas teórico teóricos teórica teóricas
    atividades atividade exercícios noções ainda bem além assim especialmente através
    importantes importante diversos diferentes respectivos questão questões""".split()
)
"""Words every syllabus uses whatever it teaches (topic scaffolding and teaching verbs): they
cannot tell two subjects apart."""
PREFIX_MATCH = 0.8
SUBJECT_DAMP = 0.5
"""A word in several of the destino's topics is the subject's name ("solo", "química",
"ecologia"), not what tells one topic from another: in a destino of at least
SUBJECT_MIN_TOPICS topics its weight is divided by 1 + SUBJECT_DAMP x (other topics with its
stem), so "Cinética química" is not half covered by any chemistry syllabus."""
SUBJECT_MIN_TOPICS = 3
MIN_PREFIX = 5
PREFIX_RATIO = 0.75


@lru_cache(maxsize=1)
def background_zipf() -> dict[str, float]:
    """Folded word -> Zipf frequency in general Portuguese (loaded once per process)."""
    source = resources.files("adapters.mappers") / "data" / "pt_word_zipf.tsv.gz"
    table: dict[str, float] = {}
    with gzip.open(str(source), "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#"):
                continue
            word, _, zipf = line.rstrip("\n").partition("\t")
            table[word] = float(zipf)
    return table


@lru_cache(maxsize=65536)
def word_weight(folded: str) -> float:
    """How much a (folded) word tells about a syllabus: 0 for function words."""
    if len(folded) < 3 or folded in STOPWORDS:
        return 0.0
    zipf = background_zipf().get(folded, RARE_ZIPF)
    weight = max(MIN_WEIGHT, CEILING_ZIPF - zipf)
    return weight * GENERIC_FACTOR if folded in GENERIC else weight


@lru_cache(maxsize=65536)
def _key(folded: str) -> str:
    return stem_and_tail(folded)[0]


@lru_cache(maxsize=65536)
def _read_word(raw: str) -> tuple[str, float]:
    folded = fold(raw)
    return folded, word_weight(folded)


def _weights(text: str) -> dict[str, float]:
    """Each content word of the text (folded) with its weight."""
    return {folded: weight for folded, weight in map(_read_word, _WORD.findall(text)) if weight > 0}


@cache
def _needed(shorter: int) -> int:
    """Letters two words of which the shorter has `shorter` letters must share at the start:
    max(MIN_PREFIX, PREFIX_RATIO x shorter), whole (the ceiling); computed once per length."""
    return math.ceil(max(MIN_PREFIX, PREFIX_RATIO * shorter))


def _shares_beginning(word: str, other: str) -> bool:
    """Their common beginning has at least `_needed` of the shorter length letters."""
    shorter = min(len(word), len(other))
    needed = _needed(shorter)
    return needed <= shorter and word[:needed] == other[:needed]


class _Profile:
    """An ementa's topics and, for lookups, which topics have each stem and each beginning.

    What only one side of a comparison reads is built the first time that side asks for it: an
    origem's word beginnings (`by_prefix`), a destino's damped weights (`topic_weights`). In a
    pair each text is one side, so a cold pair builds each part once, not twice. Profiles are
    shared between threads; two threads building the same part at once build equal values and
    either may stay."""

    __slots__ = ("topics", "weights", "by_stem", "_by_word", "_by_prefix", "_topic_weights")

    def __init__(self, topics: tuple[str, ...], weights: tuple[dict[str, float], ...]) -> None:
        self.topics = topics
        self.weights = weights
        by_word: dict[str, int] = {}
        for k, words in enumerate(weights):
            bit = 1 << k
            for word in words:
                by_word[word] = by_word.get(word, 0) | bit
        by_stem: dict[str, int] = {}
        for word, where in by_word.items():
            stem = _key(word)  # each distinct word's stem looked up once
            by_stem[stem] = by_stem.get(stem, 0) | where
        self.by_stem = by_stem
        """Which topics have a stem, as a bit mask of topic numbers (`_topics` reads it back).
        Profiles are cached; a set or tuple per word stays on the garbage collector's books and
        made collections most of a cold profile's CPU, while a dict of str -> int is never
        tracked."""
        self._by_word = by_word
        self._by_prefix: dict[str, dict[str, int]] | None = None
        self._topic_weights: tuple[dict[str, float], ...] | None = None

    @classmethod
    def of(cls, text: str) -> _Profile:
        topics = segment(text)
        return cls(topics, tuple(_weights(t) for t in topics))

    @property
    def by_prefix(self) -> dict[str, dict[str, int]]:
        """Which topics have each word, grouped by its first MIN_PREFIX letters (as origem)."""
        by_prefix = self._by_prefix
        if by_prefix is None:
            by_prefix = {}
            for word, where in self._by_word.items():
                by_prefix.setdefault(word[:MIN_PREFIX], {})[word] = where
            self._by_prefix = by_prefix
        return by_prefix

    @property
    def topic_weights(self) -> tuple[dict[str, float], ...]:
        """`weights` with the subject's words damped (SUBJECT_DAMP): how a destino topic is read."""
        topic_weights = self._topic_weights
        if topic_weights is None:
            topic_weights = self.weights
            if sum(1 for w in self.weights if w) >= SUBJECT_MIN_TOPICS:
                # each word's divisor once (a word sits in several topics), then each topic's weights
                by_stem = self.by_stem
                damp = {w: 1.0 + SUBJECT_DAMP * (by_stem[_key(w)].bit_count() - 1) for w in self._by_word}
                topic_weights = tuple({w: v / damp[w] for w, v in words.items()} for words in self.weights)
            self._topic_weights = topic_weights
        return topic_weights

    @property
    def mass(self) -> float:
        return sum(sum(w.values()) for w in self.weights)

    def where(self, word: str) -> tuple[int, int]:
        """In which topics this ementa has the word, as two bit masks of topic numbers: those with
        the same stem (share 1), and the others with only a long common beginning (PREFIX_MATCH)."""
        same = self.by_stem.get(_key(word), 0)
        alike = 0
        for other, where in self.by_prefix.get(word[:MIN_PREFIX], _NO_WORDS).items():
            if other != word and _shares_beginning(word, other):  # the word itself has its own stem
                alike |= where
        return same, alike & ~same


_NO_WORDS: dict[str, int] = {}


@lru_cache(maxsize=4096)  # masks vary with every cold ementa; a tuple is cheap to rebuild
def _topics(mask: int) -> tuple[int, ...]:
    """The topic numbers of a bit mask, in increasing order."""
    numbers = []
    while mask:
        lowest = mask & -mask
        numbers.append(lowest.bit_length() - 1)
        mask ^= lowest
    return tuple(numbers)


PROFILE_CACHE_SIZE = 128
"""Profiles kept per process for `compare`. A cold ementa's profile is ~70 KB (its words, stems
and beginnings as dicts), so 4,096 of them were ~280 MB of an API process (ADR 0041); 128 still
hold a curriculum's destinos while a transcript's pairs are evaluated one by one, and a case
(`for_case`) keeps its own profiles for as long as it runs."""


class LexicalTopicMatcher:
    """TopicMatcher with no network and no taxonomy: weighted word containment per topic."""

    version = VERSION

    def __init__(self, cache_size: int = PROFILE_CACHE_SIZE) -> None:
        self._profile = lru_cache(maxsize=cache_size)(_Profile.of)

    def warm(self) -> None:
        """Load the background word table now (at start-up), not on the first evaluation."""
        background_zipf()

    def for_case(self, origens: Sequence[str], destinos: Sequence[str]) -> LexicalCaseTopics:
        """Every text of a case read once (`CaseTopics`, core/ports/topic_matcher.py)."""
        return LexicalCaseTopics(self._profile, origens, destinos)

    def compare(self, origem: str, destino: str) -> TopicComparison:
        offered = self._profile(origem)
        return _compare_profiles([offered], self._profile(destino), offered.mass)


# --- cases (ADR 0027): many origem texts against many destino texts, each read once -------------


class LexicalCaseTopics:
    """`CaseTopics` of the lexical matcher: every text of a case profiled once.

    For each distinct destino word, which origem has it (1.0 by stem, PREFIX_MATCH by a long
    common beginning, else 0) is one row of a numpy table; a combination of origem courses has a
    word with the best share any member has — exactly what `compare` finds in their joined text,
    whose topics are the members' topics one after the other. Pairwise coverage (the pruning) is
    vectorized over the whole table; `compare` of a combination walks one destino's words.
    """

    def __init__(self, profile: Any, origens: Sequence[str], destinos: Sequence[str]) -> None:
        self._origens = [profile(t) for t in origens]
        self._topic_masses = [[sum(w.values()) for w in m.weights] for m in self._origens]
        self._topic_counts = [sum(1 for w in m.weights if w) for m in self._origens]
        self._destinos = [profile(t) for t in destinos]
        columns: dict[str, int] = {}
        # per destino topic: (topic, its mass, its damped mass, [(column, damped weight)]) — read
        # as `compare` reads a destino topic (topic_weights: the subject's words damped)
        self._layout: list[list[tuple[str, float, float, list[tuple[int, float]]]]] = []
        for required in self._destinos:
            kept = []
            for topic, raw, words in zip(required.topics, required.weights, required.topic_weights):
                mass = sum(raw.values())
                if mass > 0:
                    entries = [(columns.setdefault(w, len(columns)), wt) for w, wt in words.items()]
                    kept.append((topic, mass, sum(words.values()), entries))
            self._layout.append(kept)
        table = np.zeros((len(self._origens), len(columns)))
        by_stem: dict[str, list[int]] = {}
        by_prefix: dict[str, list[tuple[str, int]]] = {}
        for i, offered in enumerate(self._origens):
            for stem in offered.by_stem:
                by_stem.setdefault(stem, []).append(i)
            for prefix, entries in offered.by_prefix.items():
                by_prefix.setdefault(prefix, []).extend((word, i) for word in entries)
        for word, j in columns.items():
            for i in by_stem.get(_key(word), ()):
                table[i, j] = 1.0
            for other, i in by_prefix.get(word[:MIN_PREFIX], ()):
                if table[i, j] == 0.0 and _shares_beginning(word, other):
                    table[i, j] = PREFIX_MATCH
        self._rows = table.tolist()
        self._pairwise = self._coverage_table(table)
        # per destino topic, what `compare` reads: (topic, its mass rounded, its damped mass, the
        # shares of its words in an origem row, their weights), words in the layout's order
        self._readers = [
            [(topic, round(mass, 4), local, _getter([j for j, _ in entries]), tuple(wt for _, wt in entries))
             for topic, mass, local, entries in kept]
            for kept in self._layout
        ]

    def _coverage_table(self, table: Any) -> Any:
        """Coverage of each destino (column) by each origem alone (row), as `topic_coverage` of
        `compare` (similarity and mass rounded to 4 places as TopicScore holds them)."""
        out = np.zeros((table.shape[0], len(self._layout)))
        for d, kept in enumerate(self._layout):
            if not kept:
                continue
            cols = np.array([j for _, _, _, entries in kept for j, _ in entries], dtype=np.intp)
            weights = np.array([wt for _, _, _, entries in kept for _, wt in entries])
            starts = np.cumsum([0] + [len(entries) for _, _, _, entries in kept[:-1]])
            masses = np.array([mass for _, mass, _, _ in kept])
            locals_ = np.array([local for _, _, local, _ in kept])
            found = np.add.reduceat(table[:, cols] * weights, starts, axis=1)
            similarity = np.round(found / locals_, 4)
            credit = np.clip((similarity - PARTLY) / (COVERED - PARTLY), 0.0, 1.0)
            roots = np.sqrt(np.round(masses, 4))
            out[:, d] = (credit @ roots) / roots.sum()
        return out

    def pairwise(self, origem: int, destino: int) -> float:
        return float(self._pairwise[origem, destino])

    def compare(self, origens: tuple[int, ...], destino: int, excerpts: bool = False) -> TopicComparison:
        """`compare` of the members' texts joined (in this order) against the destino."""
        members = [self._origens[i] for i in origens]
        origem_mass = sum(mass for i in origens for mass in self._topic_masses[i])  # summed in the joined text's order
        origem_topics = sum(self._topic_counts[i] for i in origens)
        if excerpts:
            return _compare_profiles(members, self._destinos[destino], origem_mass)
        rows = [self._rows[i] for i in origens]
        scores = []
        for topic, mass, local, shares_of, weights in self._readers[destino]:
            found = 0.0
            if len(rows) == 1:  # a single course (most proposals): its own shares, no max to take
                for weight, share in zip(weights, shares_of(rows[0])):
                    if share:
                        found += weight * share
            else:  # a word's share is the best any member has
                for weight, *shares in zip(weights, *(shares_of(row) for row in rows)):
                    share = max(shares)
                    if share:
                        found += weight * share
            scores.append(TopicScore(topic, mass, round(found / local, 4), None))
        return TopicComparison(tuple(scores), VERSION, round(origem_mass, 4), origem_topics)


def _getter(columns: list[int]) -> Any:
    """row -> the tuple of its values at `columns` (itemgetter returns a bare value for one)."""
    if len(columns) == 1:
        only = columns[0]
        return lambda row: (row[only],)
    if not columns:
        return lambda row: ()
    return operator.itemgetter(*columns)


def _compare_profiles(members: list[_Profile], required: _Profile, origem_mass: float) -> TopicComparison:
    """Each destino topic's coverage by the origem, given as the profiles of its texts in order (one
    for `LexicalTopicMatcher.compare`; a combination's members for a case).

    A destino word counts with its weight where the origem has its stem and PREFIX_MATCH of it
    where only a long beginning. A topic at least partly listed (PARTLY) quotes the origem topic
    that has the most of its words; a topic the origem does not list quotes nothing, since no
    answer or justification shows an excerpt for it."""
    offsets = list(itertools.accumulate((len(m.topics) for m in members), initial=0))
    scores = []
    seen: dict[str, tuple[int, int]] = {}
    for topic, raw, words in zip(required.topics, required.weights, required.topic_weights):
        mass = sum(raw.values())
        if mass <= 0:
            continue
        local = sum(words.values())
        found = 0.0
        matched = []
        for word, weight in words.items():
            masks = seen.get(word)
            if masks is None:  # where() of each destino word, once per comparison
                masks = seen[word] = members[0].where(word) if len(members) == 1 else _joined(members, offsets, word)
            same, alike = masks
            if same:
                found += weight
            elif alike:
                found += weight * PREFIX_MATCH
            if same or alike:
                matched.append((weight, same, alike))
        similarity = round(found / local, 4)
        excerpt = _quoted(members, offsets, matched) if similarity >= PARTLY else None
        scores.append(TopicScore(topic, round(mass, 4), similarity, excerpt))
    origem_topics = sum(1 for m in members for w in m.weights if w)
    return TopicComparison(tuple(scores), VERSION, round(origem_mass, 4), origem_topics)


def _quoted(members: list[_Profile], offsets: list[int], matched: list[tuple[float, int, int]]) -> str | None:
    """The origem topic with the most of a destino topic's words, given as (weight, topics with
    the word's stem, topics with only its beginning) in the destino's order: each origem topic
    sums the weights it has (PREFIX_MATCH of those it has only by beginning); the first of
    equals wins."""
    per_topic: dict[int, float] = {}
    for weight, same, alike in matched:
        if same:
            for k in _topics(same):
                per_topic[k] = per_topic.get(k, 0.0) + weight
        if alike:
            share = weight * PREFIX_MATCH
            for k in _topics(alike):
                per_topic[k] = per_topic.get(k, 0.0) + share
    if not per_topic:
        return None
    most = max(per_topic.values())
    best = min(k for k, share in per_topic.items() if share == most)
    owner = 0 if len(members) == 1 else max(i for i, offset in enumerate(offsets[:-1]) if offset <= best)
    return members[owner].topics[best - offsets[owner]]


def _joined(members: list[_Profile], offsets: list[int], word: str) -> tuple[int, int]:
    """`where` of the members' texts joined in order: each member's topics numbered after the
    topics of those before it."""
    same = alike = 0
    for offset, member in zip(offsets, members):
        member_same, member_alike = member.where(word)
        same |= member_same << offset
        alike |= member_alike << offset
    return same, alike
