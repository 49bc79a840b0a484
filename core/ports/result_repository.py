from __future__ import annotations

from typing import Protocol

from core.domain.records import StoredResult


class ResultRepository(Protocol):
    """Stored evaluation results, unique per (tenant, request_id)."""

    def get(self, tenant_id: str, request_id: str) -> StoredResult | None: ...

    def add(self, result: StoredResult) -> None:
        """Raise DuplicateResult if (tenant, request_id) is already stored (at commit at the latest)."""
