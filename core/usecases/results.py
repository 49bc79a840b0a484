"""Stored evaluation results as a tenant reads them (ADR 0023)."""

from __future__ import annotations

from typing import Any

from core.domain.errors import NotFound
from core.domain.review import ReviewItem
from core.ports.unit_of_work import UnitOfWorkFactory


class Results:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uows = uow_factory

    def get(self, tenant_id: str, request_id: str) -> dict[str, Any]:
        """A stored result of this tenant; another tenant's is reported as missing."""
        with self._uows.reading() as uow:
            stored = uow.results.get(tenant_id, request_id)
        if stored is None:
            raise NotFound(f"no result for request_id '{request_id}'")
        return stored.response

    def with_review(self, tenant_id: str, request_id: str) -> tuple[dict[str, Any], ReviewItem | None]:
        """The stored result and its review item (None when the decision was automatic)."""
        with self._uows.reading() as uow:
            stored = uow.results.get(tenant_id, request_id)
            if stored is None:
                raise NotFound(f"no result for request_id '{request_id}'")
            return stored.response, uow.reviews.for_request(tenant_id, request_id)
