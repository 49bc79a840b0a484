"""API-key administration use cases (the plaintext is never read back)."""

from __future__ import annotations

from core.domain.records import ApiKeyRecord
from core.ports.unit_of_work import UnitOfWorkFactory


def list_api_keys(uow_factory: UnitOfWorkFactory, tenant_id: str) -> list[ApiKeyRecord]:
    with uow_factory.reading() as uow:
        return uow.api_keys.list_for_tenant(tenant_id)
