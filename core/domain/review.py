"""Review items: the human decision on an ANALISE_HUMANA result, as a small state machine.

    pendente --claim/assign--> em_analise --decide--> parecer_emitido --homologate--> homologado
                               ^      |  (assign: reassign)         |
                               +------+<------------return----------+

`homologado` is the only final state: no sequence of transitions reaches it without a
coordinator's (or an admin's) homologation of a parecer. Each transition names the roles
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

from core.domain.errors import InvalidInput, InvalidTransition, TransitionForbidden
from core.domain.records import Role


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
}


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

    @property
    def final(self) -> bool:
        return self.state in FINAL_STATES

    def overdue(self, now: dt.datetime) -> bool:
        return is_overdue(self.state, self.deadline, now)


def is_overdue(state: ReviewState, deadline: dt.datetime, now: dt.datetime) -> bool:
    """Still waiting for its parecer after the policy's deadline (a parecer stops the clock)."""
    return state in AWAITING_PARECER and now > deadline


def review_id_for(request_id: str, now: dt.datetime) -> str:
    """An id that sorts by opening time (keyset pages) and is unique per result."""
    digest = hashlib.sha256(request_id.encode("utf-8")).hexdigest()[:12]
    return f"rv_{now.astimezone(dt.timezone.utc).strftime('%Y%m%d%H%M%S%f')}_{digest}"


def open_item(tenant_id: str, request_id: str, now: dt.datetime, prazo_dias: int) -> tuple[ReviewItem, dict[str, Any]]:
    """A new pending item for a result, its deadline `prazo_dias` after `now`, and its audit payload."""
    item = ReviewItem(
        tenant_id=tenant_id,
        review_id=review_id_for(request_id, now),
        request_id=request_id,
        state=ReviewState.PENDENTE,
        created_at=now,
        updated_at=now,
        deadline=now + dt.timedelta(days=prazo_dias),
    )
    payload = {"review_id": item.review_id, "request_id": request_id, "state": item.state.value,
               "deadline": item.deadline.isoformat()}
    return item, payload


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
    sources, target, roles = TRANSITIONS[move.action]
    if actor.role is not Role.ADMIN and actor.role not in roles:
        raise TransitionForbidden(f"role '{actor.role.value}' may not {move.action.value} a review item")
    if item.state not in sources:
        raise InvalidTransition(f"cannot {move.action.value} a review item that is {item.state.value}")
    changes = _changes(item, move, actor, reason_codes)
    entry: dict[str, Any] = {
        "action": move.action.value,
        "from": item.state.value,
        "to": target.value,
        "at": now.isoformat(),
        "actor": actor.payload(),
        **_details(move),
    }
    updated = dataclasses.replace(
        item, state=target, updated_at=now, history=(*item.history, entry), version=item.version + 1, **changes
    )
    payload = {"review_id": item.review_id, "request_id": item.request_id, **entry}
    return updated, payload


def _changes(item: ReviewItem, move: Move, actor: ReviewActor, reason_codes: tuple[str, ...]) -> dict[str, Any]:
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
        raise InvalidInput(f"motivo must be one of the tenant's reason codes: {', '.join(reason_codes)}")
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
    }.get(move.action, {})
    return dict(details)


def _sha(text: str | None) -> str | None:
    return None if text is None else hashlib.sha256(text.encode("utf-8")).hexdigest()
