from __future__ import annotations

from typing import Protocol

from core.domain.records import ApiKeyRecord


class ApiKeyRepository(Protocol):
    """API keys, found by their keyed hash; the plaintext is never stored."""

    def add(self, key: ApiKeyRecord) -> None: ...

    def find_by_hash(self, key_hash: str) -> ApiKeyRecord | None: ...

    def list_for_tenant(self, tenant_id: str) -> list[ApiKeyRecord]: ...
