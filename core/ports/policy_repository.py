from __future__ import annotations

from typing import Protocol

from core.domain.catalog import VersionInfo
from core.domain.model import Policy


class PolicyRepository(Protocol):
    """Versioned decision policies; tenant_id None is shared by every tenant. Immutable once added."""

    def get(self, tenant_id: str, version: str) -> Policy | None: ...

    def add(self, tenant_id: str | None, policy: Policy) -> None: ...

    def list_versions(self, tenant_id: str) -> list[str]: ...

    def info(self, tenant_id: str, version: str) -> VersionInfo | None:
        """The version a tenant sees by that name (its own or the shared one)."""

    def infos(self, tenant_id: str) -> list[VersionInfo]:
        """Every version a tenant can see, oldest first."""
