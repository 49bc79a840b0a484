"""Authentication: an API key is valid when its hash is known, it is not revoked and its tenant is active."""

from __future__ import annotations

from core.domain.api_keys import hash_key
from core.domain.records import Principal
from core.ports.unit_of_work import UnitOfWorkFactory


class Authenticate:
    def __init__(self, uow_factory: UnitOfWorkFactory, pepper: bytes) -> None:
        self._uow_factory = uow_factory
        self._pepper = pepper

    def __call__(self, plaintext: str | None) -> Principal | None:
        if not plaintext:
            return None
        key_hash = hash_key(plaintext, self._pepper)
        with self._uow_factory.reading() as uow:
            record = uow.api_keys.find_by_hash(key_hash)
            if record is None or record.revoked_at is not None:
                return None
            tenant = uow.tenants.get(record.tenant_id)
        if tenant is None or not tenant.active:
            return None
        return Principal(tenant_id=record.tenant_id, key_id=record.key_id, role=record.role)
