"""The fast paths of hygiene, segmentation, language and topic comparison (issue 16) read exactly
as the plain code did.

What changed, for CPU only: zero-width characters deleted by one regex scan instead of
`str.translate` with a table; only blank runs that are not already one space rewritten; the
negation and heading patterns skip impossible positions (a lookahead, a one-character
lookbehind) and the negation pattern is not run at all on a text with none of its words; the
topic breaks skip positions no break can start at and read the text after a space instead of
trying `^`; language votes list only the languages a word votes for; the topic excerpt found
without a key function per candidate; where a destino word is in the origem as two bit masks
instead of a dict per word (ADR 0044). The plain versions are kept here as references and
hypothesis checks the new ones against them on texts built from the characters and words those
patterns care about (any case, accents, zero-width characters, Unicode blanks, "ſ").
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.mappers import topic_matcher
from adapters.mappers.topic_matcher import LexicalTopicMatcher
from core.domain import hygiene, language, topics

# --- references: the code before this change, unchanged -----------------------------------------

REFERENCE_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
REFERENCE_SPACES = re.compile(r"[ \t\f\v]+")
REFERENCE_HEADING = re.compile(
    rf"(?im)(?:^|(?<=[.;\n]))[ \t]*(?P<name>{hygiene._NOT_SYLLABUS}|{hygiene._SYLLABUS})[ \t]*(?::|[-–—]|\n|$)"
)
REFERENCE_NEGATION = re.compile(
    r"(?i)\b(?:n[aã]o\s+(?:s[aã]o\s+|ser[aã]o?\s+|[eé]\s+)?"
    r"(?:aborda(?:d[oa]s?|rá|m)?|inclu[ií](?:d[oa]s?|rá|m)?|contempla(?:d[oa]s?|rá|m)?|trata(?:d[oa]s?|rá|m)?"
    r"|cobre|cobert[oa]s?|estuda(?:d[oa]s?|rá|m)?|vist[oa]s?)"
    r"|exceto|excluindo|exclu[ií]d[oa]s?|com\s+exce[cç][aã]o\s+de|[aà]\s+exce[cç][aã]o\s+de|salvo)\b"
)
REFERENCE_BREAK = re.compile(
    r"[.;!?\n\r]+(?=\s|$)|[;\n\r]|:\s|(?:^|\s)[-–—]\s"
    r"|(?i:\b(?:unidade|m[oó]dulo|cap[ií]tulo|tema|parte|t[oó]pico|aula|semana|bloco)\s+[0-9ivx]+\b\s*[:.\-–—]?)"
    r"|(?:^|\s)\(?[0-9]{1,2}(?:\.[0-9]{1,2})*[.)]\s|(?:^|\s)[0-9]{1,2}(?:\.[0-9]{1,2})+\s(?=[A-ZÀ-Ý])"
)


def reference_normalize(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(REFERENCE_INVISIBLE)
    text = hygiene._CONTROL.sub(" ", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = hygiene._BULLET.sub("\n", text)
    lines = (REFERENCE_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def reference_segment(text: str) -> tuple[str, ...]:
    pieces = (p.strip(" \t,.-–—:()") for p in REFERENCE_BREAK.split(text))
    found = []
    for piece in pieces:
        if any(ch.isalpha() for ch in piece):
            found.append(piece[: topics.MAX_TOPIC_CHARS])
            if len(found) == topics.MAX_TOPICS:
                break
    return tuple(found)


def reference_language(text: str) -> str:
    words = Counter(language._WORD.findall(unicodedata.normalize("NFC", text[: language.MAX_CHARS]).lower()))
    totals = [0] * len(language._MARKERS)
    for word, n in words.items():
        for k, (lang, markers) in enumerate(language._MARKERS.items()):
            if word in markers or language._SPELLING[lang].search(word):
                totals[k] += n
    ranked = sorted(dict(zip(language._MARKERS, totals)).items(), key=lambda item: (-item[1], item[0]))
    (best, top), (_, second) = ranked[0], ranked[1]
    return language.UNKNOWN if top < language.MIN_MARKERS or top < language.MARGIN * second else best


# --- texts made of what the patterns look at --------------------------------------------------------

PIECES = [
    "não aborda", "NÃO INCLUI", "Nao são vistos", "não é tratado", "exceto", "EXCLUINDO", "excluídas",
    "com exceção de", "à exceção de", "A EXCECAO DE", "salvo", "ſalvo", "nãoaborda", "anão",
    "Bibliografia", "Referências bibliográficas", "OBJETIVOS", "Metodologia de ensino", "Avaliação",
    "Ementa", "Conteúdo programático", "Tópicos", "Programa da disciplina", "Habilidades",
    "Unidade 1", "UNIDADE IV", "unidade x", "1.", "2)", "(3)", "1.2)", "12.", "a)", "•", "-", "–", "—",
    "Módulo 2", "MÓDULO IV", "Capitulo 3", "Tema", "tema 1", "Parte II", "Tópico 12", "Aula", "aula 3", "1.2", "3.10",
    "Semana 1", "Bloco ix", "Partes", "Modulos", "vi", "Ii",
    "derivadas", "integrais", "limites", "Cálculo", "the", "of", "introduction", "el", "los", "introducción",
    "función", "data", "structures", "ção", "ções",
    ".", ";", ":", ",", "!", "?", "\n", "\r\n", "\t", " ", "  ", "\u00a0", "\u2003", "\f",
    "\u200b", "\u200c", "\u00ad", "\ufeff", "a\u0303", "e\u0301",
]  # fmt: skip
texts = st.lists(st.sampled_from(PIECES), max_size=40).map(" ".join) | st.lists(
    st.sampled_from(PIECES), max_size=40
).map("".join)


@settings(max_examples=400, deadline=None)
@given(texts)
def test_normalize_reads_as_the_reference(text: str) -> None:
    assert hygiene.normalize(text) == reference_normalize(text)


@settings(max_examples=400, deadline=None)
@given(texts)
def test_sections_and_negations_are_found_as_the_reference_finds_them(text: str) -> None:
    clean = hygiene.normalize(text)
    assert [m.span() for m in hygiene._HEADING.finditer(clean)] == [m.span() for m in REFERENCE_HEADING.finditer(clean)]
    assert [m.span() for m in hygiene._NEGATION.finditer(clean)] == [
        m.span() for m in REFERENCE_NEGATION.finditer(clean)
    ]
    negated, _ = hygiene._drop_negated(clean)
    if not any(m for m in REFERENCE_NEGATION.finditer(clean)):
        assert negated == clean  # the shortcut: nothing to blank out


@settings(max_examples=400, deadline=None)
@given(texts)
def test_segment_cuts_as_the_reference(text: str) -> None:
    assert topics.segment(text) == reference_segment(text)
    assert topics.segment(hygiene.normalize(text)) == reference_segment(hygiene.normalize(text))


@settings(max_examples=400, deadline=None)
@given(texts)
def test_language_votes_as_the_reference(text: str) -> None:
    assert language.detect_language(text) == reference_language(text)


def test_the_excerpt_is_the_first_of_equally_good_origem_topics() -> None:
    """Two origem topics hold the destino topic's words equally: the earlier one is quoted."""
    comparison = LexicalTopicMatcher().compare(
        "Microbiologia do solo. Técnicas de laboratório. Microbiologia do solo aplicada", "Microbiologia do solo"
    )
    (only,) = comparison.topics
    assert only.trecho_origem == "Microbiologia do solo"


# --- topic comparison by bit masks (ADR 0044) ---------------------------------------------------


def reference_where(profile: topic_matcher._Profile, word: str) -> dict[int, float]:
    """`_Profile.where` before: a dict {topic: share} per word."""
    found = dict.fromkeys(topic_matcher._topics(profile.by_stem.get(topic_matcher._key(word), 0)), 1.0)
    for other, where in profile.by_prefix.get(word[: topic_matcher.MIN_PREFIX], {}).items():
        if topic_matcher._shares_beginning(word, other):
            for k in topic_matcher._topics(where):
                found.setdefault(k, topic_matcher.PREFIX_MATCH)
    return found


def reference_compare(members: list[topic_matcher._Profile], required: topic_matcher._Profile) -> list[tuple[float, str | None]]:
    """Each destino topic's (similarity, excerpt) as `_compare_profiles` found them before."""
    offsets = [0]
    for member in members:
        offsets.append(offsets[-1] + len(member.topics))
    out = []
    for raw, words in zip(required.weights, required.topic_weights):
        if sum(raw.values()) <= 0:
            continue
        found = 0.0
        per_topic: dict[int, float] = {}
        for word, weight in words.items():
            where = {offset + k: share for offset, m in zip(offsets, members) for k, share in reference_where(m, word).items()}
            if where:
                found += weight * max(where.values())
            for k, share in where.items():
                per_topic[k] = per_topic.get(k, 0.0) + weight * share
        similarity = round(found / sum(words.values()), 4)
        excerpt = None
        if per_topic and similarity >= topics.PARTLY:  # a topic the origem does not list quotes nothing
            most = max(per_topic.values())
            best = min(k for k, share in per_topic.items() if share == most)
            owner = max(i for i, offset in enumerate(offsets[:-1]) if offset <= best)
            excerpt = members[owner].topics[best - offsets[owner]]
        out.append((similarity, excerpt))
    return out


WORDS = [
    "microbiologia", "microbiológica", "microbiana", "bactérias", "bacteriana", "solo", "solos", "química",
    "químicas", "cinética", "derivadas", "derivação", "estudo", "noções", "ecologia", "ecossistemas",
]  # fmt: skip
ementas = st.lists(
    st.lists(st.sampled_from(WORDS), min_size=1, max_size=5).map(" ".join), min_size=1, max_size=8
).map(". ".join)


@settings(max_examples=300, deadline=None)
@given(st.lists(ementas, min_size=1, max_size=3), ementas)
def test_topics_are_compared_by_masks_as_by_dicts(origens: list[str], destino: str) -> None:
    """One origem (a pair) or several (a case's combination, topics numbered one after another)."""
    members = [topic_matcher._Profile.of(text) for text in origens]
    required = topic_matcher._Profile.of(destino)
    comparison = topic_matcher._compare_profiles(members, required, 0.0)
    assert [(t.similaridade, t.trecho_origem) for t in comparison.topics] == reference_compare(members, required)


@given(st.integers(min_value=0, max_value=2**200))
def test_the_topics_of_a_mask_are_its_set_bits(mask: int) -> None:
    assert topic_matcher._topics(mask) == tuple(k for k in range(mask.bit_length()) if mask >> k & 1)
