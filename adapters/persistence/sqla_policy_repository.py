"""Versioned decision policies, in SQL (the whole Policy as one JSON document)."""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy.orm import Session

from adapters.persistence._versions import (
    stored_tenant,
    version_taken,
    visible_rows,
    visible_version,
    visible_versions,
)
from adapters.persistence.sqla_models import SHARED_TENANT, PolicyVersionRow
from core.domain.catalog import ACTIVE, VersionInfo
from core.domain.errors import VersionExists
from core.domain.model import Policy, Weights

_POLICY_FIELDS = {f.name for f in dataclasses.fields(Policy)} - {"version", "weights"}
_WEIGHT_FIELDS = {f.name for f in dataclasses.fields(Weights)}


class SqlaPolicyRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, tenant_id: str, version: str) -> Policy | None:
        """The tenant's own version if it has one by that name, else the shared one."""
        row = self._session.scalars(visible_version(PolicyVersionRow, tenant_id, version)).first()
        return None if row is None else policy_from_document(row.version, row.document)

    def add(self, tenant_id: str | None, policy: Policy) -> None:
        """Store a new version (tenant_id None: shared). Raises VersionExists if the name is taken."""
        if version_taken(self._session, PolicyVersionRow, tenant_id, policy.version):
            raise VersionExists(f"policy version {policy.version!r} already exists")
        self._session.add(
            PolicyVersionRow(
                tenant_id=stored_tenant(tenant_id), version=policy.version, document=dataclasses.asdict(policy)
            )
        )
        self._session.flush()

    def list_versions(self, tenant_id: str) -> list[str]:
        """The tenant's own and the shared versions, oldest first."""
        return visible_versions(self._session, PolicyVersionRow, tenant_id)

    def info(self, tenant_id: str, version: str) -> VersionInfo | None:
        row = self._session.scalars(visible_version(PolicyVersionRow, tenant_id, version)).first()
        return None if row is None else _to_info(row)

    def infos(self, tenant_id: str) -> list[VersionInfo]:
        """Every version the tenant sees, oldest first (its own wins a name clash left by old data)."""
        entries: dict[str, VersionInfo] = {}
        for row in self._session.scalars(visible_rows(PolicyVersionRow, tenant_id)):
            if row.version not in entries or row.tenant_id != SHARED_TENANT:
                entries[row.version] = _to_info(row)
        return list(entries.values())


def _to_info(row: PolicyVersionRow) -> VersionInfo:
    return VersionInfo(row.version, row.tenant_id == SHARED_TENANT, ACTIVE, row.created_at)


def policy_from_document(version: str, document: dict[str, Any]) -> Policy:
    """A Policy from its stored document; unknown keys are ignored, missing ones take defaults."""
    fields = {k: v for k, v in document.items() if k in _POLICY_FIELDS}
    weights = {k: v for k, v in (document.get("weights") or {}).items() if k in _WEIGHT_FIELDS}
    return Policy(version=version, weights=Weights(**weights), **fields)
