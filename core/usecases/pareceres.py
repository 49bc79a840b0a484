"""The parecer of a review item: its stored evaluation, the policy it names, the item's history
(core/domain/parecer.py builds it; adapters/documents/ render it as HTML or PDF, ADR 0026)."""

from __future__ import annotations

from core.domain.errors import NotFound
from core.domain.parecer import Parecer, ParecerSources, review_parecer
from core.ports.clock import Clock
from core.ports.unit_of_work import UnitOfWorkFactory


class Pareceres:
    """The parecer documents of review items (ADR 0026)."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uows = uow_factory
        self._clock = clock

    def of_review(self, tenant_id: str, review_id: str) -> Parecer:
        """Raises NotFound for a missing (or another tenant's) item."""
        with self._uows.reading() as uow:
            item = uow.reviews.get(tenant_id, review_id)
            if item is None:
                raise NotFound(f"review item '{review_id}' not found")
            stored = uow.results.get(tenant_id, item.request_id)
            if stored is None:
                raise NotFound(f"no result for request_id '{item.request_id}'")
            tenant = uow.tenants.get(tenant_id)
            policy = uow.policies.get(tenant_id, str(stored.response.get("policy_version")))
        name = tenant.name if tenant is not None else tenant_id
        return review_parecer(ParecerSources(item, stored.response, name, policy), self._clock.now())
