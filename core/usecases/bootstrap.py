"""Seed: the default tenant, its first admin key, the shipped taxonomy and the default policy.

Idempotent: running it again adds only what is missing and never prints a key twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from core.domain.api_keys import generate_key, hash_key, key_prefix
from core.domain.model import Policy, Taxonomy
from core.domain.records import ApiKeyRecord, AuditEvent, Role, Tenant
from core.ports.clock import Clock
from core.ports.id_generator import IdGenerator
from core.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory

DEFAULT_TENANT = "default"


@dataclass(frozen=True, slots=True)
class SeedReport:
    tenant_id: str
    created_tenant: bool
    new_admin_key: str | None
    taxonomy_version: str
    policy_version: str


class Seed:
    """The use case behind `equivalence seed` (and the embedded runtime's start)."""

    def __init__(self, uow_factory: UnitOfWorkFactory, pepper: bytes, clock: Clock, ids: IdGenerator) -> None:
        self._uow_factory = uow_factory
        self._pepper = pepper
        self._clock = clock
        self._ids = ids

    def __call__(self, taxonomy: Taxonomy, policy: Policy, bootstrap_key: str | None) -> SeedReport:
        """Create whatever of the default setup is missing; return a new plaintext key at most once."""
        now = self._clock.now()
        with self._uow_factory() as uow:
            if uow.taxonomies.get(DEFAULT_TENANT, taxonomy.version) is None:
                uow.taxonomies.add(None, taxonomy)
            if uow.policies.get(DEFAULT_TENANT, policy.version) is None:
                uow.policies.add(None, policy)
            tenant = uow.tenants.get(DEFAULT_TENANT)
            created = tenant is None
            if tenant is None:
                uow.tenants.add(
                    Tenant(DEFAULT_TENANT, "Tenant padrão", True, taxonomy.version, policy.version)
                )
            elif not (tenant.default_taxonomy_version and tenant.default_policy_version):
                uow.tenants.set_defaults(
                    DEFAULT_TENANT,
                    tenant.default_taxonomy_version or taxonomy.version,
                    tenant.default_policy_version or policy.version,
                )
            new_key = _admin_key(uow, self._pepper, bootstrap_key, now, self._ids)
            if new_key is not None:
                plaintext, record = new_key
                event = {
                    "actor": {"seed": True}, "key_id": record.key_id, "prefix": record.prefix, "role": "admin", "name": record.name
                }
                uow.audit.append(AuditEvent(DEFAULT_TENANT, "key.created", event, now))
            uow.commit()
        shown = new_key[0] if new_key is not None and new_key[0] != bootstrap_key else None
        return SeedReport(DEFAULT_TENANT, created, shown, taxonomy.version, policy.version)


def _admin_key(
    uow: UnitOfWork, pepper: bytes, bootstrap_key: str | None, now: dt.datetime, ids: IdGenerator
) -> tuple[str, ApiKeyRecord] | None:
    """The bootstrap key if given and new, else a generated one when no active admin key exists."""
    if bootstrap_key:
        if uow.api_keys.find_by_hash(hash_key(bootstrap_key, pepper)) is not None:
            return None
        plaintext = bootstrap_key
    elif any(k.role is Role.ADMIN and k.revoked_at is None for k in uow.api_keys.list_for_tenant(DEFAULT_TENANT)):
        return None
    else:
        plaintext = generate_key()
    record = ApiKeyRecord(
        key_id=ids.new_id(),
        tenant_id=DEFAULT_TENANT,
        prefix=key_prefix(plaintext),
        key_hash=hash_key(plaintext, pepper),
        role=Role.ADMIN,
        name="bootstrap admin",
        created_at=now,
    )
    uow.api_keys.add(record)
    return plaintext, record
