"""Review items of a tenant: opened with an ANALISE_HUMANA result, listed, moved through their states.

Each transition is checked by core/domain/review.py and appended to the audit chain, with the
actor's key id and role, in the same unit of work that stores the item. Another tenant's item
is reported as missing (docs/adr/0020-review-items.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from core.domain.errors import InvalidInput, NotFound
from core.domain.records import AuditEvent, Role
from core.domain.webhooks import DECISAO_FINAL
from core.domain.review import Move, ReviewAction, ReviewActor, ReviewItem, ReviewState, open_item, transition
from core.ports.clock import Clock
from core.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from core.usecases import webhooks

AUTOMATICA, REVISAO = "automatica", "revisao"
ASSIGNABLE = (Role.REVIEWER, Role.ADMIN)


def open_review(uow: UnitOfWork, tenant_id: str, request_id: str, now: dt.datetime, prazo_dias: int) -> ReviewItem:
    """Open the review item of a result inside the caller's transaction (the one storing the result)."""
    item, payload = open_item(tenant_id, request_id, now, prazo_dias)
    uow.reviews.add(item)
    uow.audit.record(AuditEvent(tenant_id, "review.opened", payload, now))  # on the decision's path: ADR 0022
    return item


def move_review(
    uow_factory: UnitOfWorkFactory,
    tenant_id: str,
    review_id: str,
    move: Move,
    actor: ReviewActor,
    clock: Clock,
    also: Callable[[UnitOfWork, ReviewItem, dt.datetime], object] | None = None,
) -> ReviewItem:
    """Apply one transition. Raises NotFound, TransitionForbidden, InvalidTransition or InvalidInput.
    `also` runs in the same transaction with the moved item (a precedent registered on homologation)."""
    with uow_factory() as uow:
        item = uow.reviews.get(tenant_id, review_id)
        if item is None:
            raise NotFound(f"review item '{review_id}' not found")
        if move.action is ReviewAction.ASSIGN and move.assignee is not None:
            _check_assignee(uow, tenant_id, move.assignee)
        now = clock.now()
        updated, payload = transition(item, move, actor, now)
        uow.reviews.update(updated, expected_version=item.version)
        uow.audit.append(AuditEvent(tenant_id, f"review.{move.action.value}", payload, now))
        if updated.final:  # the human decision is final: tell the tenant's webhooks (ADR 0025)
            webhooks.publish(uow, tenant_id, DECISAO_FINAL, decisao_final_data(updated), now=now)
        if also is not None:
            also(uow, updated, now)
        uow.commit()
    return updated


def decisao_final_data(item: ReviewItem) -> dict[str, Any]:
    """The `data` of a decisao.final event: the homologated decision and how it was reached."""
    return {
        "request_id": item.request_id,
        "review_id": item.review_id,
        "decisao_final": item.decision,
        "como": REVISAO,
        "motivo": item.reason_code,
        "homologado_em": item.updated_at.isoformat(),
    }


def _check_assignee(uow: UnitOfWork, tenant_id: str, key_id: str) -> None:
    """An item is assigned to an active reviewer (or admin) key of the same tenant."""
    key = uow.api_keys.get(key_id)
    if key is None or key.tenant_id != tenant_id or key.revoked_at is not None or key.role not in ASSIGNABLE:
        raise InvalidInput(f"assignee '{key_id}' is not an active reviewer key of this tenant")


def get_review(uow_factory: UnitOfWorkFactory, tenant_id: str, review_id: str) -> ReviewItem:
    with uow_factory.reading() as uow:
        item = uow.reviews.get(tenant_id, review_id)
    if item is None:
        raise NotFound(f"review item '{review_id}' not found")
    return item


@dataclass(frozen=True, slots=True)
class ReviewQuery:
    limit: int = 50
    after: str | None = None
    state: ReviewState | None = None
    assignee: str | None = None
    overdue: bool = False


def list_reviews(uow_factory: UnitOfWorkFactory, tenant_id: str, query: ReviewQuery, clock: Clock) -> list[ReviewItem]:
    """A keyset page of the tenant's items in id (opening) order, filtered."""
    with uow_factory.reading() as uow:
        return uow.reviews.list_items(
            tenant_id,
            query.limit,
            after=query.after,
            state=query.state,
            assignee=query.assignee,
            overdue_at=clock.now() if query.overdue else None,
        )


def result_with_review(uow_factory: UnitOfWorkFactory, tenant_id: str, request_id: str) -> tuple[dict[str, Any], ReviewItem | None]:
    """A stored result and its review item (None when the decision was automatic)."""
    with uow_factory.reading() as uow:
        stored = uow.results.get(tenant_id, request_id)
        if stored is None:
            raise NotFound(f"no result for request_id '{request_id}'")
        return stored.response, uow.reviews.for_request(tenant_id, request_id)


def final_decision(decisao: str, item: ReviewItem | None) -> tuple[str | None, str | None]:
    """(decisao_final, how it was reached): the automatic decision unless a person must decide;
    then the homologated parecer, or nothing yet."""
    if item is None:
        return (decisao, AUTOMATICA) if decisao != "ANALISE_HUMANA" else (None, None)
    if item.final:
        return item.decision, REVISAO
    return None, None


class Reviews:
    """Review items of a tenant: one method per operation; tenant and actor always given (ADR 0023)."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uows = uow_factory
        self._clock = clock

    def now(self) -> dt.datetime:
        """The time answers are judged against (an item's prazo is overdue after it)."""
        return self._clock.now()

    def get(self, tenant_id: str, review_id: str) -> ReviewItem:
        return get_review(self._uows, tenant_id, review_id)

    def search(self, tenant_id: str, query: ReviewQuery) -> list[ReviewItem]:
        return list_reviews(self._uows, tenant_id, query, self._clock)

    def move(self, tenant_id: str, review_id: str, move: Move, actor: ReviewActor) -> ReviewItem:
        return move_review(self._uows, tenant_id, review_id, move, actor, self._clock)
