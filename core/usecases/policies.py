"""Policy versions: create (a new immutable version), list, show, activate.

Every admin action appends its audit event in the same unit of work as the change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from core.domain.catalog import VersionInfo, check_version_name, exists_message, same_policy
from core.domain.errors import NotFound, VersionExists
from core.domain.model import Policy
from core.domain.policy import check_thresholds
from core.domain.records import AuditEvent, Tenant
from core.ports.clock import Clock
from core.ports.unit_of_work import UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class PolicyView:
    info: VersionInfo
    policy: Policy
    is_default: bool


def _create_policy(
    uow_factory: UnitOfWorkFactory,
    tenant_id: str | None,
    policy: Policy,
    clock: Clock,
    actor: Mapping[str, Any],
) -> VersionInfo | None:
    """Store a new version owned by the tenant (shared when tenant_id is None).

    Returns the stored version as the tenant sees it (None for a shared one). Raises
    VersionExists: a version is never changed once stored, a change is a new version;
    NotFound for an unknown owner tenant; InvalidInput for inverted thresholds.
    """
    check_version_name("policy", policy.version)
    check_thresholds(policy)
    with uow_factory() as uow:
        if tenant_id is not None and uow.tenants.get(tenant_id) is None:
            raise NotFound(f"tenant '{tenant_id}' not found")
        existing = uow.policies.get(tenant_id, policy.version) if tenant_id is not None else None
        if existing is not None:
            raise VersionExists(exists_message("policy", policy.version, same_policy(existing, policy)))
        uow.policies.add(tenant_id, policy)
        info = None
        if tenant_id is not None:
            payload = {"actor": dict(actor), "version": policy.version, "shared": False}
            uow.audit.append(AuditEvent(tenant_id, "policy.created", payload, clock.now()))
            info = uow.policies.info(tenant_id, policy.version)
        uow.commit()
    return info


def _policy_catalog(uow_factory: UnitOfWorkFactory, tenant_id: str) -> list[PolicyView]:
    """Every version a tenant can see (shared and own, oldest first), each with its fields."""
    with uow_factory.reading() as uow:
        infos = uow.policies.infos(tenant_id)
        loaded = [(info, uow.policies.get(tenant_id, info.version)) for info in infos]
        tenant = uow.tenants.get(tenant_id)
    default = tenant.default_policy_version if tenant else None
    return [PolicyView(info, policy, info.version == default) for info, policy in loaded if policy is not None]


def _show_policy(uow_factory: UnitOfWorkFactory, tenant_id: str, version: str) -> PolicyView:
    """One version the tenant can see; another tenant's own version is reported as missing."""
    with uow_factory.reading() as uow:
        info = uow.policies.info(tenant_id, version)
        policy = uow.policies.get(tenant_id, version)
        tenant = uow.tenants.get(tenant_id)
    if info is None or policy is None:
        raise NotFound(f"policy version '{version}' not found")
    return PolicyView(info, policy, tenant is not None and tenant.default_policy_version == version)


def _activate_policy(
    uow_factory: UnitOfWorkFactory, tenant_id: str, version: str, actor: Mapping[str, Any], clock: Clock
) -> Tenant:
    """Make a version the tenant's default policy. Raises NotFound."""
    with uow_factory() as uow:
        tenant = uow.tenants.get(tenant_id)
        if tenant is None:
            raise NotFound(f"tenant '{tenant_id}' not found")
        if uow.policies.info(tenant_id, version) is None:
            raise NotFound(f"policy version '{version}' not found")
        uow.tenants.set_defaults(tenant_id, tenant.default_taxonomy_version, version)
        payload = {"actor": dict(actor), "version": version, "previous": tenant.default_policy_version}
        uow.audit.append(AuditEvent(tenant_id, "policy.activated", payload, clock.now()))
        updated = uow.tenants.get(tenant_id)
        uow.commit()
    assert updated is not None
    return updated


class Policies:
    """Policy versions: one method per operation; tenant and actor always given (ADR 0023)."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uows = uow_factory
        self._clock = clock

    def create(self, tenant_id: str | None, policy: Policy, actor: Mapping[str, Any]) -> VersionInfo | None:
        """A new version; tenant_id None stores a shared one (operators only: the CLI)."""
        return _create_policy(self._uows, tenant_id, policy, self._clock, actor)

    def catalog(self, tenant_id: str) -> list[PolicyView]:
        return _policy_catalog(self._uows, tenant_id)

    def show(self, tenant_id: str, version: str) -> PolicyView:
        return _show_policy(self._uows, tenant_id, version)

    def activate(self, tenant_id: str, version: str, actor: Mapping[str, Any]) -> Tenant:
        return _activate_policy(self._uows, tenant_id, version, actor, self._clock)
