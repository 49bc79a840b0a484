from __future__ import annotations

from typing import Protocol

from core.domain.curriculum import Curriculum, CurriculumInfo


class CurriculumRepository(Protocol):
    """Curriculum versions of one tenant each (never shared); content immutable once added.

    Only the status changes (active -> deprecated, one way) and the tenant's default pointer.
    """

    def add(self, tenant_id: str, curriculum: Curriculum) -> None:
        """Raises VersionExists if the tenant already has a version by that name."""

    def get(self, tenant_id: str, version: str) -> Curriculum | None: ...

    def info(self, tenant_id: str, version: str) -> CurriculumInfo | None: ...

    def infos(self, tenant_id: str) -> list[CurriculumInfo]:
        """Every version of the tenant, oldest first."""

    def deprecate(self, tenant_id: str, version: str) -> None: ...

    def default(self, tenant_id: str) -> str | None:
        """The version the tenant activated last, if any."""

    def set_default(self, tenant_id: str, version: str) -> None: ...
