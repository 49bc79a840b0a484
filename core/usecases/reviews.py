"""Review items of a tenant: opened with an ANALISE_HUMANA result, listed, moved through their states.

Each transition is checked by core/domain/review.py and appended to the audit chain, with the
actor's key id and role, in the same unit of work that stores the item. Another tenant's item
is reported as missing (docs/adr/0020-review-items.md).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from core.domain.actors import Actor
from core.domain.errors import InvalidInput, InvalidTransition, NotFound
from core.domain.model import Policy
from core.domain.precedents import end_vigencia
from core.domain.records import ApiKeyRecord, AuditEvent, Role, StoredResult
from core.domain.webhooks import DECISAO_FINAL
from core.domain.reason_codes import validate_reason_codes
from core.domain.review_backlog import ReviewBacklog
from core.domain.review import (
    DEFAULT_REASON_CODES,
    REVISAO,
    Move,
    ReviewAction,
    ReviewActor,
    ReviewItem,
    ReviewState,
    ReviewSubject,
    ReviewTerms,
    open_appeal,
    open_item,
    transition,
)
from core.ports.clock import Clock
from core.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from core.usecases import webhooks

ASSIGNABLE = (Role.REVIEWER, Role.ADMIN)


def terms_of(policy: Policy) -> ReviewTerms:
    """The review terms a policy sets: parecer deadline, recurso window, homologation."""
    return ReviewTerms(policy.prazo_parecer_dias, policy.prazo_recurso_dias, policy.homologacao_obrigatoria)


def open_review(
    uow: UnitOfWork, tenant_id: str, request_id: str, now: dt.datetime, prazo_dias: int | ReviewTerms,
    about: ReviewSubject | None = None,
) -> ReviewItem:
    """Open the review item of a result inside the caller's transaction (the one storing the result).
    `prazo_dias` is the policy's terms (`terms_of`), or just its parecer deadline in days; `about`,
    the origem's institution and the destino's course code (the queue filters by them)."""
    item, payload = open_item(tenant_id, request_id, now, prazo_dias, about)
    uow.reviews.add(item)
    uow.audit.record(AuditEvent(tenant_id, "review.opened", payload, now))  # on the decision's path: ADR 0022
    return item


def move_review(uow: UnitOfWork, tenant_id: str, review_id: str, move: Move, actor: ReviewActor, now: dt.datetime) -> ReviewItem:
    """Apply one transition inside the caller's transaction (`Reviews.move`, or `Precedents` homologating
    and registering a precedent in one). Raises NotFound, TransitionForbidden, InvalidTransition or InvalidInput."""
    item = uow.reviews.get(tenant_id, review_id)
    if item is None:
        raise NotFound(f"review item '{review_id}' not found")
    if move.action is ReviewAction.ASSIGN and move.assignee is not None:
        _check_assignee(uow, tenant_id, move.assignee)
    updated, payload = transition(item, move, actor, now, _reason_codes_of(uow, tenant_id))
    uow.reviews.update(updated, expected_version=item.version)
    uow.audit.append(AuditEvent(tenant_id, f"review.{move.action.value}", payload, now))
    if updated.final:  # the human decision is final: tell the tenant's webhooks (ADR 0025)
        webhooks.publish(uow, tenant_id, DECISAO_FINAL, _decisao_final_data(updated), now=now)
    return updated


def _decisao_final_data(item: ReviewItem) -> dict[str, Any]:
    """The `data` of a decisao.final event: the homologated decision and how it was reached."""
    return {
        "request_id": item.request_id,
        "review_id": item.review_id,
        "decisao_final": item.decision,
        "como": REVISAO,
        "motivo": item.reason_code,
        "homologado_em": item.updated_at.isoformat(),
    }


@dataclass(frozen=True, slots=True)
class Recurso:
    """A recurso against a final decision: the new facts and, optionally, a new ementa of the origem."""

    request_id: str
    fatos: str
    ementa: str | None = None


def _end_precedents_of(uow: UnitOfWork, item: ReviewItem, actor: ReviewActor, now: dt.datetime) -> None:
    """A recurso reopens the decision a precedent registered: that precedent stops deciding from
    today (an audited end of vigência, never a delete, as ADR 0024 ends any precedent). Once the
    new round is homologated the coordinator may register it again."""
    pair = uow.precedents.pair_for(item.tenant_id, item.request_id)
    if pair is None:
        return
    for precedent in uow.precedents.for_origin(item.tenant_id, *pair.origem.key):
        last_day = max(now.date(), precedent.valid_from)
        if precedent.review_id != item.review_id or (precedent.valid_to is not None and precedent.valid_to <= last_day):
            continue
        uow.precedents.end_vigencia(end_vigencia(precedent, last_day, actor.payload(), now))
        payload = {
            "actor": actor.payload(),
            "precedent_id": precedent.precedent_id,
            "vigencia_fim_anterior": None if precedent.valid_to is None else precedent.valid_to.isoformat(),
            "vigencia_fim": last_day.isoformat(),
            "motivo": f"recurso (rodada {item.rodada}) reabriu a decisão que o precedente registrou",
        }
        uow.audit.append(AuditEvent(item.tenant_id, "precedent.vigencia_ended", payload, now))


def _terms_of_result(uow: UnitOfWork, stored: StoredResult) -> ReviewTerms:
    """The review terms of the policy a result was decided with, with the request's overrides."""
    policy = uow.policies.get(stored.tenant_id, str(stored.response.get("policy_version"))) or Policy()
    terms = terms_of(policy)
    overridden = (stored.response.get("policy_override") or {}).get("fields") or {}
    fields = {name: overridden[name] for name in ("prazo_parecer_dias", "prazo_recurso_dias", "homologacao_obrigatoria") if name in overridden}
    return ReviewTerms(**{**terms.payload(), **fields})


def _reason_codes_of(uow: UnitOfWork, tenant_id: str) -> tuple[str, ...]:
    """The reason codes the tenant's pareceres may cite: its own list, or the default one."""
    return uow.reviews.reason_codes(tenant_id) or DEFAULT_REASON_CODES


def _check_assignee(uow: UnitOfWork, tenant_id: str, key_id: str) -> None:
    """An item is assigned to an active reviewer (or admin) key of the same tenant."""
    key = uow.api_keys.get(key_id)
    if key is None or key.tenant_id != tenant_id or not _assignable(key):
        raise InvalidInput(f"assignee '{key_id}' is not an active reviewer key of this tenant")


def _assignable(key: ApiKeyRecord) -> bool:
    return key.revoked_at is None and key.role in ASSIGNABLE


@dataclass(frozen=True, slots=True)
class ReviewQuery:
    limit: int = 50
    after: str | None = None
    state: ReviewState | None = None
    assignee: str | None = None
    overdue: bool = False
    instituicao: str | None = None  # the origem's institution (case, accents and spacing ignored)
    curso: str | None = None  # the destino's course code (likewise)
    min_age_days: int | None = None  # only items opened at least this many days ago


class Reviews:
    """Review items of a tenant: one method per operation; tenant and actor always given (ADR 0023)."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uows = uow_factory
        self._clock = clock

    def now(self) -> dt.datetime:
        """The time answers are judged against (an item's prazo is overdue after it)."""
        return self._clock.now()

    def get(self, tenant_id: str, review_id: str) -> ReviewItem:
        with self._uows.reading() as uow:
            item = uow.reviews.get(tenant_id, review_id)
        if item is None:
            raise NotFound(f"review item '{review_id}' not found")
        return item

    def search(self, tenant_id: str, query: ReviewQuery) -> list[ReviewItem]:
        """A keyset page of the tenant's items in id (opening) order, filtered."""
        now = self._clock.now()
        with self._uows.reading() as uow:
            return uow.reviews.list_items(
                tenant_id,
                query.limit,
                after=query.after,
                state=query.state,
                assignee=query.assignee,
                overdue_at=now if query.overdue else None,
                instituicao=query.instituicao,
                curso=query.curso,
                opened_before=None if query.min_age_days is None else now - dt.timedelta(days=query.min_age_days),
            )

    def move(self, tenant_id: str, review_id: str, move: Move, actor: ReviewActor) -> ReviewItem:
        """Apply one transition. Raises NotFound, TransitionForbidden, InvalidTransition or InvalidInput."""
        with self._uows() as uow:
            updated = move_review(uow, tenant_id, review_id, move, actor, self._clock.now())
            uow.commit()
        return updated

    def assignees(self, tenant_id: str) -> list[ApiKeyRecord]:
        """The active reviewer (and admin) keys an item may be assigned to, oldest first."""
        with self._uows.reading() as uow:
            return [key for key in uow.api_keys.list_for_tenant(tenant_id) if _assignable(key)]

    def recurso(self, tenant_id: str, recurso: Recurso, actor: ReviewActor) -> ReviewItem:
        """Reopen the final decision of a result within the policy's window (a new round of its review
        item), or take an automatic DEFERIDO/INDEFERIDO to review (a new item whose first entry is the
        recurso; ADR 0026). Raises NotFound, TransitionForbidden, InvalidTransition (not final yet) or
        RecursoForaDoPrazo (outside the window, 422)."""
        move = Move(ReviewAction.RECURSO, fatos=recurso.fatos, ementa=recurso.ementa)
        with self._uows() as uow:
            stored = uow.results.get(tenant_id, recurso.request_id)
            if stored is None:
                raise NotFound(f"no result for request_id '{recurso.request_id}'")
            item = uow.reviews.for_request(tenant_id, recurso.request_id)
            now = self._clock.now()
            if item is None:
                if stored.decision not in ("DEFERIDO", "INDEFERIDO"):
                    raise InvalidTransition(f"a {stored.decision} result has no final decision to appeal")
                terms = _terms_of_result(uow, stored)
                updated, payload = open_appeal(tenant_id, recurso.request_id, stored.created_at, move, actor, now, terms)
                uow.reviews.add(updated)
            else:
                updated, payload = transition(item, move, actor, now)
                uow.reviews.update(updated, expected_version=item.version)
            uow.audit.append(AuditEvent(tenant_id, "review.recurso", payload, now))
            if item is not None:
                _end_precedents_of(uow, updated, actor, now)
            uow.commit()
        return updated

    def reason_codes(self, tenant_id: str) -> tuple[tuple[str, ...], bool]:
        """(the tenant's reason codes, whether they are the default list)."""
        with self._uows.reading() as uow:
            own = uow.reviews.reason_codes(tenant_id)
        return (own, False) if own else (DEFAULT_REASON_CODES, True)

    def set_reason_codes(self, tenant_id: str, codes: list[str], actor: Actor) -> tuple[str, ...]:
        """Replace the tenant's list (audited `review.reason_codes`). Items already decided keep theirs."""
        valid = validate_reason_codes(codes)
        with self._uows() as uow:
            if uow.tenants.get(tenant_id) is None:
                raise NotFound(f"tenant '{tenant_id}' not found")
            now = self._clock.now()
            uow.reviews.set_reason_codes(tenant_id, valid, now)
            uow.audit.append(AuditEvent(tenant_id, "review.reason_codes", {"codes": list(valid), "actor": actor}, now))
            uow.commit()
        return valid

    def backlog(self) -> ReviewBacklog:
        """Open items by tenant, state and age, and overdue items by tenant (for /metrics)."""
        with self._uows.reading() as uow:
            return uow.reviews.backlog(self._clock.now())
