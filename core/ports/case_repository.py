from __future__ import annotations

from typing import Protocol

from core.domain.cases.stored import StoredCase


class CaseRepository(Protocol):
    """Cases of one tenant each (POST /v1/cases); the document is written once, when decided."""

    def add(self, case: StoredCase) -> None:
        """Raises DuplicateResult if the tenant already has a case by that id."""

    def get(self, tenant_id: str, case_id: str) -> StoredCase | None: ...
