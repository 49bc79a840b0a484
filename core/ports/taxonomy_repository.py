from __future__ import annotations

from typing import Protocol

from core.domain.model import Taxonomy


class TaxonomyRepository(Protocol):
    """Versioned taxonomies; tenant_id None is a version shared by every tenant."""

    def get(self, tenant_id: str, version: str) -> Taxonomy | None: ...

    def add(self, tenant_id: str | None, taxonomy: Taxonomy) -> None: ...

    def list_versions(self, tenant_id: str) -> list[str]: ...
