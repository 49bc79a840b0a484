"""Portuguese text normalization for the lexical mapper.

Lowercasing, accent folding (stdlib ``unicodedata``), tokenization that keeps offsets into
the original text, a stopword list and Snowball stemming. Accents are folded *before*
stemming so that "funcao" and "função" always give the same stem; a few suffixes are
singularized and re-accented first because the Portuguese Snowball stemmer expects them.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

import snowballstemmer

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_CLAUSE_BREAK = re.compile(r"[.;:!?\n\r]")

STOPWORDS: frozenset[str] = frozenset(
    """
    a ao aos as à às o os um uma uns umas e ou nem mas porem que se
    de da das do dos d em na nas no nos num numa nuns numas
    para pra por pela pelas pelo pelos per com sem sob sobre entre ate apos ante desde contra
    seu sua seus suas meu minha teu tua nosso nossa dele dela deles delas
    este esta estes estas esse essa esses essas isto isso aquele aquela aquilo
    lhe lhes ele ela eles elas
    como quando onde qual quais cujo cuja cujos cujas
    ser sao foi ha tem ter seja
    mais menos muito muita muitos muitas tal tais cada outro outra outros outras
    ja nao sim tambem so
    etc ex i ii iii iv
    """.split()
)
"""Function words ignored by matching (accent-folded). Content words are never listed here."""

CONJUNCTIONS: frozenset[str] = frozenset({"e", "ou"})

_SINGULAR = (
    (re.compile(r"coes$"), "cao"),
    (re.compile(r"oes$"), "ao"),
    (re.compile(r"(?<=..)ais$"), "al"),
    (re.compile(r"(?<=...)eis$"), "el"),
)
_REACCENT = (
    (re.compile(r"cao$"), "ção"),
    (re.compile(r"ao$"), "ão"),
    (re.compile(r"encia(s?)$"), r"ência\1"),
    (re.compile(r"ancia(s?)$"), r"ância\1"),
)
_STEMMER = snowballstemmer.stemmer("portuguese")
TAIL = 2
"""How many letters after the stem a word keeps to tell apart words that share a stem."""


def fold(text: str) -> str:
    """Lowercase and strip accents (ç → c, ã → a): 'Função' and 'funcao' fold alike."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def stem(folded_word: str) -> str:
    """Stem of an already folded word (singular/plural and accent insensitive)."""
    return stem_and_tail(folded_word)[0]


@lru_cache(maxsize=65536)
def stem_and_tail(folded_word: str) -> tuple[str, str]:
    """Stem of a folded word and the letter that follows it in the singularized word."""
    word = folded_word
    for pattern, repl in _SINGULAR:
        if pattern.search(word):
            word = pattern.sub(repl, word)
            break
    for pattern, repl in _REACCENT:
        if pattern.search(word):
            word = pattern.sub(repl, word)
            break
    stemmed = fold(_STEMMER.stemWord(word))
    singular = fold(word)
    tail = singular[len(stemmed) : len(stemmed) + TAIL] if singular.startswith(stemmed) else ""
    return stemmed, tail


class Token(NamedTuple):
    """A content word: its stem, where it sits in the original text, and what precedes it.

    A NamedTuple, not a frozen dataclass: an ementa has hundreds of tokens, and a frozen
    dataclass's __init__ (one object.__setattr__ per field) was a tenth of a cold mapping's CPU."""

    stem: str
    tail: str
    """First letters after the stem in the word ('' if none): tells 'diferenças' from 'diferencial'."""
    start: int
    end: int
    after_coordinator: bool
    """True when a conjunction ('e', 'ou') or a comma separates it from the previous content word."""
    clause: int = 0
    """Index of the clause (text between . ; : ! ? or line breaks) the word sits in."""


_CONJUNCTION = ("", "")


@lru_cache(maxsize=65536)
def _word(raw: str) -> tuple[str, str] | None:
    """(stem, tail) of a raw word; None for a stopword, _CONJUNCTION for 'e'/'ou'."""
    folded = fold(raw)
    if folded in CONJUNCTIONS:
        return _CONJUNCTION
    if folded in STOPWORDS:
        return None
    return stem_and_tail(folded)


_SCAN = re.compile(r"([^\W_]+)|([.;:!?\n\r])|(,)", re.UNICODE)
"""One pass over a text: a word, a clause break (as _CLAUSE_BREAK) or a comma."""


_new_token = tuple.__new__
"""Token(...) without the NamedTuple's Python-level __new__: one frame less per word."""


def tokenize(text: str) -> list[Token]:
    """Content tokens of ``text`` (stopwords dropped) with offsets into the original string."""
    tokens: list[Token] = []
    append, word_of = tokens.append, _word
    coordinated = False
    broken = False
    clause = 0
    for m in _SCAN.finditer(text):
        kind = m.lastindex  # the one group that matched: 1 word, 2 clause break, 3 comma
        if kind != 1:
            if kind == 2:
                broken = True
            else:
                coordinated = True
            continue
        if broken:
            clause += 1
            broken = False
        word = word_of(m.group())
        if word is None:
            continue
        if word is _CONJUNCTION:
            coordinated = True
            continue
        start, end = m.span()
        append(_new_token(Token, (word[0], word[1], start, end, coordinated, clause)))
        coordinated = False
    return tokens


def phrase_stems(phrase: str) -> tuple[str, ...]:
    """Stem sequence of a keyword phrase, as it must appear (consecutively) in a text."""
    return tuple(t.stem for t in tokenize(phrase))


def phrase_tails(phrase: str) -> tuple[str, ...]:
    """The letters after each stem of a keyword phrase (see Token.tail)."""
    return tuple(t.tail for t in tokenize(phrase))


def tails_agree(keyword_tails: tuple[str, ...], text_tails: tuple[str, ...]) -> bool:
    """Same stems are the same word unless the words go on with different letters.

    One tail may be a prefix of the other ('sistema'/'sistemas'), never a different letter
    ('computador'/'computabilidade', 'diferença'/'diferencial').
    """
    return all(k.startswith(t) or t.startswith(k) for k, t in zip(keyword_tails, text_tails))


def clause_breaks(text: str) -> list[int]:
    """Offsets of the characters that end a clause (. ; : ! ? newline), in order."""
    return [m.start() for m in _CLAUSE_BREAK.finditer(text)]


def excerpt(text: str, start: int, end: int, limit: int = 160, breaks: list[int] | None = None) -> str:
    """The clause of ``text`` around [start, end), trimmed to ``limit`` chars; an exact substring.

    ``breaks`` (from ``clause_breaks(text)``) saves rescanning the text for every excerpt.
    """
    if breaks is None:
        breaks = clause_breaks(text)
    k = bisect.bisect_left(breaks, start)
    left = breaks[k - 1] + 1 if k > 0 else 0
    k = bisect.bisect_left(breaks, end)
    right = breaks[k] if k < len(breaks) else len(text)
    if right - left > limit:
        span = end - start
        room = max(limit - span, 0)
        left = max(left, start - room // 2)
        right = min(right, left + max(limit, span))
    piece = text[left:right]
    stripped = piece.strip()
    return stripped if stripped else text[start:end]
