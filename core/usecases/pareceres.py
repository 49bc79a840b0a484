"""The parecer of a review item or a case: its stored evaluation(s), the policy it names, the item's history
(core/domain/parecer.py builds it; adapters/documents/ render it as HTML or PDF, ADR 0026)."""

from __future__ import annotations

from core.domain.case_parecer import CaseParecerSources, case_parecer
from core.domain.errors import NotFound
from core.domain.parecer import Parecer, ParecerSources, review_parecer
from core.domain.review import ReviewItem
from core.ports.clock import Clock
from core.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory


class Pareceres:
    """The parecer documents of review items (ADR 0026) and of cases (ADR 0034)."""

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
            pessoas = _key_names(uow, tenant_id, item)
        name = tenant.name if tenant is not None else tenant_id
        return review_parecer(ParecerSources(item, stored.response, name, policy, pessoas), self._clock.now())

    def of_case(self, tenant_id: str, case_id: str) -> Parecer:
        """The parecer of a decided case (ADR 0034). Raises NotFound for a missing (or another
        tenant's) case, or one whose job has not decided it yet."""
        with self._uows.reading() as uow:
            stored = uow.cases.get(tenant_id, case_id)
            if stored is None:
                raise NotFound(f"no decided case '{case_id}'")
            document = stored.document
            version, rules = document.get("policy_version"), document.get("rules_version")
            if version is None:  # a case stored before the document named it: one of its pairs does
                first = next((d["request_id"] for d in document.get("destinos") or () if d.get("request_id")), None)
                pair = None if first is None else uow.results.get(tenant_id, first)
                if pair is not None:
                    version, rules = pair.response.get("policy_version"), pair.response.get("rules_version")
            policy = None if version is None else uow.policies.get(tenant_id, str(version))
            tenant = uow.tenants.get(tenant_id)
        name = tenant.name if tenant is not None else tenant_id
        sources = CaseParecerSources(document, stored.created_at, name, version, policy, rules)
        return case_parecer(sources, self._clock.now())


def _key_names(uow: UnitOfWork, tenant_id: str, item: ReviewItem) -> dict[str, str]:
    """The names of the tenant's keys that acted on the item: a parecer names people, not key ids."""
    names: dict[str, str] = {}
    for entry in item.history:
        actor = entry.get("actor")
        key_id = actor.get("key_id") if isinstance(actor, dict) else None
        if key_id and key_id not in names:
            record = uow.api_keys.get(str(key_id))
            if record is not None and record.tenant_id == tenant_id and record.name:
                names[str(key_id)] = record.name
    return names
