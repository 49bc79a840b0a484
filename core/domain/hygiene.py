"""Text hygiene: what of an ementa may be read as its syllabus, before any matching.

Three things are taken out, and each is reported (`SyllabusText.set_aside`) so a reviewer can
see what was ignored:
- characters that only change how text *looks* (Unicode forms, zero-width and control
  characters, bullets): the same syllabus copied from a PDF or a Mac must read the same;
- sections that are not the syllabus (Bibliografia, Referências, Objetivos, Metodologia,
  Avaliação...): a book title "Cálculo: limites, derivadas e integrais" is not a topic taught;
- negated topics ("Não aborda derivadas nem integrais", "exceto séries"): a topic the
  ementa says it leaves out must never count as covered.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
"""Zero-width characters and soft hyphens (deleted; a regex scan, not `str.translate` with a
table, which costs a dict lookup per character: a tenth of a cold decision)."""
_BULLET = re.compile(r"(?m)^[ \t]*(?:[•●▪◦‣∙·○■□➢➤►\-–—*]|\d{1,2}[.)]|[a-z][)])[ \t]+")
_SPACES = re.compile(r"[\t\f\v][ \t\f\v]*| [ \t\f\v]+")
"""Runs of blanks that are not already one space (a lone space, between every two words, is
left as it is: replacing it by itself was most of the pass)."""
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")

_NOT_SYLLABUS = (
    r"bibliografias?(?:\s+(?:b[aá]sicas?|complementar(?:es)?|recomendadas?|sugeridas?))?"
    r"|refer[eê]ncias(?:\s+bibliogr[aá]ficas)?(?:\s+(?:b[aá]sicas|complementares))?"
    r"|objetivos?(?:\s+(?:gerais?|espec[ií]ficos?|da\s+disciplina))?"
    r"|metodologias?(?:\s+de\s+ensino)?|procedimentos\s+metodol[oó]gicos"
    r"|avalia[cç](?:[aã]o|[oõ]es)(?:\s+da\s+aprendizagem)?|crit[eé]rios\s+de\s+avalia[cç][aã]o"
    r"|compet[eê]ncias(?:\s+e\s+habilidades)?|habilidades|justificativa"
)
_SYLLABUS = r"ementa|conte[uú]dos?(?:\s+program[aá]tico)?|programa(?:\s+da\s+disciplina)?|t[oó]picos"
_HEADING = re.compile(
    rf"(?im)(?<![^.;\n])[ \t]*(?P<name>{_NOT_SYLLABUS}|{_SYLLABUS})[ \t]*(?::|[-–—]|\n|$)"
)
_SYLLABUS_NAME = re.compile(rf"(?i)^(?:{_SYLLABUS})$")

_NEGATION = re.compile(
    r"(?i)(?=[necaàs])\b(?:n[aã]o\s+(?:s[aã]o\s+|ser[aã]o?\s+|[eé]\s+)?"
    r"(?:aborda(?:d[oa]s?|rá|m)?|inclu[ií](?:d[oa]s?|rá|m)?|contempla(?:d[oa]s?|rá|m)?|trata(?:d[oa]s?|rá|m)?"
    r"|cobre|cobert[oa]s?|estuda(?:d[oa]s?|rá|m)?|vist[oa]s?)"
    r"|exceto|excluindo|exclu[ií]d[oa]s?|com\s+exce[cç][aã]o\s+de|[aà]\s+exce[cç][aã]o\s+de|salvo)\b"
)
_NEGATION_HINTS = ("nao", "não", "exc", "salvo")
"""Every negation has one of these in its casefolded text: without any, `_NEGATION` is not run.
(The lookahead at its start is the same kind of shortcut: a position whose letter starts no
negation is passed over without trying every alternative.)"""
_CLAUSE_END = re.compile(r"[.;!?\n]")


MAX_SYLLABUS_CHARS = 6000
"""Read at most this much of a syllabus, cut at the last sentence end before it. Real ementas
are far shorter (the dev sets' longest is under 800 characters), and the cost of reading grows
with the text: so a maximum-size request (20,000 characters of words never seen) costs about
10x a typical one (bench/decision_speed.py), not 100x."""


@dataclass(frozen=True, slots=True)
class SyllabusText:
    """The part of an ementa that lists what is taught, and what was set aside and why."""

    text: str
    set_aside: tuple[str, ...] = ()


def normalize(text: str) -> str:
    """One spelling for one text: NFKC, no invisible or control characters, bullets as lines."""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))
    text = _CONTROL.sub(" ", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _BULLET.sub("\n", text)
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def syllabus(text: str) -> SyllabusText:
    """The ementa without sections that are not the syllabus and without negated topics."""
    clean = normalize(text)
    kept, aside = _drop_sections(clean)
    kept, negated = _drop_negated(kept)
    kept, cut = _bounded(kept.strip())
    return SyllabusText(kept, tuple(aside + negated + cut))


def _bounded(text: str) -> tuple[str, list[str]]:
    """The text up to MAX_SYLLABUS_CHARS, ending at a sentence end when there is one."""
    if len(text) <= MAX_SYLLABUS_CHARS:
        return text, []
    head = text[:MAX_SYLLABUS_CHARS]
    end = max(head.rfind(". "), head.rfind(".\n"), head.rfind(";"), head.rfind("\n"))
    if end > MAX_SYLLABUS_CHARS // 2:
        head = head[: end + 1]
    note = f"texto além dos primeiros {len(head)} caracteres não lido (limite de leitura {MAX_SYLLABUS_CHARS})"
    return head.rstrip(), [note]


def _drop_sections(text: str) -> tuple[str, list[str]]:
    """Keep the text outside non-syllabus sections; a section runs until the next heading."""
    headings = list(_HEADING.finditer(text))
    if not headings:
        return text, []
    kept = [text[: headings[0].start()]]
    aside: list[str] = []
    for k, heading in enumerate(headings):
        end = headings[k + 1].start() if k + 1 < len(headings) else len(text)
        body = text[heading.end() : end]
        if _SYLLABUS_NAME.match(heading.group("name").strip()):
            kept.append(body)
        elif body.strip():
            aside.append(f"seção '{heading.group('name').strip()}' desconsiderada")
    return "\n".join(kept), aside


def _drop_negated(text: str) -> tuple[str, list[str]]:
    """Blank out a negation and the rest of its clause: what the ementa says it does not teach."""
    folded = text.casefold()
    if not any(hint in folded for hint in _NEGATION_HINTS):
        return text, []
    aside: list[str] = []
    out: list[str] = []
    pos = 0
    for match in _NEGATION.finditer(text):
        if match.start() < pos:
            continue
        end_match = _CLAUSE_END.search(text, match.end())
        end = end_match.start() if end_match else len(text)
        out.append(text[pos : match.start()])
        out.append(".")
        aside.append(f"trecho negado desconsiderado: \"{text[match.start():end].strip()}\"")
        pos = end
    out.append(text[pos:])
    return "".join(out), aside
