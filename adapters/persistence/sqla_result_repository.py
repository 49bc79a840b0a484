"""Stored evaluation results, unique per (tenant, request_id), in SQL."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import msgspec

from sqlalchemy import Row, bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from adapters.persistence.sqla_models import EvaluationResultRow
from core.domain.errors import DuplicateResult
from core.domain.records import StoredResult


_COLUMNS = ("tenant_id", "request_id", "payload_hash", "decision", "score", "response", "created_at")
# Prebuilt Core statements: both run on every evaluation.
_TABLE = EvaluationResultRow.__table__
_BY_KEY = select(_TABLE).where(
    _TABLE.c.tenant_id == bindparam("tenant_id"), _TABLE.c.request_id == bindparam("request_id")
)
_INSERTS = {
    name: dialect_insert(_TABLE)
    .values({column: bindparam(column) for column in _COLUMNS})
    .on_conflict_do_nothing(index_elements=["tenant_id", "request_id"])
    .returning(_TABLE.c.id)
    for name, dialect_insert in (("postgresql", postgresql.insert), ("sqlite", sqlite.insert))
}


class SqlaResultRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, tenant_id: str, request_id: str) -> StoredResult | None:
        row = self._session.connection().execute(_BY_KEY, {"tenant_id": tenant_id, "request_id": request_id}).first()
        return None if row is None else _to_record(row)

    def payload_hashes(self, tenant_id: str, request_ids: Sequence[str]) -> dict[str, str]:
        if not request_ids:
            return {}
        rows = self._session.connection().execute(
            select(_TABLE.c.request_id, _TABLE.c.payload_hash).where(
                _TABLE.c.tenant_id == tenant_id, _TABLE.c.request_id.in_(list(request_ids))
            )
        )
        return {request_id: payload_hash for request_id, payload_hash in rows}

    def add(self, result: StoredResult) -> None:
        """Insert now; raise DuplicateResult if (tenant, request_id) is already stored.

        INSERT ... ON CONFLICT DO NOTHING: a duplicate inserts nothing and raises, and the
        caller's transaction (and whatever it wrote before) stays usable. A concurrent
        insert of the same key makes this one wait for it and then see the conflict.
        """
        connection = self._session.connection()
        if connection.execute(_INSERTS[connection.dialect.name], _values(result)).first() is None:
            raise DuplicateResult(f"result {result.request_id!r} already stored")

    def add_many(self, results: Sequence[StoredResult]) -> None:
        """One multi-row INSERT ... ON CONFLICT DO NOTHING RETURNING (SQLAlchemy's insertmanyvalues):
        fewer rows returned than sent means one was already stored."""
        if not results:
            return
        connection = self._session.connection()
        inserted = connection.execute(_INSERTS[connection.dialect.name], [_values(r) for r in results]).all()
        if len(inserted) != len(results):
            raise DuplicateResult(f"{len(results) - len(inserted)} of {len(results)} results already stored")


def _values(result: StoredResult) -> dict[str, Any]:
    return {
        "tenant_id": result.tenant_id,
        "request_id": result.request_id,
        "payload_hash": result.payload_hash,
        "decision": result.decision,
        "score": result.score,
        "response": msgspec.json.encode(result.response).decode(),  # msgspec: ~10x json.dumps (issue 16)
        "created_at": result.created_at,
    }


def _to_record(row: EvaluationResultRow | Row[Any]) -> StoredResult:
    return StoredResult(
        tenant_id=row.tenant_id,
        request_id=row.request_id,
        payload_hash=row.payload_hash,
        decision=row.decision,
        score=row.score,
        response=json.loads(row.response),
        created_at=row.created_at,
    )
