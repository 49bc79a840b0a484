from __future__ import annotations

from typing import Protocol

from core.domain.records import Tenant


class TenantRepository(Protocol):
    """Tenants and their default versions."""

    def get(self, tenant_id: str) -> Tenant | None: ...

    def current(self, tenant_id: str) -> Tenant | None:
        """`get`, or the tenant as this process read it a moment ago: kept in process until any
        tenant changes (ADR 0028's invalidation, at most its few seconds' bound). For reads on
        the hot path that only take the tenant's default versions (a batch item, a case); an
        adapter without such a cache reads."""

    def add(self, tenant: Tenant) -> None:
        """Raises TenantExists if the id is taken."""

    def set_defaults(self, tenant_id: str, taxonomy_version: str | None, policy_version: str | None) -> None: ...

    def set_active(self, tenant_id: str, active: bool) -> None:
        """Enable or disable a tenant (a disabled tenant's keys are refused). Raises NotFound."""

    def set_policy_overrides(self, tenant_id: str, allowed: bool) -> None:
        """Whether the tenant's client keys may override its policy per request. Raises NotFound."""

    def list_all(self) -> list[Tenant]: ...
