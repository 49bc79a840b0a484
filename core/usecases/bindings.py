"""Course bindings: which taxonomy and policy versions judge a destination course.

Evaluate resolves versions in this order: the request's own, else the `course_id` binding,
else the tenant's defaults (core/usecases/evaluate.py). Every change is audited in the same
unit of work.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.domain.catalog import deprecated_message
from core.domain.errors import NotFound, VersionDeprecated, VersionNotFound
from core.domain.records import AuditEvent, CourseBinding
from core.ports.clock import Clock
from core.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory


class Bindings:
    """Course bindings: one method per operation; tenant and actor always given (ADR 0023)."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uows = uow_factory
        self._clock = clock

    def set(self, binding: CourseBinding, actor: Mapping[str, Any]) -> CourseBinding:
        """Create or replace a binding. Both versions must be visible to the tenant and usable.

        Raises VersionNotFound (unknown version), VersionDeprecated (deprecated taxonomy) or
        NotFound (unknown tenant).
        """
        with self._uows() as uow:
            _check_usable(uow, binding)
            previous = uow.bindings.get(binding.tenant_id, binding.course_id)
            uow.bindings.put(binding)
            payload = {
                "actor": dict(actor),
                "course_id": binding.course_id,
                "taxonomy_version": binding.taxonomy_version,
                "policy_version": binding.policy_version,
                "previous": None if previous is None else _versions(previous),
            }
            uow.audit.append(AuditEvent(binding.tenant_id, "binding.set", payload, self._clock.now()))
            uow.commit()
        return binding

    def all(self, tenant_id: str) -> list[CourseBinding]:
        with self._uows.reading() as uow:
            return uow.bindings.list_for_tenant(tenant_id)

    def get(self, tenant_id: str, course_id: str) -> CourseBinding:
        """The tenant's binding of a course; another tenant's is reported as missing."""
        with self._uows.reading() as uow:
            binding = uow.bindings.get(tenant_id, course_id)
        if binding is None:
            raise NotFound(f"course_id '{course_id}' has no binding")
        return binding

    def delete(self, tenant_id: str, course_id: str, actor: Mapping[str, Any]) -> CourseBinding:
        """Remove a binding: evaluations naming the course are then refused (422). Raises NotFound."""
        with self._uows() as uow:
            binding = uow.bindings.get(tenant_id, course_id)
            if binding is None or not uow.bindings.delete(tenant_id, course_id):
                raise NotFound(f"course_id '{course_id}' has no binding")
            payload = {"actor": dict(actor), "course_id": course_id, **_versions(binding)}
            uow.audit.append(AuditEvent(tenant_id, "binding.deleted", payload, self._clock.now()))
            uow.commit()
        return binding


def _check_usable(uow: UnitOfWork, binding: CourseBinding) -> None:
    if uow.tenants.get(binding.tenant_id) is None:
        raise NotFound(f"tenant '{binding.tenant_id}' not found")
    taxonomy = uow.taxonomies.info(binding.tenant_id, binding.taxonomy_version)
    if taxonomy is None:
        raise VersionNotFound(f"taxonomy_version '{binding.taxonomy_version}' not found", field="taxonomy_version")
    if taxonomy.deprecated:
        raise VersionDeprecated(deprecated_message(binding.taxonomy_version))
    if uow.policies.info(binding.tenant_id, binding.policy_version) is None:
        raise VersionNotFound(f"policy_version '{binding.policy_version}' not found", field="policy_version")


def _versions(binding: CourseBinding) -> dict[str, str]:
    return {"taxonomy_version": binding.taxonomy_version, "policy_version": binding.policy_version}
