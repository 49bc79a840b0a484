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
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from adapters.mappers.text import STOPWORDS, fold, stem_and_tail
from core.domain.topics import TopicComparison, TopicScore, segment

VERSION = "topics-1"
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
    técnica relação relações forma formas processos processo sistema sistemas""".split()
)
"""Words every syllabus uses whatever it teaches: they cannot tell two subjects apart."""
PREFIX_MATCH = 0.8
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


@dataclass(frozen=True, slots=True)
class _Bag:
    """The weighted words of a text, indexed for lookups by stem and by beginning."""

    weights: dict[str, float]
    stems: frozenset[str]
    by_prefix: dict[str, tuple[str, ...]]

    @classmethod
    def of(cls, text: str) -> _Bag:
        weights: dict[str, float] = {}
        for raw in _WORD.findall(text):
            folded = fold(raw)
            weight = word_weight(folded)
            if weight > 0:
                weights[folded] = weight
        by_prefix: dict[str, list[str]] = {}
        for word in weights:
            by_prefix.setdefault(word[:MIN_PREFIX], []).append(word)
        return cls(
            weights,
            frozenset(_key(w) for w in weights),
            {k: tuple(v) for k, v in by_prefix.items()},
        )

    @property
    def mass(self) -> float:
        return sum(self.weights.values())

    def has(self, word: str) -> float:
        """1 if the bag has the word's stem, PREFIX_MATCH for a long common beginning, else 0."""
        if _key(word) in self.stems:
            return 1.0
        for other in self.by_prefix.get(word[:MIN_PREFIX], ()):
            common = 0
            for a, b in zip(word, other):
                if a != b:
                    break
                common += 1
            if common >= max(MIN_PREFIX, PREFIX_RATIO * min(len(word), len(other))):
                return PREFIX_MATCH
        return 0.0

    def contained_in(self, other: _Bag) -> float:
        """Share of this bag's weight that the other bag has."""
        total = self.mass
        if total <= 0:
            return 0.0
        return sum(w * other.has(word) for word, w in self.weights.items()) / total


@dataclass(frozen=True, slots=True)
class _Profile:
    topics: tuple[str, ...]
    bags: tuple[_Bag, ...]
    whole: _Bag


class LexicalTopicMatcher:
    """TopicMatcher with no network and no taxonomy: weighted word containment per topic."""

    version = VERSION

    def __init__(self, cache_size: int = 4096) -> None:
        self._profile = lru_cache(maxsize=cache_size)(self._build_profile)

    @staticmethod
    def _build_profile(text: str) -> _Profile:
        topics = segment(text)
        return _Profile(topics, tuple(_Bag.of(t) for t in topics), _Bag.of(text))

    def compare(self, origem: str, destino: str) -> TopicComparison:
        offered = self._profile(origem)
        required = self._profile(destino)
        scores = []
        for topic, bag in zip(required.topics, required.bags):
            if bag.mass <= 0:
                continue
            similarity = bag.contained_in(offered.whole)
            excerpt = None
            if similarity > 0 and offered.bags:
                best = max(range(len(offered.bags)), key=lambda k: (bag.contained_in(offered.bags[k]), -k))
                if bag.contained_in(offered.bags[best]) > 0:
                    excerpt = offered.topics[best]
            scores.append(TopicScore(topic, round(bag.mass, 4), round(similarity, 4), excerpt))
        origem_mass = round(sum(b.mass for b in offered.bags), 4)
        return TopicComparison(tuple(scores), VERSION, origem_mass)
