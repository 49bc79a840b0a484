"""Topics: an ementa is a list of topics, and equivalence is the share of the destino's topics
the origem lists — what a coordinator checks, and what our labels measure.

Works in any subject: it needs no taxonomy. `segment` cuts an ementa into topics (sentences,
list items, semicolons, "Unidade N" headings); a topic matcher (a port) says how well the
origem covers each destino topic; `topic_coverage` turns that into one share.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

_BREAK = re.compile(
    r"(?=[.;!?\n\r:\suUmMcCtTpPaAsSbB])"
    r"(?:[.;!?\n\r]+(?=\s|$)|[;\n\r]|:\s"
    r"|\s(?:[-–—]\s|\(?[0-9]{1,2}(?:\.[0-9]{1,2})*[.)]\s|[0-9]{1,2}(?:\.[0-9]{1,2})+\s(?=[A-ZÀ-Ý]))"
    r"|\b(?i:(?:unidade|m[oó]dulo|cap[ií]tulo|tema|parte|t[oó]pico|aula|semana|bloco)\s+[0-9ivx]+\b\s*[:.\-–—]?))"
)
"""Sentence ends, semicolons, line breaks, ": ", " - ", numbered items ("1.2) ", and "1.2 " before
a capital) and headings: "Unidade", "Módulo", "Capítulo", "Tema", "Parte", "Tópico", "Aula",
"Semana" or "Bloco" followed by a number (arabic or roman). A heading is structure, not a topic
the other ementa must list. `segment` reads the text after a space, so a numbered item at its
very start follows a blank like any other. The lookahead skips, in one test, every position
whose character starts no break (most of them), instead of trying each alternative there; a
heading's letter inside a word then fails its word-boundary test before any keyword is tried."""
MAX_TOPICS = 200
"""A syllabus longer than this is read by its first topics: bounded work per evaluation."""
MAX_TOPIC_CHARS = 400


@dataclass(frozen=True, slots=True)
class TopicScore:
    """How well the origem covers one destino topic."""

    topico: str
    """The destino's topic in its own words."""
    peso: float
    """How much the topic says (the rarity mass of its words): a long specific topic weighs more."""
    similaridade: float
    """0..1: the share of the topic's weight the origem's text also has."""
    trecho_origem: str | None = None
    """The origem's topic that covers it best, quoted."""

    @property
    def credit(self) -> float:
        return topic_credit(self.similaridade)


@dataclass(frozen=True, slots=True)
class TopicComparison:
    """The destino's topics, each scored against the origem, and who scored them."""

    topics: tuple[TopicScore, ...]
    matcher_version: str
    origem_mass: float = 0.0
    """How much the origem says at all (its topics' word mass, like `peso`)."""
    origem_topics: int = 0
    """How many topics (with content words) the origem lists."""

    @property
    def coverage(self) -> float:
        return topic_coverage(self.topics)

    @property
    def covered(self) -> tuple[TopicScore, ...]:
        return tuple(t for t in self.topics if t.similaridade >= COVERED)

    @property
    def partial(self) -> tuple[TopicScore, ...]:
        return tuple(t for t in self.topics if PARTLY <= t.similaridade < COVERED)

    @property
    def missing(self) -> tuple[TopicScore, ...]:
        return tuple(t for t in self.topics if t.similaridade < PARTLY)

    @property
    def missing_share(self) -> float:
        return missing_share(self.topics)


def segment(text: str) -> tuple[str, ...]:
    """The topics of an ementa in order: pieces between sentence, list and heading breaks."""
    pieces = (p.strip(" \t,.-–—:()") for p in _BREAK.split(" " + text))
    topics = []
    for piece in pieces:
        if piece[:1].isalpha() or any(ch.isalpha() for ch in piece):  # most pieces start with a letter
            topics.append(piece[:MAX_TOPIC_CHARS])
            if len(topics) == MAX_TOPICS:
                break
    return tuple(topics)


COVERED = 0.6
"""A destino topic whose weighted words the origem has at least this share of is covered."""
PARTLY = 0.2
"""Below this share the origem does not list the topic at all."""


def topic_credit(similarity: float) -> float:
    """Credit of one topic: none below PARTLY, full from COVERED, linear in between.

    Wording differs between institutions, so a topic is rarely repeated word for word; a
    ramp instead of a cut keeps one reworded topic from flipping a decision.
    """
    return min(1.0, max(0.0, (similarity - PARTLY) / (COVERED - PARTLY)))


def topic_coverage(topics: tuple[TopicScore, ...]) -> float:
    """Weighted share of the destino's topics the origem covers (0 when nothing to cover).

    A topic weighs by the square root of its word mass: a long topic says more than a short
    one, but a run-on sentence must not drown the others.
    """
    total = sum(math.sqrt(t.peso) for t in topics)
    if total <= 0:
        return 0.0
    return sum(math.sqrt(t.peso) * t.credit for t in topics) / total


def missing_share(topics: tuple[TopicScore, ...]) -> float:
    """Weighted share (as in `topic_coverage`) of the destino's topics the origem does not list
    at all (similarity below PARTLY): 0 when nothing to cover."""
    total = sum(math.sqrt(t.peso) for t in topics)
    if total <= 0:
        return 0.0
    return sum(math.sqrt(t.peso) for t in topics if t.similaridade < PARTLY) / total
