"""Taxonomy versions: import (a new immutable version), export, list."""

from __future__ import annotations

from core.domain.errors import VersionNotFound
from core.domain.model import Taxonomy
from core.domain.records import AuditEvent
from core.ports.clock import Clock
from core.ports.unit_of_work import UnitOfWorkFactory


def import_taxonomy(
    uow_factory: UnitOfWorkFactory,
    taxonomy: Taxonomy,
    tenant_id: str | None,
    activate_for: str | None,
    clock: Clock,
) -> None:
    """Store a new version (shared when tenant_id is None); optionally make it a tenant's default.

    Raises VersionExists: a version is never changed once stored, a change is a new version.
    """
    with uow_factory() as uow:
        uow.taxonomies.add(tenant_id, taxonomy)
        audited_tenant = activate_for or tenant_id
        if activate_for is not None:
            tenant = uow.tenants.get(activate_for)
            if tenant is None:
                raise VersionNotFound(f"tenant '{activate_for}' not found")
            uow.tenants.set_defaults(activate_for, taxonomy.version, tenant.default_policy_version)
        if audited_tenant is not None:
            payload = {"version": taxonomy.version, "nodes": len(taxonomy.nodes), "activated": activate_for is not None}
            uow.audit.append(AuditEvent(audited_tenant, "taxonomy.imported", payload, clock.now()))
        uow.commit()


def export_taxonomy(uow_factory: UnitOfWorkFactory, tenant_id: str, version: str) -> Taxonomy:
    with uow_factory.reading() as uow:
        taxonomy = uow.taxonomies.get(tenant_id, version)
    if taxonomy is None:
        raise VersionNotFound(f"taxonomy_version '{version}' not found")
    return taxonomy


def list_taxonomies(uow_factory: UnitOfWorkFactory, tenant_id: str) -> tuple[list[str], str | None]:
    """The versions a tenant can use, and its current default."""
    with uow_factory.reading() as uow:
        versions = uow.taxonomies.list_versions(tenant_id)
        tenant = uow.tenants.get(tenant_id)
    return versions, tenant.default_taxonomy_version if tenant else None
