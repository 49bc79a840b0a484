"""Fake case repository: one staged table keyed by (tenant, case_id); stores copies."""

from __future__ import annotations

import copy

from core.domain.cases.stored import StoredCase
from core.domain.errors import DuplicateResult
from tests.fakes._staged import _Staged


class FakeCaseRepository(_Staged):
    conflict = DuplicateResult

    def add(self, case: StoredCase) -> None:
        if self._get((case.tenant_id, case.case_id)) is not None:
            raise DuplicateResult(f"case {case.case_id!r} already stored")
        self._staged[(case.tenant_id, case.case_id)] = copy.deepcopy(case)

    def get(self, tenant_id: str, case_id: str) -> StoredCase | None:
        return copy.deepcopy(self._get((tenant_id, case_id)))
