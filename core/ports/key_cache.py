from __future__ import annotations

from typing import Protocol

from core.domain.records import ApiKeyRecord, Tenant

Verified = tuple[ApiKeyRecord, Tenant]


class KeyCache(Protocol):
    """Keys that were valid a moment ago, with their tenant, kept in process (ADR 0028).

    An adapter must forget every entry as soon as it learns that a key or a tenant changed, and
    must answer nothing (`generation` None) while it cannot learn it; entries also expire after
    a short bound. Only valid keys are kept: a refused key is always read again."""

    def generation(self) -> int | None:
        """The current invalidation count, or None when the cache must not be used now."""

    def get(self, key_hash: str) -> Verified | None: ...

    def put(self, key_hash: str, generation: int, verified: Verified) -> None:
        """Keep the entry unless something was invalidated since `generation` was taken."""
