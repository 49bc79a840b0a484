"""API keys by keyed hash, in SQL; the plaintext never reaches this module."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Row, bindparam, or_, select, update
from sqlalchemy.orm import Session

from adapters.persistence.sqla_models import ApiKeyRow, TenantRow
from adapters.persistence.sqla_tenant_repository import tenant_record
from core.domain.records import ApiKeyRecord, Role, Tenant


# Runs on every authenticated request: a prebuilt Core statement, not an ORM load.
_BY_HASH = select(ApiKeyRow.__table__).where(ApiKeyRow.__table__.c.key_hash == bindparam("key_hash"))
# Authentication's one read: the key and its tenant (the tenant's columns prefixed `t_`).
_KEYS, _TENANTS = ApiKeyRow.__table__, TenantRow.__table__
_WITH_TENANT = (
    select(_KEYS, *(c.label(f"t_{c.name}") for c in _TENANTS.c))
    .select_from(_KEYS.outerjoin(_TENANTS, _TENANTS.c.tenant_id == _KEYS.c.tenant_id))
    .where(_KEYS.c.key_hash == bindparam("key_hash"))
)
# Runs on failed authentications only (the prefix column has no index: keys are few).
_BY_PREFIX = (
    select(ApiKeyRow.__table__)
    .where(ApiKeyRow.__table__.c.prefix == bindparam("prefix"))
    .order_by(ApiKeyRow.__table__.c.key_id)
)


class SqlaApiKeyRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, key: ApiKeyRecord) -> None:
        self._session.add(
            ApiKeyRow(
                key_id=key.key_id,
                tenant_id=key.tenant_id,
                prefix=key.prefix,
                key_hash=key.key_hash,
                role=key.role.value,
                name=key.name,
                created_at=key.created_at,
                revoked_at=key.revoked_at,
                last_used_at=key.last_used_at,
            )
        )
        self._session.flush()

    def find_by_hash(self, key_hash: str) -> ApiKeyRecord | None:
        row = self._session.connection().execute(_BY_HASH, {"key_hash": key_hash}).first()
        return None if row is None else _to_record(row)

    def find_with_tenant(self, key_hash: str) -> tuple[ApiKeyRecord, Tenant | None] | None:
        row = self._session.connection().execute(_WITH_TENANT, {"key_hash": key_hash}).first()
        if row is None:
            return None
        mapping = row._mapping
        tenant = None
        if mapping["t_tenant_id"] is not None:
            tenant = tenant_record({c.name: mapping[f"t_{c.name}"] for c in _TENANTS.c})
        return _to_record(row), tenant

    def find_by_prefix(self, prefix: str) -> list[ApiKeyRecord]:
        rows = self._session.connection().execute(_BY_PREFIX, {"prefix": prefix})
        return [_to_record(row) for row in rows]

    def get(self, key_id: str) -> ApiKeyRecord | None:
        """Any tenant's key: the use case checks it belongs to the caller's tenant."""
        row = self._session.get(ApiKeyRow, key_id)
        return None if row is None else _to_record(row)

    def list_for_tenant(self, tenant_id: str) -> list[ApiKeyRecord]:
        rows = self._session.scalars(
            select(ApiKeyRow).where(ApiKeyRow.tenant_id == tenant_id).order_by(ApiKeyRow.created_at, ApiKeyRow.key_id)
        )
        return [_to_record(row) for row in rows]

    def revoke(self, tenant_id: str, key_id: str, at: dt.datetime) -> bool:
        """Revoke a key of this tenant; False if there is no such unrevoked key."""
        changed = self._session.execute(
            update(ApiKeyRow)
            .where(ApiKeyRow.key_id == key_id, ApiKeyRow.tenant_id == tenant_id, ApiKeyRow.revoked_at.is_(None))
            .values(revoked_at=at)
            .execution_options(synchronize_session="fetch")
        )
        return bool(changed.rowcount)  # type: ignore[attr-defined]

    def touch(self, key_id: str, at: dt.datetime, stale_before: dt.datetime | None = None) -> None:
        """Record when a key was last used; with stale_before, only over an older (or no) value,
        so processes racing to record the same minute write once."""
        statement = update(ApiKeyRow).where(ApiKeyRow.key_id == key_id)
        if stale_before is not None:
            column = ApiKeyRow.last_used_at
            statement = statement.where(or_(column.is_(None), column < stale_before))
        self._session.execute(statement.values(last_used_at=at).execution_options(synchronize_session=False))


def _to_record(row: ApiKeyRow | Row[Any]) -> ApiKeyRecord:
    return ApiKeyRecord(
        key_id=row.key_id,
        tenant_id=row.tenant_id,
        prefix=row.prefix,
        key_hash=row.key_hash,
        role=Role(row.role),
        name=row.name,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
        last_used_at=row.last_used_at,
    )
