"""Review items: the human decision on an ANALISE_HUMANA result, as a small state machine.

    pendente --claim/assign--> em_analise --decide--> parecer_emitido --homologate--> homologado
       ^                       ^      |  (assign: reassign)         |                    |
       |                       +------+<------------return----------+                    |
       +------------------------------------recurso (within the window)-------------------+

`homologado` is the only final state: when the item's policy requires homologation (the
default) no sequence of transitions reaches it without a coordinator's (or an admin's)
homologation of a parecer; when it does not, the parecer itself is final. A recurso reopens a
final item within `prazo_recurso_dias` working days, as a new round (`rodada`) of the same item. Each transition names the roles
that may make it; a reviewer decides only an item assigned to them. `transition` is pure:
it returns the new item and the audit payload of what happened (docs/adr/0020-review-items.md).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import hashlib
from collections.abc import Mapping
from typing import Any

from core.domain.errors import InvalidInput, InvalidTransition, RecursoForaDoPrazo, TransitionForbidden
from core.domain.model import Course
from core.domain.records import Role
from core.domain.working_days import window_end


class ReviewState(str, enum.Enum):
    PENDENTE = "pendente"
    EM_ANALISE = "em_analise"
    PARECER_EMITIDO = "parecer_emitido"
    HOMOLOGADO = "homologado"


class ReviewAction(str, enum.Enum):
    CLAIM = "claim"
    ASSIGN = "assign"
    DECIDE = "decide"
    HOMOLOGATE = "homologate"
    RETURN = "return"
    RECURSO = "recurso"


FINAL_STATES = frozenset({ReviewState.HOMOLOGADO})
AWAITING_PARECER = frozenset({ReviewState.PENDENTE, ReviewState.EM_ANALISE})
REVIEW_DECISIONS = ("DEFERIDO", "INDEFERIDO")
# The reason codes a parecer may cite when the tenant has no list of its own.
DEFAULT_REASON_CODES: tuple[str, ...] = (
    "conteudo_equivalente",
    "conteudo_insuficiente",
    "carga_horaria_insuficiente",
    "topicos_criticos_ausentes",
    "nivel_incompativel",
    "aprovacao_nao_comprovada",
    "outro",
)
PARECER_MAX = 20_000
MOTIVO_MAX = 2_000
FATOS_MAX = 20_000
EMENTA_MAX = 20_000
HOMOLOGACAO_DISPENSADA = "dispensada pela política"
AUTOMATICA, REVISAO = "automatica", "revisao"  # how a decisao_final was reached

# action -> (states it starts from, state it leads to, roles allowed besides admin)
TRANSITIONS: dict[ReviewAction, tuple[frozenset[ReviewState], ReviewState, frozenset[Role]]] = {
    ReviewAction.CLAIM: (frozenset({ReviewState.PENDENTE}), ReviewState.EM_ANALISE, frozenset({Role.REVIEWER})),
    ReviewAction.ASSIGN: (AWAITING_PARECER, ReviewState.EM_ANALISE, frozenset({Role.COORDINATOR})),
    ReviewAction.DECIDE: (frozenset({ReviewState.EM_ANALISE}), ReviewState.PARECER_EMITIDO, frozenset({Role.REVIEWER})),
    ReviewAction.HOMOLOGATE: (
        frozenset({ReviewState.PARECER_EMITIDO}),
        ReviewState.HOMOLOGADO,
        frozenset({Role.COORDINATOR}),
    ),
    ReviewAction.RETURN: (frozenset({ReviewState.PARECER_EMITIDO}), ReviewState.EM_ANALISE, frozenset({Role.COORDINATOR})),
    # the client key files on the student's behalf; the coordination may file too
    ReviewAction.RECURSO: (FINAL_STATES, ReviewState.PENDENTE, frozenset({Role.CLIENT, Role.COORDINATOR})),
}


@dataclasses.dataclass(frozen=True, slots=True)
class ReviewTerms:
    """What the policy of the decision says about its review, fixed when the item opens."""

    prazo_parecer_dias: int = 30
    prazo_recurso_dias: int = 10  # working days (core/domain/working_days.py)
    homologacao_obrigatoria: bool = True

    def payload(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def allowed_roles(action: ReviewAction) -> tuple[Role, ...]:
    """Who may make a transition: its own roles and admin (the HTTP routes declare exactly these)."""
    return (*sorted(TRANSITIONS[action][2], key=lambda r: r.value), Role.ADMIN)


@dataclasses.dataclass(frozen=True, slots=True)
class ReviewActor:
    key_id: str | None
    role: Role

    def payload(self) -> dict[str, Any]:
        return {"key_id": self.key_id, "role": self.role.value}


@dataclasses.dataclass(frozen=True, slots=True)
class Move:
    """A transition asked for, with what it carries (`assignee` for assign; the parecer for decide)."""

    action: ReviewAction
    assignee: str | None = None
    decisao: str | None = None
    motivo: str | None = None  # decide: a reason code; return: why the parecer goes back
    parecer: str | None = None
    fatos: str | None = None  # recurso: the new facts
    ementa: str | None = None  # recurso: a new ementa of the origem, when there is one


@dataclasses.dataclass(frozen=True, slots=True)
class SubjectCourse:
    """One course of the pair as the request gave it, so the parecerista reads what was compared.
    The ementa is a course's public syllabus, not student data (`context` is never kept)."""

    nome: str
    ementa: str
    instituicao: str | None = None
    codigo: str | None = None

    @classmethod
    def of(cls, course: Course) -> SubjectCourse:
        return cls(course.nome, course.ementa, course.instituicao, course.codigo)

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any] | None) -> SubjectCourse | None:
        if not payload:
            return None
        return cls(str(payload.get("nome") or ""), str(payload.get("ementa") or ""), payload.get("instituicao"), payload.get("codigo"))


@dataclasses.dataclass(frozen=True, slots=True)
class ReviewSubject:
    """What the decision under review is about, as the request named it: the queue filters by
    the origem's institution and the destino's code; the review screens and the parecer show both
    courses (None on items opened before they were kept, migration 0016)."""

    instituicao: str | None = None  # the origem's institution
    curso: str | None = None  # the destino course's code
    origem: SubjectCourse | None = None
    destino: SubjectCourse | None = None

    @classmethod
    def of(cls, origem: Course, destino: Course) -> ReviewSubject:
        return cls(origem.instituicao, destino.codigo, SubjectCourse.of(origem), SubjectCourse.of(destino))

    def courses_payload(self) -> dict[str, Any] | None:
        """The two courses as stored (None when they were not kept)."""
        if self.origem is None and self.destino is None:
            return None
        return {
            "origem": dataclasses.asdict(self.origem) if self.origem else None,
            "destino": dataclasses.asdict(self.destino) if self.destino else None,
        }


@dataclasses.dataclass(frozen=True, slots=True)
class ReviewItem:
    tenant_id: str
    review_id: str
    request_id: str
    state: ReviewState
    created_at: dt.datetime
    updated_at: dt.datetime
    deadline: dt.datetime
    assignee: str | None = None
    decision: str | None = None
    reason_code: str | None = None
    parecer: str | None = None
    history: tuple[dict[str, Any], ...] = ()
    version: int = 1  # bumped by every transition: a concurrent one loses (InvalidTransition)
    terms: ReviewTerms = ReviewTerms()
    rodada: int = 1  # 1 for the first review, +1 for each recurso
    recurso: dict[str, Any] | None = None  # the latest recurso's facts: {"fatos", "ementa"}
    about: ReviewSubject = ReviewSubject()  # the request's origem institution and destino course

    @property
    def final(self) -> bool:
        return self.state in FINAL_STATES

    def overdue(self, now: dt.datetime) -> bool:
        return is_overdue(self.state, self.deadline, now)

    def recurso_until(self) -> dt.datetime | None:
        """When the window for a recurso closes (None while the item is not final)."""
        return window_end(self.updated_at, self.terms.prazo_recurso_dias) if self.final else None


def is_overdue(state: ReviewState, deadline: dt.datetime, now: dt.datetime) -> bool:
    """Still waiting for its parecer after the policy's deadline (a parecer stops the clock)."""
    return state in AWAITING_PARECER and now > deadline


REVIEW_ID_PATTERN = r"^rv_[0-9]{20}_[0-9a-f]{12}$"
"""What `review_id_for` makes: a page cursor (`after`) that is not one is refused, not read as "from the start"."""


def review_id_for(request_id: str, now: dt.datetime) -> str:
    """An id that sorts by opening time (keyset pages) and is unique per result."""
    digest = hashlib.sha256(request_id.encode("utf-8")).hexdigest()[:12]
    return f"rv_{now.astimezone(dt.timezone.utc).strftime('%Y%m%d%H%M%S%f')}_{digest}"


def as_terms(terms: ReviewTerms | int) -> ReviewTerms:
    """An int is the parecer deadline in days, with the other terms at their defaults."""
    return terms if isinstance(terms, ReviewTerms) else ReviewTerms(prazo_parecer_dias=terms)


def open_item(
    tenant_id: str, request_id: str, now: dt.datetime, terms: ReviewTerms | int, about: ReviewSubject | None = None
) -> tuple[ReviewItem, dict[str, Any]]:
    """A new pending item for a result, its deadline `prazo_parecer_dias` after `now`, and its audit payload."""
    fixed = as_terms(terms)
    item = ReviewItem(
        tenant_id=tenant_id,
        review_id=review_id_for(request_id, now),
        request_id=request_id,
        state=ReviewState.PENDENTE,
        created_at=now,
        updated_at=now,
        deadline=now + dt.timedelta(days=fixed.prazo_parecer_dias),
        terms=fixed,
        about=about or ReviewSubject(),
    )
    payload = {"review_id": item.review_id, "request_id": request_id, "state": item.state.value,
               "deadline": item.deadline.isoformat(), "terms": fixed.payload()}
    return item, payload


def open_appeal(
    tenant_id: str,
    request_id: str,
    decided_at: dt.datetime,
    move: Move,
    actor: ReviewActor,
    now: dt.datetime,
    terms: ReviewTerms,
    about: ReviewSubject | None = None,
) -> tuple[ReviewItem, dict[str, Any]]:
    """An automatic DEFERIDO/INDEFERIDO taken to review on appeal: a pending item whose first
    history entry is the recurso. Same roles and window as the recurso of a homologated item."""
    if move.action is not ReviewAction.RECURSO:
        raise InvalidInput("an appeal opens an item only with a recurso")
    _check_role(ReviewAction.RECURSO, actor)
    _check_window(window_end(decided_at, terms.prazo_recurso_dias), now)
    fatos = _recurso_facts(move)
    item, _ = open_item(tenant_id, request_id, now, terms, about)
    entry = {"action": move.action.value, "from": "automatica", "to": item.state.value, "at": now.isoformat(),
             "actor": actor.payload(), "rodada": item.rodada, **fatos}
    item = dataclasses.replace(item, history=(entry,), recurso=fatos)
    return item, {"review_id": item.review_id, "request_id": request_id, "terms": terms.payload(), **_audited(entry)}


def transition(
    item: ReviewItem,
    move: Move,
    actor: ReviewActor,
    now: dt.datetime,
    reason_codes: tuple[str, ...] = DEFAULT_REASON_CODES,
) -> tuple[ReviewItem, dict[str, Any]]:
    """The item after `move` and the audit payload recording it.

    Raises TransitionForbidden (role, or a reviewer deciding another's item), InvalidTransition
    (not from this state) or InvalidInput (a missing or invalid field of the move)."""
    sources, target, _ = TRANSITIONS[move.action]
    _check_role(move.action, actor)
    if item.state not in sources:
        raise InvalidTransition(f"cannot {move.action.value} a review item that is {item.state.value}")
    changes = _changes(item, move, actor, reason_codes, now)
    details = _details(move)
    if move.action is ReviewAction.DECIDE and not item.terms.homologacao_obrigatoria:
        target = ReviewState.HOMOLOGADO  # the policy makes the parecer itself final
        details["homologacao"] = HOMOLOGACAO_DISPENSADA
    entry: dict[str, Any] = {
        "action": move.action.value,
        "from": item.state.value,
        "to": target.value,
        "at": now.isoformat(),
        "actor": actor.payload(),
        "rodada": changes.get("rodada", item.rodada),
        **details,
    }
    updated = dataclasses.replace(
        item, state=target, updated_at=now, history=(*item.history, entry), version=item.version + 1, **changes
    )
    payload = {"review_id": item.review_id, "request_id": item.request_id, **_audited(entry)}
    return updated, payload


def final_decision(decisao: str, item: ReviewItem | None) -> tuple[str | None, str | None]:
    """(decisao_final, how it was reached): the automatic decision unless a person must decide;
    then the homologated parecer, or nothing yet."""
    if item is None:
        return (decisao, AUTOMATICA) if decisao != "ANALISE_HUMANA" else (None, None)
    if item.final:
        return item.decision, REVISAO
    return None, None



PRECEDENTE = "precedente"  # a binding precedent decided (ADR 0024)


def final_view(decisao: str, decisao_origem: str | None, item: ReviewItem | None) -> dict[str, Any]:
    """What a stored decision says of its final state (GET /v1/equivalences/{id} and each unit of a
    case): `decisao_final`, how it was reached (`automatica`, `revisao`, `precedente`) and the
    review item's summary, if a person was asked."""
    final, origin = final_decision(decisao, item)
    if origin == AUTOMATICA and decisao_origem == PRECEDENTE:
        origin = PRECEDENTE
    review = None
    if item is not None:
        review = {
            "review_id": item.review_id,
            "state": item.state.value,
            "decisao": item.decision,
            "motivo": item.reason_code,
            "history": list(item.history),
        }
    return {"decisao_final": final, "decisao_final_origem": origin, "revisao": review}

def _check_role(action: ReviewAction, actor: ReviewActor) -> None:
    if actor.role is not Role.ADMIN and actor.role not in TRANSITIONS[action][2]:
        raise TransitionForbidden(f"role '{actor.role.value}' may not {action.value} a review item")


def _check_window(until: dt.datetime, now: dt.datetime) -> None:
    """A recurso is filed within the window of working days after the final decision."""
    if now > until:
        raise RecursoForaDoPrazo(
            f"recurso fora do prazo: o prazo para recorrer desta decisão terminou em {until.date().isoformat()} "
            "(dias úteis contados da decisão final, conforme a política)"
        )


def _recurso_facts(move: Move) -> dict[str, Any]:
    fatos = _text(move.fatos, "o recurso precisa dos fatos novos (fatos)", FATOS_MAX)
    if move.ementa is not None and (not move.ementa.strip() or len(move.ementa) > EMENTA_MAX):
        raise InvalidInput(f"a nova ementa, quando enviada, tem texto e até {EMENTA_MAX} caracteres")
    return {"fatos": fatos, "ementa": move.ementa}


def _audited(entry: dict[str, Any]) -> dict[str, Any]:
    """The audit payload of a history entry: a recurso's texts enter the chain as hashes only."""
    if "fatos" not in entry:
        return dict(entry)
    rest = {k: v for k, v in entry.items() if k not in ("fatos", "ementa")}
    return {**rest, "fatos_sha256": _sha(entry["fatos"]), "ementa_sha256": _sha(entry.get("ementa"))}


def _changes(item: ReviewItem, move: Move, actor: ReviewActor, reason_codes: tuple[str, ...], now: dt.datetime) -> dict[str, Any]:
    if move.action is ReviewAction.RECURSO:
        until = item.recurso_until()
        assert until is not None  # a final item (checked by the caller)
        _check_window(until, now)
        return {"assignee": None, "decision": None, "reason_code": None, "parecer": None, "rodada": item.rodada + 1,
                "deadline": now + dt.timedelta(days=item.terms.prazo_parecer_dias), "recurso": _recurso_facts(move)}
    if move.action is ReviewAction.CLAIM:
        return {"assignee": actor.key_id}
    if move.action is ReviewAction.ASSIGN:
        if not move.assignee:
            raise InvalidInput("assign needs the assignee's key id")
        return {"assignee": move.assignee}
    if move.action is ReviewAction.DECIDE:
        if actor.role is Role.REVIEWER and item.assignee != actor.key_id:
            raise TransitionForbidden("only the reviewer the item is assigned to may decide it")
        return _parecer(move, reason_codes)
    if move.action is ReviewAction.RETURN:
        _text(move.motivo, "return needs a motivo (why the parecer goes back)", MOTIVO_MAX)
        return {"decision": None, "reason_code": None, "parecer": None}
    return {}


def _parecer(move: Move, reason_codes: tuple[str, ...]) -> dict[str, Any]:
    if move.decisao not in REVIEW_DECISIONS:
        raise InvalidInput(f"decisao must be one of: {', '.join(REVIEW_DECISIONS)}")
    if move.motivo not in reason_codes:
        raise InvalidInput(
            f"motivo must be one of the tenant's reason codes (motivo deve ser um dos códigos da instituição): {', '.join(reason_codes)}"
        )
    parecer = _text(move.parecer, "decide needs the parecer text", PARECER_MAX)
    return {"decision": move.decisao, "reason_code": move.motivo, "parecer": parecer}


def _text(value: str | None, missing: str, limit: int) -> str:
    if value is None or not value.strip():
        raise InvalidInput(missing)
    if len(value) > limit:
        raise InvalidInput(f"text longer than {limit} characters")
    return value


def _details(move: Move) -> dict[str, Any]:
    """What the move carried, for the history and the audit event (the parecer as its hash only)."""
    details: Mapping[str, Any] = {
        ReviewAction.ASSIGN: {"assignee": move.assignee},
        ReviewAction.DECIDE: {"decisao": move.decisao, "motivo": move.motivo, "parecer_sha256": _sha(move.parecer)},
        ReviewAction.RETURN: {"motivo": move.motivo},
        ReviewAction.RECURSO: {"fatos": move.fatos, "ementa": move.ementa},
    }.get(move.action, {})
    return dict(details)


def _sha(text: str | None) -> str | None:
    return None if text is None else hashlib.sha256(text.encode("utf-8")).hexdigest()
