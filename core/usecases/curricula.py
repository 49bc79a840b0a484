"""Curriculum versions of a tenant: import (a new immutable version), list, show, activate, deprecate.

Every action appends its audit event in the same unit of work as the change. `actor` is who
acted: `{"key_id", "role"}` over HTTP, `CLI_ACTOR` from the command line. Curricula belong to
one tenant; another tenant's version is reported as missing (docs/adr/0016-curricula.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from core.domain.catalog import DEPRECATED, check_version_name
from core.domain.curriculum import Curriculum, CurriculumInfo, check_curriculum
from core.domain.errors import CatalogConflict, NotFound, VersionExists
from core.domain.records import AuditEvent
from core.ports.clock import Clock
from core.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class CurriculumView:
    """One version as its tenant sees it; `curriculum` only when the units were asked for."""

    info: CurriculumInfo
    is_default: bool
    curriculum: Curriculum | None = None


def _import_curriculum(
    uow_factory: UnitOfWorkFactory,
    tenant_id: str,
    curriculum: Curriculum,
    clock: Clock,
    actor: Mapping[str, Any],
) -> CurriculumView:
    """Store a new version. Raises InvalidCurriculum, VersionExists (names are never reused), NotFound."""
    check_version_name("curriculum", curriculum.version)
    check_curriculum(curriculum)
    with uow_factory() as uow:
        _tenant(uow, tenant_id)
        existing = uow.curricula.get(tenant_id, curriculum.version)
        if existing is not None:
            raise VersionExists(_exists_message(curriculum.version, existing == curriculum))
        uow.curricula.add(tenant_id, curriculum)
        payload = {
            "actor": dict(actor),
            "version": curriculum.version,
            "units": len(curriculum.units),
            "format": curriculum.source_format,
            "signature_present": curriculum.signature_present,
        }
        uow.audit.append(AuditEvent(tenant_id, "curriculum.imported", payload, clock.now()))
        info = uow.curricula.info(tenant_id, curriculum.version)
        default = uow.curricula.default(tenant_id)
        uow.commit()
    assert info is not None
    return CurriculumView(info, default == curriculum.version)


def _list_curricula(uow_factory: UnitOfWorkFactory, tenant_id: str) -> tuple[list[CurriculumInfo], str | None]:
    """Every version of the tenant, oldest first, and the one it activated."""
    with uow_factory.reading() as uow:
        return uow.curricula.infos(tenant_id), uow.curricula.default(tenant_id)


def _show_curriculum(uow_factory: UnitOfWorkFactory, tenant_id: str, version: str, full: bool) -> CurriculumView:
    """A version's summary; with `full`, its units too. Raises NotFound."""
    with uow_factory.reading() as uow:
        info = uow.curricula.info(tenant_id, version)
        if info is None:
            raise NotFound(_missing(version))
        curriculum = uow.curricula.get(tenant_id, version) if full else None
        default = uow.curricula.default(tenant_id)
    return CurriculumView(info, default == version, curriculum)


def _activate_curriculum(
    uow_factory: UnitOfWorkFactory, tenant_id: str, version: str, actor: Mapping[str, Any], clock: Clock
) -> CurriculumView:
    """Make a version the tenant's current curriculum. Raises NotFound, or CatalogConflict if deprecated."""
    with uow_factory() as uow:
        info = uow.curricula.info(tenant_id, version)
        if info is None:
            raise NotFound(_missing(version))
        if info.status == DEPRECATED:
            raise CatalogConflict(f"curriculum version '{version}' is deprecated: it cannot be activated")
        previous = uow.curricula.default(tenant_id)
        uow.curricula.set_default(tenant_id, version)
        payload = {"actor": dict(actor), "version": version, "previous": previous}
        uow.audit.append(AuditEvent(tenant_id, "curriculum.activated", payload, clock.now()))
        uow.commit()
    return CurriculumView(info, True)


def _deprecate_curriculum(
    uow_factory: UnitOfWorkFactory, tenant_id: str, version: str, actor: Mapping[str, Any], clock: Clock
) -> CurriculumView:
    """Retire a version from new use (one way). Raises NotFound, or CatalogConflict for the current one."""
    with uow_factory() as uow:
        info = uow.curricula.info(tenant_id, version)
        if info is None:
            raise NotFound(_missing(version))
        if uow.curricula.default(tenant_id) == version:
            raise CatalogConflict(
                f"curriculum version '{version}' is the tenant's current curriculum: activate another version first"
            )
        uow.curricula.deprecate(tenant_id, version)
        payload = {"actor": dict(actor), "version": version, "was": info.status}
        uow.audit.append(AuditEvent(tenant_id, "curriculum.deprecated", payload, clock.now()))
        updated = uow.curricula.info(tenant_id, version)
        uow.commit()
    assert updated is not None
    return CurriculumView(updated, False)


def _exists_message(version: str, identical: bool) -> str:
    if identical:
        return f"curriculum version '{version}' already exists with the same content: nothing to do"
    return (
        f"curriculum version '{version}' already exists with different content: "
        "stored versions are immutable, import the change as a new version"
    )


def _missing(version: str) -> str:
    return f"curriculum version '{version}' not found"


def _tenant(uow: UnitOfWork, tenant_id: str) -> None:
    if uow.tenants.get(tenant_id) is None:
        raise NotFound(f"tenant '{tenant_id}' not found")


class Curricula:
    """A tenant's curricula: one method per operation; tenant and actor always given (ADR 0023)."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uows = uow_factory
        self._clock = clock

    def import_version(self, tenant_id: str, curriculum: Curriculum, actor: Mapping[str, Any]) -> CurriculumView:
        return _import_curriculum(self._uows, tenant_id, curriculum, self._clock, actor)

    def catalog(self, tenant_id: str) -> tuple[list[CurriculumInfo], str | None]:
        return _list_curricula(self._uows, tenant_id)

    def show(self, tenant_id: str, version: str, full: bool) -> CurriculumView:
        return _show_curriculum(self._uows, tenant_id, version, full)

    def activate(self, tenant_id: str, version: str, actor: Mapping[str, Any]) -> CurriculumView:
        return _activate_curriculum(self._uows, tenant_id, version, actor, self._clock)

    def deprecate(self, tenant_id: str, version: str, actor: Mapping[str, Any]) -> CurriculumView:
        return _deprecate_curriculum(self._uows, tenant_id, version, actor, self._clock)
