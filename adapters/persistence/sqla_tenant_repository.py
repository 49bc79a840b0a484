"""Tenants and their default taxonomy/policy versions, in SQL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from sqlalchemy import Row, bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from adapters.persistence.sqla_models import TenantRow
from core.domain.errors import NotFound, TenantExists
from core.domain.records import Tenant


# Read on every request: a prebuilt Core statement, not an ORM identity-map load.
_BY_ID = select(TenantRow.__table__).where(TenantRow.__table__.c.tenant_id == bindparam("tenant_id"))


class TenantCache(Protocol):
    """Tenants kept in process (pg_key_cache.ListeningKeyCache, ADR 0028)."""

    def tenant(self, tenant_id: str, read: Callable[[], Tenant | None]) -> Tenant | None: ...


class SqlaTenantRepository:
    def __init__(self, session: Session, cache: TenantCache | None = None) -> None:
        self._session = session
        self._cache = cache

    def get(self, tenant_id: str) -> Tenant | None:
        row = self._session.connection().execute(_BY_ID, {"tenant_id": tenant_id}).first()
        return None if row is None else _to_record(row)

    def current(self, tenant_id: str) -> Tenant | None:
        if self._cache is None:
            return self.get(tenant_id)
        return self._cache.tenant(tenant_id, lambda: self.get(tenant_id))

    def add(self, tenant: Tenant) -> None:
        """Raises TenantExists if the id is taken (the transaction is then unusable: roll back)."""
        self._session.add(
            TenantRow(
                tenant_id=tenant.tenant_id,
                name=tenant.name,
                active=tenant.active,
                default_taxonomy_version=tenant.default_taxonomy_version,
                default_policy_version=tenant.default_policy_version,
                allow_policy_overrides=tenant.allow_policy_overrides,
            )
        )
        try:
            self._session.flush()
        except IntegrityError:
            raise TenantExists(f"tenant '{tenant.tenant_id}' already exists") from None

    def set_defaults(self, tenant_id: str, taxonomy_version: str | None, policy_version: str | None) -> None:
        """Set both defaults (None clears one). Raises NotFound for an unknown tenant."""
        row = self._session.get(TenantRow, tenant_id)
        if row is None:
            raise NotFound(f"tenant {tenant_id!r}")
        row.default_taxonomy_version = taxonomy_version
        row.default_policy_version = policy_version
        self._session.flush()

    def set_active(self, tenant_id: str, active: bool) -> None:
        """Enable or disable a tenant. Raises NotFound for an unknown tenant."""
        row = self._session.get(TenantRow, tenant_id)
        if row is None:
            raise NotFound(f"tenant {tenant_id!r}")
        row.active = active
        self._session.flush()

    def set_policy_overrides(self, tenant_id: str, allowed: bool) -> None:
        """Let the tenant's client keys override its policy, or not. Raises NotFound for an unknown tenant."""
        row = self._session.get(TenantRow, tenant_id)
        if row is None:
            raise NotFound(f"tenant {tenant_id!r}")
        row.allow_policy_overrides = allowed
        self._session.flush()

    def list_all(self) -> list[Tenant]:
        rows = self._session.scalars(select(TenantRow).order_by(TenantRow.tenant_id))
        return [_to_record(row) for row in rows]


def _to_record(row: TenantRow | Row[Any]) -> Tenant:
    return Tenant(
        tenant_id=row.tenant_id,
        name=row.name,
        active=row.active,
        default_taxonomy_version=row.default_taxonomy_version,
        default_policy_version=row.default_policy_version,
        allow_policy_overrides=bool(row.allow_policy_overrides),
    )


def tenant_record(columns: dict[str, Any]) -> Tenant:
    """A tenant from its columns by name (a joined read, e.g. authentication's)."""
    return Tenant(
        tenant_id=columns["tenant_id"],
        name=columns["name"],
        active=columns["active"],
        default_taxonomy_version=columns["default_taxonomy_version"],
        default_policy_version=columns["default_policy_version"],
        allow_policy_overrides=bool(columns["allow_policy_overrides"]),
    )
