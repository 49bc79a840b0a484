"""Tenant administration: create, disable, enable, allow or forbid client policy overrides, list;
every change audited in its transaction.

A disabled tenant keeps its keys, results and audit trail, but every key of it is refused
(Authenticate checks the tenant on each request, nothing is cached); enabling it restores them.
"""

from __future__ import annotations

import dataclasses

from core.domain.actors import Actor
from core.domain.errors import NotFound, TenantExists
from core.domain.records import AuditEvent, Tenant
from core.domain.tenants import check_name, check_tenant_id
from core.ports.clock import Clock
from core.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from core.usecases.bootstrap import DEFAULT_TENANT


class TenantAdmin:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    def create(self, tenant_id: str, name: str, actor: Actor) -> Tenant:
        """A new, active tenant. Its default versions are the `default` tenant's when those are
        shared versions (so it can evaluate at once); otherwise none until an admin sets them.

        Raises InvalidInput (bad or reserved id, bad name) or TenantExists.
        """
        check_tenant_id(tenant_id)
        name = check_name(name, "tenant")
        now = self._clock.now()
        with self._uow_factory() as uow:
            if uow.tenants.get(tenant_id) is not None:
                raise TenantExists(f"tenant '{tenant_id}' already exists")
            tenant = Tenant(tenant_id, name, True, *_shared_defaults(uow, tenant_id))
            uow.tenants.add(tenant)
            payload = {
                "actor": actor,
                "tenant_id": tenant_id,
                "name": name,
                "taxonomy_version": tenant.default_taxonomy_version,
                "policy_version": tenant.default_policy_version,
            }
            uow.audit.append(AuditEvent(tenant_id, "tenant.created", payload, now))
            uow.commit()
        return tenant

    def disable(self, tenant_id: str, actor: Actor) -> Tenant:
        """Block every key of the tenant from the next request on. Idempotent (no second event)."""
        return self._set_active(tenant_id, False, "tenant.disabled", actor)

    def enable(self, tenant_id: str, actor: Actor) -> Tenant:
        """Let the tenant's unrevoked keys in again. Idempotent (no second event)."""
        return self._set_active(tenant_id, True, "tenant.enabled", actor)

    def allow_policy_overrides(self, tenant_id: str, actor: Actor) -> Tenant:
        """Let the tenant's client keys override its policy per request (ADR 0013). Idempotent."""
        return self._set_overrides(tenant_id, True, actor)

    def forbid_policy_overrides(self, tenant_id: str, actor: Actor) -> Tenant:
        """Refuse (403) the tenant's client keys' policy overrides again. Idempotent."""
        return self._set_overrides(tenant_id, False, actor)

    def get(self, tenant_id: str) -> Tenant:
        """Raises NotFound."""
        with self._uow_factory.reading() as uow:
            tenant = uow.tenants.get(tenant_id)
        if tenant is None:
            raise NotFound(f"tenant '{tenant_id}' not found")
        return tenant

    def list_tenants(self) -> list[Tenant]:
        with self._uow_factory.reading() as uow:
            return uow.tenants.list_all()

    def _set_active(self, tenant_id: str, active: bool, event_type: str, actor: Actor) -> Tenant:
        now = self._clock.now()
        with self._uow_factory() as uow:
            tenant = uow.tenants.get(tenant_id)
            if tenant is None:
                raise NotFound(f"tenant '{tenant_id}' not found")
            if tenant.active == active:
                return tenant
            uow.tenants.set_active(tenant_id, active)
            uow.audit.append(AuditEvent(tenant_id, event_type, {"actor": actor, "tenant_id": tenant_id}, now))
            uow.commit()
        return dataclasses.replace(tenant, active=active)

    def _set_overrides(self, tenant_id: str, allowed: bool, actor: Actor) -> Tenant:
        now = self._clock.now()
        with self._uow_factory() as uow:
            tenant = uow.tenants.get(tenant_id)
            if tenant is None:
                raise NotFound(f"tenant '{tenant_id}' not found")
            if tenant.allow_policy_overrides == allowed:
                return tenant
            uow.tenants.set_policy_overrides(tenant_id, allowed)
            payload = {"actor": actor, "tenant_id": tenant_id}
            uow.audit.append(AuditEvent(tenant_id, _overrides_event(allowed), payload, now))
            uow.commit()
        return dataclasses.replace(tenant, allow_policy_overrides=allowed)


def _overrides_event(allowed: bool) -> str:
    return "tenant.policy_overrides_allowed" if allowed else "tenant.policy_overrides_forbidden"


def _shared_defaults(uow: UnitOfWork, tenant_id: str) -> tuple[str | None, str | None]:
    """The default tenant's default versions, each only if the new tenant can see it (shared)."""
    default = uow.tenants.get(DEFAULT_TENANT)
    if default is None:
        return None, None
    taxonomy = default.default_taxonomy_version
    policy = default.default_policy_version
    return (
        taxonomy if taxonomy in uow.taxonomies.list_versions(tenant_id) else None,
        policy if policy in uow.policies.list_versions(tenant_id) else None,
    )
