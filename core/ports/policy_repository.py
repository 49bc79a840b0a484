from __future__ import annotations

from typing import Protocol

from core.domain.model import Policy


class PolicyRepository(Protocol):
    """Versioned decision policies; tenant_id None is shared by every tenant."""

    def get(self, tenant_id: str, version: str) -> Policy | None: ...

    def add(self, tenant_id: str | None, policy: Policy) -> None: ...

    def list_versions(self, tenant_id: str) -> list[str]: ...
