"""Precedents: the tenant's equivalence table, turning past decisions into instant answers.

A precedent says "this origem (institution, code, ementa) counts as this destino (a curriculum
unit code and/or a `course_id`)", in that direction only, during its vigência. Several origem
courses may combine (N:1): each precedent holds one *alternative*, a set of origens that all
must have been passed; SIGAA's `(A E B) OU C` is two alternatives (`parse_expression`).

- `binding`: decides a pair on its own when in vigência and the ementa fingerprint matches;
- `advisory`: only ever shown to the reviewer as evidence.

Rules (docs/adr/0024-precedents.md):
- `fingerprint` ignores what only changes how an ementa looks (Unicode form, accents, case,
  punctuation, bullets, whitespace): the same syllabus pasted from a PDF matches;
- vigência is the half-open date interval [valid_from, valid_to): `valid_to` is the first day
  the precedent no longer applies, so ending it "today" stops it today;
- a reworded ementa of the same course is a near-duplicate when `similarity` >= NEAR_DUPLICATE:
  shown as evidence, never applied.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import hashlib
import re
import unicodedata
from typing import Any

from core.domain.errors import DomainError, InvalidTransition
from core.domain.hygiene import normalize

NEAR_DUPLICATE = 0.6
"""Jaccard similarity of two ementas' word sets (words of 3+ letters, folded) at or above which a
reworded ementa of the same course is shown with the precedent as evidence. Chosen so a
reordering, a few added or dropped topics or changed connectives stay above it, while another
course of the same area (a different topic list) falls far below it."""

_WORD = re.compile(r"[^\W_]+")


class PrecedentKind(str, enum.Enum):
    BINDING = "binding"  # decides alone when in vigência and the fingerprint matches
    ADVISORY = "advisory"  # evidence for the reviewer only


class InvalidPrecedent(DomainError):
    """A precedent or an expression that cannot be used; `field` names the offending field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def fold(text: str) -> str:
    """The words of a text, lower case, without accents, separated by single spaces."""
    decomposed = unicodedata.normalize("NFD", normalize(text))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return " ".join(_WORD.findall(plain))


def fingerprint(ementa: str) -> str:
    """SHA-256 of the folded ementa: equal for the same syllabus however it was formatted."""
    return hashlib.sha256(fold(ementa).encode("utf-8")).hexdigest()


def course_key(text: str) -> str:
    """How an institution name or a course code is compared: folded, no spaces or punctuation."""
    return fold(text).replace(" ", "")


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of the sets of words of 3+ letters (folded) of two ementas; deterministic."""
    words_a, words_b = _words(a), _words(b)
    if not words_a and not words_b:
        return 1.0
    return len(words_a & words_b) / len(words_a | words_b)


def _words(text: str) -> frozenset[str]:
    return frozenset(word for word in fold(text).split(" ") if len(word) >= 3)


@dataclasses.dataclass(frozen=True, slots=True)
class Origin:
    """One origem course of a precedent; `ementa` may be empty (a code-only table row)."""

    instituicao: str
    codigo: str
    ementa: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return course_key(self.instituicao), course_key(self.codigo)

    @property
    def fingerprint(self) -> str | None:
        return fingerprint(self.ementa) if self.ementa.strip() else None

    def payload(self) -> dict[str, Any]:
        return {"instituicao": self.instituicao, "codigo": self.codigo, "ementa_fingerprint": self.fingerprint}


@dataclasses.dataclass(frozen=True, slots=True)
class Precedent:
    tenant_id: str
    precedent_id: str
    origens: tuple[Origin, ...]  # all must have been passed (one alternative)
    destino_codigo: str | None  # a curriculum unit code
    course_id: str | None
    kind: PrecedentKind
    valid_from: dt.date
    valid_to: dt.date | None  # first day no longer in force; None: open-ended
    created_at: dt.datetime
    created_by: dict[str, Any]
    escopo: str | None = None
    parecer: str | None = None
    review_id: str | None = None
    request_id: str | None = None
    expressao: str | None = None  # the SIGAA expression it was imported from
    ended_at: dt.datetime | None = None
    ended_by: dict[str, Any] | None = None

    def in_force(self, day: dt.date) -> bool:
        return in_vigencia(self.valid_from, self.valid_to, day)

    def payload(self) -> dict[str, Any]:
        """What the audit event and the evaluation's evidence record (never the ementa text)."""
        return {
            "precedent_id": self.precedent_id,
            "tipo": self.kind.value,
            "origens": [o.payload() for o in self.origens],
            "destino_codigo": self.destino_codigo,
            "course_id": self.course_id,
            "vigencia_inicio": self.valid_from.isoformat(),
            "vigencia_fim": None if self.valid_to is None else self.valid_to.isoformat(),
            "escopo": self.escopo,
            "review_id": self.review_id,
            "request_id": self.request_id,
        }


def in_vigencia(valid_from: dt.date, valid_to: dt.date | None, day: dt.date) -> bool:
    """In force on `day`: valid_from <= day < valid_to (half-open; no end means open-ended)."""
    return valid_from <= day and (valid_to is None or day < valid_to)


def check_precedent(precedent: Precedent) -> None:
    """A precedent names at least one origem with institution and code, and a destino."""
    if not precedent.origens:
        raise InvalidPrecedent("origem", "o precedente precisa de ao menos uma disciplina de origem")
    for index, origin in enumerate(precedent.origens):
        if not course_key(origin.instituicao) or not course_key(origin.codigo):
            raise InvalidPrecedent(f"origens[{index}]", "cada origem precisa de instituição e código")
    if not (precedent.destino_codigo or precedent.course_id):
        raise InvalidPrecedent("destino", "o precedente precisa de um destino: destino_codigo e/ou course_id")
    if precedent.valid_to is not None and precedent.valid_to < precedent.valid_from:
        raise InvalidPrecedent("vigencia_fim", "o fim da vigência não pode ser anterior ao início")


def end_reason(motivo: str | None) -> str | None:
    """Why a vigência ends goes into the audit trail: when one is given it must say something."""
    if motivo is None:
        return None
    if not motivo.strip():
        raise InvalidPrecedent("motivo", "o motivo do encerramento não pode ficar em branco")
    return motivo.strip()


def end_vigencia(precedent: Precedent, last_day_excluded: dt.date, actor: dict[str, Any], now: dt.datetime) -> Precedent:
    """The precedent no longer in force from `last_day_excluded` on; only ever shortens its vigência."""
    if precedent.valid_to is not None and precedent.valid_to <= last_day_excluded:
        raise InvalidTransition(f"a vigência do precedente já termina em {precedent.valid_to.isoformat()}")
    if last_day_excluded < precedent.valid_from:
        raise InvalidPrecedent("vigencia_fim", "o fim da vigência não pode ser anterior ao início")
    return dataclasses.replace(precedent, valid_to=last_day_excluded, ended_at=now, ended_by=dict(actor))


@dataclasses.dataclass(frozen=True, slots=True)
class PairOrigin:
    """The origem of a pair being evaluated, as precedents see it."""

    instituicao: str
    codigo: str
    ementa: str

    @property
    def key(self) -> tuple[str, str]:
        return course_key(self.instituicao), course_key(self.codigo)


@dataclasses.dataclass(frozen=True, slots=True)
class PrecedentMatch:
    """What the table says of a pair: the binding precedent that decides it, and related ones."""

    applied: Precedent | None = None
    related: tuple[tuple[Precedent, str], ...] = ()  # (precedent, why: a reason code)


def destino_matches(precedent: Precedent, destino_codigo: str | None, course_id: str | None) -> bool:
    """The pair's destino is the precedent's: each destino field the precedent names is equal."""
    if precedent.destino_codigo is not None and (
        destino_codigo is None or course_key(destino_codigo) != course_key(precedent.destino_codigo)
    ):
        return False
    return precedent.course_id is None or precedent.course_id == course_id


def match(
    candidates: list[Precedent], origin: PairOrigin, destino_codigo: str | None, course_id: str | None, day: dt.date
) -> PrecedentMatch:
    """Which of the candidates (precedents naming this origem course) decide or inform the pair.

    Applies: binding, in vigência, one origem only, the same ementa fingerprint, the same destino.
    Related (evidence, ANALISE_HUMANA): in vigência and same destino, but advisory, or a reworded
    ementa at least NEAR_DUPLICATE similar, or several origens (N:1), or no ementa on record.
    Ties (two binding ones) go to the oldest precedent id, so the answer is deterministic."""
    pair_print = fingerprint(origin.ementa)
    applied: Precedent | None = None
    related: list[tuple[Precedent, str]] = []
    for precedent in sorted(candidates, key=lambda p: p.precedent_id):
        if not precedent.in_force(day) or not destino_matches(precedent, destino_codigo, course_id):
            continue
        mine = [o for o in precedent.origens if o.key == origin.key]
        if not mine:
            continue
        same_text = mine[0].fingerprint == pair_print
        if same_text and len(precedent.origens) == 1 and precedent.kind is PrecedentKind.BINDING:
            if applied is None:
                applied = precedent
            continue
        reason = _related_reason(precedent, mine[0], origin.ementa, same_text)
        if reason is not None:
            related.append((precedent, reason))
    return PrecedentMatch(applied, tuple(related))


def match_combination(
    candidates: list[Precedent], members: list[PairOrigin], destino_codigo: str | None, course_id: str | None, day: dt.date
) -> PrecedentMatch:
    """`match` for origem courses combined against one destino (a case's candidate, ADR 0034).

    One member: exactly `match`. Several: a binding precedent in vigência for this destino whose
    origens are exactly the members (by institution and code) each with the same ementa
    fingerprint decides (an N:1 row, SIGAA's `A E B`); related are what `match` finds for each
    member, the deciding precedent left out, each precedent once (ties to the oldest id)."""
    if len(members) == 1:
        return match(candidates, members[0], destino_codigo, course_id, day)
    prints = {m.key: fingerprint(m.ementa) for m in members}
    applied: Precedent | None = None
    for precedent in sorted(candidates, key=lambda p: p.precedent_id):
        if precedent.kind is not PrecedentKind.BINDING or not precedent.in_force(day):
            continue
        if not destino_matches(precedent, destino_codigo, course_id) or len(precedent.origens) != len(members):
            continue
        if {o.key for o in precedent.origens} == set(prints) and all(o.fingerprint == prints[o.key] for o in precedent.origens):
            applied = precedent
            break
    related: dict[str, tuple[Precedent, str]] = {}
    for member in members:
        for precedent, why in match(candidates, member, destino_codigo, course_id, day).related:
            if precedent is not applied and precedent.precedent_id not in related:
                related[precedent.precedent_id] = (precedent, why)
    return PrecedentMatch(applied, tuple(related[k] for k in sorted(related)))


def _related_reason(precedent: Precedent, mine: Origin, ementa: str, same_text: bool) -> str | None:
    if mine.fingerprint is None:
        return "sem_ementa_registrada"
    if not same_text and similarity(mine.ementa, ementa) < NEAR_DUPLICATE:
        return None  # another syllabus under the same code: not this course any more
    if len(precedent.origens) > 1:
        return "combinacao_de_origens"
    if precedent.kind is PrecedentKind.ADVISORY:
        return "consultivo"
    return "ementa_reformulada"


@dataclasses.dataclass(frozen=True, slots=True)
class PrecedentImport:
    """A precedent table file the tenant imported, known by its SHA-256 (ADR 0024)."""

    tenant_id: str
    arquivo_sha256: str
    imported_at: dt.datetime
    imported_by: dict[str, Any]
    precedent_ids: tuple[str, ...]


class PrecedentFileImported(DomainError):
    """The tenant already imported this very file: importing it again would store every
    binding precedent twice, so it is refused, naming the earlier import."""

    def __init__(self, earlier: PrecedentImport) -> None:
        ids = earlier.precedent_ids
        named = f"{ids[0]} … {ids[-1]}" if len(ids) > 1 else ", ".join(ids)
        super().__init__(
            f"este arquivo (sha256 {earlier.arquivo_sha256}) já foi importado em "
            f"{earlier.imported_at.isoformat(timespec='seconds')}: {len(ids)} precedente(s), {named}; nada foi importado de novo"
        )
        self.earlier = earlier


@dataclasses.dataclass(frozen=True, slots=True)
class ReviewedPair:
    """The pair behind an ANALISE_HUMANA result, kept so its homologated parecer can become a precedent."""

    origem: PairOrigin
    destino_codigo: str | None
    course_id: str | None


PRECEDENT_ID_PATTERN = r"^pc_[0-9]{20}_[0-9]{5,}_[0-9a-f]{10}$"
"""What `precedent_id_for` makes: a page cursor (`after`) that is not one is refused, not read as "from the start"."""


def precedent_id_for(now: dt.datetime, source: str, index: int) -> str:
    """An id that sorts by creation time (keyset pages) and is unique per source and position."""
    digest = hashlib.sha256(f"{source}\x00{index}".encode("utf-8")).hexdigest()[:10]
    return f"pc_{now.astimezone(dt.timezone.utc).strftime('%Y%m%d%H%M%S%f')}_{index:05d}_{digest}"
