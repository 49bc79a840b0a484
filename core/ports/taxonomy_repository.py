from __future__ import annotations

from typing import Protocol

from core.domain.catalog import VersionInfo
from core.domain.model import Taxonomy


class TaxonomyRepository(Protocol):
    """Versioned taxonomies; tenant_id None is a version shared by every tenant.

    Content is immutable once added; only the status (active -> deprecated) changes.
    """

    def get(self, tenant_id: str, version: str) -> Taxonomy | None: ...

    def add(self, tenant_id: str | None, taxonomy: Taxonomy) -> None: ...

    def list_versions(self, tenant_id: str) -> list[str]: ...

    def info(self, tenant_id: str, version: str) -> VersionInfo | None:
        """The version a tenant sees by that name (its own or the shared one), without its nodes."""

    def infos(self, tenant_id: str) -> list[VersionInfo]:
        """Every version a tenant can see, oldest first."""

    def deprecate(self, tenant_id: str, version: str) -> None:
        """Mark the tenant's own version deprecated (one way: it never becomes active again)."""
