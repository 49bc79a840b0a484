"""API-key administration: create, list, rotate, revoke; every change audited in its transaction.

The plaintext exists only in the IssuedKey handed back to the caller, once. The store keeps the
prefix and the keyed hash; audit events name the key's id, prefix and role, never the key.
`tenant_id` scopes rotate/revoke to the caller's tenant (another tenant's key is NotFound, like a
missing one); ANY_TENANT is the operator at the CLI, who may act on any tenant's key.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

from core.domain.actors import Actor
from core.domain.api_keys import generate_key, hash_key, key_prefix
from core.domain.errors import KeyRevoked, NotFound
from core.domain.records import ApiKeyRecord, AuditEvent, Role
from core.domain.tenants import ANY_TENANT as ANY_TENANT  # re-exported: callers written before it moved
from core.domain.tenants import AnyTenant, check_name
from core.ports.clock import Clock
from core.ports.id_generator import IdGenerator
from core.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory

_KEY_ID_MAX_LENGTH = 64


@dataclass(frozen=True, slots=True)
class IssuedKey:
    """A new key and its plaintext (shown once); after a rotation, the key it replaced (now revoked)."""

    record: ApiKeyRecord
    plaintext: str
    replaced: ApiKeyRecord | None = None


class ApiKeyAdmin:
    def __init__(self, uow_factory: UnitOfWorkFactory, pepper: bytes, clock: Clock, ids: IdGenerator) -> None:
        self._uow_factory = uow_factory
        self._pepper = pepper
        self._clock = clock
        self._ids = ids

    def create(self, tenant_id: str, role: Role, name: str, actor: Actor) -> IssuedKey:
        """A new key of an existing tenant (NotFound otherwise); a disabled tenant's key stays blocked."""
        name = check_name(name, "key")
        now = self._clock.now()
        with self._uow_factory() as uow:
            if uow.tenants.get(tenant_id) is None:
                raise NotFound(f"tenant '{tenant_id}' not found")
            issued = self._issue(uow, tenant_id, role, name, now)
            uow.audit.append(AuditEvent(tenant_id, "key.created", _payload(actor, issued.record), now))
            uow.commit()
        return issued

    def list_keys(self, tenant_id: str) -> list[ApiKeyRecord]:
        """The tenant's keys, active and revoked, oldest first (NotFound for an unknown tenant)."""
        with self._uow_factory.reading() as uow:
            if uow.tenants.get(tenant_id) is None:
                raise NotFound(f"tenant '{tenant_id}' not found")
            return uow.api_keys.list_for_tenant(tenant_id)

    def rotate(self, key_id: str, actor: Actor, *, tenant_id: str | AnyTenant) -> IssuedKey:
        """A new key with the same tenant, role and name; the old one is revoked in the same transaction.

        Raises NotFound, or KeyRevoked if the key is revoked already (also when a concurrent
        rotation or revocation of it committed first).
        """
        now = self._clock.now()
        with self._uow_factory() as uow:
            old = _key_of(uow, key_id, tenant_id)
            if old.revoked_at is not None or not uow.api_keys.revoke(old.tenant_id, old.key_id, now):
                raise KeyRevoked(f"API key '{key_id}' is revoked; create a new key instead")
            issued = self._issue(uow, old.tenant_id, old.role, old.name, now)
            payload = _payload(actor, issued.record) | {"replaces": {"key_id": old.key_id, "prefix": old.prefix}}
            uow.audit.append(AuditEvent(old.tenant_id, "key.rotated", payload, now))
            uow.commit()
        return dataclasses.replace(issued, replaced=dataclasses.replace(old, revoked_at=now))

    def revoke(self, key_id: str, actor: Actor, *, tenant_id: str | AnyTenant) -> ApiKeyRecord:
        """Revoke a key: the next request with it gets 401. Revoking a revoked key changes nothing.

        An admin may revoke the very key it calls with (its later requests are then refused).
        """
        now = self._clock.now()
        with self._uow_factory() as uow:
            key = _key_of(uow, key_id, tenant_id)
            if key.revoked_at is not None:
                return key
            if uow.api_keys.revoke(key.tenant_id, key.key_id, now):  # False: a concurrent revoke won
                uow.audit.append(AuditEvent(key.tenant_id, "key.revoked", _payload(actor, key), now))
                uow.commit()
        return dataclasses.replace(key, revoked_at=now)

    def _issue(self, uow: UnitOfWork, tenant_id: str, role: Role, name: str, now: dt.datetime) -> IssuedKey:
        plaintext = generate_key()
        record = ApiKeyRecord(
            key_id=self._ids.new_id(),
            tenant_id=tenant_id,
            prefix=key_prefix(plaintext),
            key_hash=hash_key(plaintext, self._pepper),
            role=role,
            name=name,
            created_at=now,
        )
        uow.api_keys.add(record)
        return IssuedKey(record, plaintext)


def _key_of(uow: UnitOfWork, key_id: str, tenant_id: str | AnyTenant) -> ApiKeyRecord:
    """The key, if the caller may see it: another tenant's key is as missing as an unknown one."""
    key = uow.api_keys.get(key_id) if 0 < len(key_id) <= _KEY_ID_MAX_LENGTH and "\x00" not in key_id else None
    if key is None or (tenant_id is not ANY_TENANT and key.tenant_id != tenant_id):
        raise NotFound(f"API key '{key_id}' not found")
    return key


def _payload(actor: Actor, key: ApiKeyRecord) -> dict[str, Any]:
    return {"actor": actor, "key_id": key.key_id, "prefix": key.prefix, "role": key.role.value, "name": key.name}
