"""Which language an ementa is written in, from its function words.

The offline readers compare Portuguese syllabi; an English or Spanish ementa (exchange
students bring them every term) must go to a reviewer, never be denied for its language.
Function words are the cheapest reliable signal: every sentence has them, and the three
languages share few of them. Too few function words to tell → "indeterminado".
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

PORTUGUESE = "pt"
ENGLISH = "en"
SPANISH = "es"
UNKNOWN = "indeterminado"

_MARKERS = {
    PORTUGUESE: frozenset(
        "de da do das dos em na no nas nos para com por pela pelo uma um os as ao aos "
        "e ou não são à às é sua seu entre sobre como noções introdução estudo".split()
    ),
    ENGLISH: frozenset(
        "the of and to in for with on by an is are from this that its into using "
        "introduction topics basic principles their be as or at".split()
    ),
    SPANISH: frozenset(
        "el la los las del al y en para con por una un es son su sus entre sobre como "
        "nociones introducción estudio lo se".split()
    ),
}
_SPELLING = {
    PORTUGUESE: re.compile(r"(?:ção|ções|ão|ões|ãe|nh|lh|dade|mento|ível)$|[ãõâêô]"),
    ENGLISH: re.compile(r"(?:tion|tions|ing|ies|ness|ship|ity|ics)$|^th|w|k|y"),
    SPANISH: re.compile(r"(?:ción|ciones|dad|dades|miento)$|ñ|^ll|ll[aeo]"),
}
"""Spellings only one of the languages uses: they tell "Data structures: stacks, queues" apart."""
_WORD = re.compile(r"[^\W\d_]+")
MIN_MARKERS = 3
"""Fewer function words than this and the language cannot be told ("Cálculo I.")."""
MAX_CHARS = 1500
"""The first paragraphs tell the language; reading more only costs time."""
MARGIN = 1.5
"""The winning language must have this many times the runner-up's function words."""


@lru_cache(maxsize=65536)
def _votes(word: str) -> tuple[int, ...]:
    """The languages (their places in _MARKERS) a (lowercased) word is a marker of: most words
    are markers of none, so counting loops over nothing for them."""
    return tuple(
        k for k, (lang, markers) in enumerate(_MARKERS.items()) if word in markers or _SPELLING[lang].search(word)
    )


def detect_language(text: str) -> str:
    """'pt', 'en', 'es' or 'indeterminado' for a text too short or too mixed to tell."""
    words = _WORD.findall(unicodedata.normalize("NFC", text[:MAX_CHARS]).lower())
    totals = [0] * len(_MARKERS)
    for votes in filter(None, map(_votes, words)):  # only the words that vote reach Python
        for k in votes:
            totals[k] += 1
    counts = dict(zip(_MARKERS, totals))
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    (best, top), (_, second) = ranked[0], ranked[1]
    if top < MIN_MARKERS or top < MARGIN * second:
        return UNKNOWN
    return best
