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

VERSION = "topics-2"
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
    out: dict[str, float] = {}
    for raw in _WORD.findall(text):
        folded, weight = _read_word(raw)
        if weight > 0:
            out[folded] = weight
    return out


def _shares_beginning(word: str, other: str) -> bool:
    common = 0
    for a, b in zip(word, other):
        if a != b:
            break
        common += 1
    return common >= max(MIN_PREFIX, PREFIX_RATIO * min(len(word), len(other)))


@dataclass(frozen=True, slots=True)
class _Profile:
    """An ementa's topics and, for lookups, which topics have each stem and each beginning."""

    topics: tuple[str, ...]
    weights: tuple[dict[str, float], ...]
    topic_weights: tuple[dict[str, float], ...]
    """`weights` with the subject's words damped (SUBJECT_DAMP): how a destino topic is read."""
    by_stem: dict[str, frozenset[int]]
    by_prefix: dict[str, tuple[tuple[str, frozenset[int]], ...]]

    @classmethod
    def of(cls, text: str) -> _Profile:
        topics = segment(text)
        weights = tuple(_weights(t) for t in topics)
        by_stem: dict[str, set[int]] = {}
        by_word: dict[str, set[int]] = {}
        for k, words in enumerate(weights):
            for word in words:
                by_stem.setdefault(_key(word), set()).add(k)
                by_word.setdefault(word, set()).add(k)
        by_prefix: dict[str, list[tuple[str, frozenset[int]]]] = {}
        for word, where in by_word.items():
            by_prefix.setdefault(word[:MIN_PREFIX], []).append((word, frozenset(where)))
        topic_weights = weights
        if sum(1 for w in weights if w) >= SUBJECT_MIN_TOPICS:
            topic_weights = tuple(
                {w: v / (1.0 + SUBJECT_DAMP * (len(by_stem[_key(w)]) - 1)) for w, v in words.items()}
                for words in weights
            )
        return cls(
            topics,
            weights,
            topic_weights,
            {k: frozenset(v) for k, v in by_stem.items()},
            {k: tuple(v) for k, v in by_prefix.items()},
        )

    @property
    def mass(self) -> float:
        return sum(sum(w.values()) for w in self.weights)

    def where(self, word: str) -> dict[int, float]:
        """In which topics this ementa has the word: 1 with the same stem, PREFIX_MATCH with a
        long common beginning only."""
        found = dict.fromkeys(self.by_stem.get(_key(word), ()), 1.0)
        for other, where in self.by_prefix.get(word[:MIN_PREFIX], ()):
            if _shares_beginning(word, other):
                for k in where:
                    found.setdefault(k, PREFIX_MATCH)
        return found


class LexicalTopicMatcher:
    """TopicMatcher with no network and no taxonomy: weighted word containment per topic."""

    version = VERSION

    def __init__(self, cache_size: int = 4096) -> None:
        self._profile = lru_cache(maxsize=cache_size)(_Profile.of)

    def warm(self) -> None:
        """Load the background word table now (at start-up), not on the first evaluation."""
        background_zipf()

    def compare(self, origem: str, destino: str) -> TopicComparison:
        offered = self._profile(origem)
        required = self._profile(destino)
        scores = []
        seen: dict[str, dict[int, float]] = {}  # where() of each destino word, once per comparison
        for topic, raw, words in zip(required.topics, required.weights, required.topic_weights):
            mass = sum(raw.values())
            if mass <= 0:
                continue
            local = sum(words.values())
            found = 0.0
            per_topic: dict[int, float] = {}
            for word, weight in words.items():
                where = seen.get(word)
                if where is None:
                    where = seen[word] = offered.where(word)
                if where:
                    found += weight * max(where.values())
                for k, share in where.items():
                    per_topic[k] = per_topic.get(k, 0.0) + weight * share
            excerpt = None
            if per_topic:
                best = min(per_topic, key=lambda k: (-per_topic[k], k))
                excerpt = offered.topics[best]
            scores.append(TopicScore(topic, round(mass, 4), round(found / local, 4), excerpt))
        return TopicComparison(tuple(scores), VERSION, round(offered.mass, 4))
