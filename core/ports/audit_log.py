from __future__ import annotations

from typing import Protocol

from core.domain.records import AuditEvent


class AuditLog(Protocol):
    """Append-only audit trail, hash-chained per tenant."""

    def append(self, event: AuditEvent) -> AuditEvent: ...

    def list(self, tenant_id: str, limit: int = 100, after_seq: int = 0) -> list[AuditEvent]: ...
