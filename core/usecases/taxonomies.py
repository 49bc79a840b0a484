"""Taxonomy versions: import (a new immutable version), export, list, show, activate, deprecate.

Every admin action appends its audit event in the same unit of work as the change. `actor`
is who acted: `{"key_id", "role"}` over HTTP, `CLI_ACTOR` from the command line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from core.domain.catalog import (
    VersionInfo,
    check_version_name,
    deprecated_message,
    exists_message,
    same_taxonomy,
    why_not_deprecate,
)
from core.domain.errors import CatalogConflict, NotFound, VersionExists, VersionNotFound
from core.domain.model import Taxonomy
from core.domain.records import AuditEvent, Tenant
from core.ports.clock import Clock
from core.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class TaxonomyView:
    """One version as the tenant sees it; `taxonomy` only when the full document was asked for."""

    info: VersionInfo
    is_default: bool
    areas: dict[str, int]
    critical: int
    taxonomy: Taxonomy | None


def _import_taxonomy(
    uow_factory: UnitOfWorkFactory,
    taxonomy: Taxonomy,
    tenant_id: str | None,
    activate_for: str | None,
    clock: Clock,
    actor: Mapping[str, Any],
) -> None:
    """Store a new version (shared when tenant_id is None); optionally make it a tenant's default.

    Raises VersionExists: a version is never changed once stored, a change is a new version;
    NotFound for an unknown owner tenant.
    """
    check_version_name("taxonomy", taxonomy.version)
    with uow_factory() as uow:
        if tenant_id is not None:
            _tenant(uow, tenant_id)
        _add(uow, tenant_id, taxonomy)
        audited_tenant = activate_for or tenant_id
        if activate_for is not None:
            tenant = uow.tenants.get(activate_for)
            if tenant is None:
                raise VersionNotFound(f"tenant '{activate_for}' not found", field="tenant_id")
            uow.tenants.set_defaults(activate_for, taxonomy.version, tenant.default_policy_version)
        if audited_tenant is not None:
            payload = {
                "actor": dict(actor),
                "version": taxonomy.version,
                "concepts": len(taxonomy.nodes),
                "shared": tenant_id is None,
                "activated": activate_for is not None,
            }
            uow.audit.append(AuditEvent(audited_tenant, "taxonomy.imported", payload, clock.now()))
        uow.commit()


def _import_tenant_taxonomy(
    uow_factory: UnitOfWorkFactory, tenant_id: str, taxonomy: Taxonomy, actor: Mapping[str, Any], clock: Clock
) -> VersionInfo:
    """POST /admin/taxonomies: a new version owned by the tenant, as stored."""
    _import_taxonomy(uow_factory, taxonomy, tenant_id, None, clock, actor)
    with uow_factory.reading() as uow:
        info = uow.taxonomies.info(tenant_id, taxonomy.version)
    if info is None:  # pragma: no cover - just committed
        raise NotFound(f"taxonomy version '{taxonomy.version}' not found")
    return info


def _add(uow: UnitOfWork, tenant_id: str | None, taxonomy: Taxonomy) -> None:
    """Add, or explain why not: the same content is a no-op, other content would be a silent change."""
    existing = uow.taxonomies.get(tenant_id, taxonomy.version) if tenant_id is not None else None
    if existing is not None:
        raise VersionExists(exists_message("taxonomy", taxonomy.version, same_taxonomy(existing, taxonomy)))
    uow.taxonomies.add(tenant_id, taxonomy)


def _export_taxonomy(uow_factory: UnitOfWorkFactory, tenant_id: str, version: str) -> Taxonomy:
    with uow_factory.reading() as uow:
        taxonomy = uow.taxonomies.get(tenant_id, version)
    if taxonomy is None:
        raise VersionNotFound(f"taxonomy_version '{version}' not found", field="taxonomy_version")
    return taxonomy


def _list_taxonomies(uow_factory: UnitOfWorkFactory, tenant_id: str) -> tuple[list[str], str | None]:
    """The versions a tenant can use, and its current default."""
    with uow_factory.reading() as uow:
        versions = uow.taxonomies.list_versions(tenant_id)
        tenant = uow.tenants.get(tenant_id)
    return versions, tenant.default_taxonomy_version if tenant else None


def _taxonomy_catalog(uow_factory: UnitOfWorkFactory, tenant_id: str) -> tuple[list[VersionInfo], str | None]:
    """Every version a tenant can see (shared and own, with status), and its current default."""
    with uow_factory.reading() as uow:
        infos = uow.taxonomies.infos(tenant_id)
        tenant = uow.tenants.get(tenant_id)
    return infos, tenant.default_taxonomy_version if tenant else None


def _show_taxonomy(uow_factory: UnitOfWorkFactory, tenant_id: str, version: str, full: bool) -> TaxonomyView:
    """One version the tenant can see; another tenant's own version is reported as missing."""
    with uow_factory.reading() as uow:
        info = uow.taxonomies.info(tenant_id, version)
        taxonomy = uow.taxonomies.get(tenant_id, version)
        tenant = uow.tenants.get(tenant_id)
    if info is None or taxonomy is None:
        raise NotFound(f"taxonomy version '{version}' not found")
    areas: dict[str, int] = {}
    for node in taxonomy.nodes:
        areas[node.area] = areas.get(node.area, 0) + 1
    critical = sum(1 for node in taxonomy.nodes if node.critico)
    is_default = tenant is not None and tenant.default_taxonomy_version == version
    return TaxonomyView(info, is_default, dict(sorted(areas.items())), critical, taxonomy if full else None)


def _activate_taxonomy(
    uow_factory: UnitOfWorkFactory, tenant_id: str, version: str, actor: Mapping[str, Any], clock: Clock
) -> Tenant:
    """Make a version the tenant's default taxonomy. Raises NotFound, or CatalogConflict if deprecated."""
    with uow_factory() as uow:
        tenant = _tenant(uow, tenant_id)
        info = uow.taxonomies.info(tenant_id, version)
        if info is None:
            raise NotFound(f"taxonomy version '{version}' not found")
        if info.deprecated:
            raise CatalogConflict(deprecated_message(version))
        uow.tenants.set_defaults(tenant_id, version, tenant.default_policy_version)
        payload = {"actor": dict(actor), "version": version, "previous": tenant.default_taxonomy_version}
        uow.audit.append(AuditEvent(tenant_id, "taxonomy.activated", payload, clock.now()))
        updated = uow.tenants.get(tenant_id)
        uow.commit()
    assert updated is not None
    return updated


def _deprecate_taxonomy(
    uow_factory: UnitOfWorkFactory, tenant_id: str, version: str, actor: Mapping[str, Any], clock: Clock
) -> VersionInfo:
    """Retire the tenant's own version from new use; results already stored keep working.

    Raises NotFound, or CatalogConflict when the version is shared, the default or bound.
    Deprecating a deprecated version changes nothing but is still recorded.
    """
    with uow_factory() as uow:
        tenant = _tenant(uow, tenant_id)
        info = uow.taxonomies.info(tenant_id, version)
        if info is None:
            raise NotFound(f"taxonomy version '{version}' not found")
        bound = [b.course_id for b in uow.bindings.list_for_tenant(tenant_id) if b.taxonomy_version == version]
        reason = why_not_deprecate(info, tenant.default_taxonomy_version, bound)
        if reason is not None:
            raise CatalogConflict(reason)
        uow.taxonomies.deprecate(tenant_id, version)
        payload = {"actor": dict(actor), "version": version, "was": info.status}
        uow.audit.append(AuditEvent(tenant_id, "taxonomy.deprecated", payload, clock.now()))
        updated = uow.taxonomies.info(tenant_id, version)
        uow.commit()
    assert updated is not None
    return updated


def _tenant(uow: UnitOfWork, tenant_id: str) -> Tenant:
    tenant = uow.tenants.get(tenant_id)
    if tenant is None:
        raise NotFound(f"tenant '{tenant_id}' not found")
    return tenant


class Taxonomies:
    """Taxonomy versions of a tenant (and shared ones): one method per operation, the tenant and
    the actor always given by the caller (ADR 0023)."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uows = uow_factory
        self._clock = clock

    def import_version(
        self, taxonomy: Taxonomy, *, tenant_id: str | None, activate_for: str | None, actor: Mapping[str, Any]
    ) -> None:
        """A new version, shared when tenant_id is None (operators only: the CLI)."""
        _import_taxonomy(self._uows, taxonomy, tenant_id, activate_for, self._clock, actor)

    def import_for_tenant(self, tenant_id: str, taxonomy: Taxonomy, actor: Mapping[str, Any]) -> VersionInfo:
        return _import_tenant_taxonomy(self._uows, tenant_id, taxonomy, actor, self._clock)

    def export(self, tenant_id: str, version: str) -> Taxonomy:
        return _export_taxonomy(self._uows, tenant_id, version)

    def versions(self, tenant_id: str) -> tuple[list[str], str | None]:
        return _list_taxonomies(self._uows, tenant_id)

    def catalog(self, tenant_id: str) -> tuple[list[VersionInfo], str | None]:
        return _taxonomy_catalog(self._uows, tenant_id)

    def show(self, tenant_id: str, version: str, full: bool) -> TaxonomyView:
        return _show_taxonomy(self._uows, tenant_id, version, full)

    def activate(self, tenant_id: str, version: str, actor: Mapping[str, Any]) -> Tenant:
        return _activate_taxonomy(self._uows, tenant_id, version, actor, self._clock)

    def deprecate(self, tenant_id: str, version: str, actor: Mapping[str, Any]) -> VersionInfo:
        return _deprecate_taxonomy(self._uows, tenant_id, version, actor, self._clock)
