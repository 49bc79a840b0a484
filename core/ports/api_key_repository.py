from __future__ import annotations

import datetime as dt
from typing import Protocol

from core.domain.records import ApiKeyRecord, Tenant


class ApiKeyRepository(Protocol):
    """API keys, found by their keyed hash; the plaintext is never stored."""

    def add(self, key: ApiKeyRecord) -> None: ...

    def get(self, key_id: str) -> ApiKeyRecord | None:
        """Any tenant's key by id: callers scope it to the caller's tenant."""

    def find_by_hash(self, key_hash: str) -> ApiKeyRecord | None: ...

    def find_with_tenant(self, key_hash: str) -> tuple[ApiKeyRecord, Tenant | None] | None:
        """The key by hash and its tenant (None if missing), in one read: authentication runs it
        on every request."""

    def find_by_prefix(self, prefix: str) -> list[ApiKeyRecord]:
        """Keys whose visible prefix is this (normally none or one)."""

    def list_for_tenant(self, tenant_id: str) -> list[ApiKeyRecord]: ...

    def revoke(self, tenant_id: str, key_id: str, at: dt.datetime) -> bool:
        """Revoke a key of this tenant; False if there is no such unrevoked key."""

    def touch(self, key_id: str, at: dt.datetime, stale_before: dt.datetime | None = None) -> None:
        """Set last_used_at = at; with stale_before, only if it was unset or older than that."""
