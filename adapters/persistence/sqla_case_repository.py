"""Cases in SQL: one row each, the answer as JSON (JSONB on PostgreSQL)."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from adapters.persistence.sqla_models import CaseRow
from core.domain.cases.stored import StoredCase
from core.domain.errors import DuplicateResult

_TABLE = CaseRow.__table__


class SqlaCaseRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, case: StoredCase) -> None:
        values = {
            "tenant_id": case.tenant_id,
            "case_id": case.case_id,
            "created_at": case.created_at,
            "status": case.status,
            "payload_sha256": case.payload_sha256,
            "student_sha256": case.student_sha256,
            "document": case.document,
        }
        try:
            with self._session.begin_nested():
                self._session.execute(_TABLE.insert().values(**values))
        except IntegrityError as exc:
            raise DuplicateResult(f"case {case.case_id!r} already stored") from exc

    def get(self, tenant_id: str, case_id: str) -> StoredCase | None:
        row = self._session.get(CaseRow, (tenant_id, case_id))
        if row is None:
            return None
        return StoredCase(
            row.tenant_id, row.case_id, row.created_at, row.status, row.payload_sha256, row.student_sha256, dict(row.document)
        )
