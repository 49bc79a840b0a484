"""Stored evaluation results, unique per (tenant, request_id), in SQL."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from adapters.persistence.sqla_models import EvaluationResultRow
from core.domain.errors import DuplicateResult
from core.domain.records import StoredResult


class SqlaResultRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, tenant_id: str, request_id: str) -> StoredResult | None:
        row = self._session.scalars(
            select(EvaluationResultRow).where(
                EvaluationResultRow.tenant_id == tenant_id, EvaluationResultRow.request_id == request_id
            )
        ).one_or_none()
        return None if row is None else _to_record(row)

    def add(self, result: StoredResult) -> None:
        """Insert now; raise DuplicateResult if (tenant, request_id) is already stored.

        The insert runs inside a SAVEPOINT, so on a duplicate only the savepoint is rolled
        back: the caller's transaction (and whatever it wrote before) stays usable.
        """
        row = EvaluationResultRow(
            tenant_id=result.tenant_id,
            request_id=result.request_id,
            payload_hash=result.payload_hash,
            decision=result.decision,
            score=result.score,
            response=json.dumps(result.response, ensure_ascii=False),
            created_at=result.created_at,
        )
        try:
            with self._session.begin_nested():
                self._session.add(row)
        except IntegrityError as exc:
            if self.get(result.tenant_id, result.request_id) is not None:
                raise DuplicateResult(f"result {result.request_id!r} already stored") from exc
            raise


def _to_record(row: EvaluationResultRow) -> StoredResult:
    return StoredResult(
        tenant_id=row.tenant_id,
        request_id=row.request_id,
        payload_hash=row.payload_hash,
        decision=row.decision,
        score=row.score,
        response=json.loads(row.response),
        created_at=row.created_at,
    )
