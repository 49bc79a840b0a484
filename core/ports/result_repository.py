from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from core.domain.records import StoredResult


class ResultRepository(Protocol):
    """Stored evaluation results, unique per (tenant, request_id)."""

    def get(self, tenant_id: str, request_id: str) -> StoredResult | None: ...

    def payload_hashes(self, tenant_id: str, request_ids: Sequence[str]) -> dict[str, str]:
        """payload_hash by request_id of those among `request_ids` already stored (one query)."""

    def add(self, result: StoredResult) -> None:
        """Raise DuplicateResult if (tenant, request_id) is already stored (at commit at the latest)."""

    def add_many(self, results: Sequence[StoredResult]) -> None:
        """`add` for several results in one statement (a case's pairs): raise DuplicateResult if any
        (tenant, request_id) is already stored; the caller's transaction must then be rolled back."""
