"""Fake repositories of tenants, keys, versions, bindings and results."""

from __future__ import annotations

import copy
from collections.abc import Sequence
import dataclasses
import datetime as dt
from typing import TYPE_CHECKING, Any

from core.domain.catalog import ACTIVE, DEPRECATED, VersionInfo
from core.domain.errors import DuplicateResult, NotFound, TenantExists, VersionExists
from core.domain.model import Taxonomy
from core.domain.records import (
    ApiKeyRecord,
    CourseBinding,
    StoredResult,
    Tenant,
)
from tests.fakes._staged import _Staged

if TYPE_CHECKING:
    from tests.fakes.unit_of_work import FakeStore


class FakeTenantRepository(_Staged):
    def get(self, tenant_id: str) -> Tenant | None:
        return self._get(tenant_id)

    def current(self, tenant_id: str) -> Tenant | None:  # no process cache in the fakes
        return self._get(tenant_id)

    def add(self, tenant: Tenant) -> None:
        if self._get(tenant.tenant_id) is not None:
            raise TenantExists(f"tenant '{tenant.tenant_id}' already exists")
        self._staged[tenant.tenant_id] = tenant

    def set_defaults(self, tenant_id: str, taxonomy_version: str | None, policy_version: str | None) -> None:
        tenant = self._get(tenant_id)
        if tenant is None:
            raise NotFound(f"tenant {tenant_id!r}")
        self._staged[tenant_id] = dataclasses.replace(
            tenant, default_taxonomy_version=taxonomy_version, default_policy_version=policy_version
        )

    def set_active(self, tenant_id: str, active: bool) -> None:
        tenant = self._get(tenant_id)
        if tenant is None:
            raise NotFound(f"tenant {tenant_id!r}")
        self._staged[tenant_id] = dataclasses.replace(tenant, active=active)

    def set_policy_overrides(self, tenant_id: str, allowed: bool) -> None:
        tenant = self._get(tenant_id)
        if tenant is None:
            raise NotFound(f"tenant {tenant_id!r}")
        self._staged[tenant_id] = dataclasses.replace(tenant, allow_policy_overrides=allowed)

    def list_all(self) -> list[Tenant]:
        return [tenant for _, tenant in sorted(self._rows().items())]


class FakeApiKeyRepository(_Staged):
    def __init__(self, committed: dict[Any, Any], tenants: FakeTenantRepository | None = None) -> None:
        super().__init__(committed)
        self._tenants = tenants

    def find_with_tenant(self, key_hash: str) -> tuple[ApiKeyRecord, Tenant | None] | None:
        key = self.find_by_hash(key_hash)
        if key is None:
            return None
        return key, None if self._tenants is None else self._tenants.get(key.tenant_id)

    def add(self, key: ApiKeyRecord) -> None:
        self._staged[key.key_id] = key

    def get(self, key_id: str) -> ApiKeyRecord | None:
        return self._get(key_id)

    def find_by_hash(self, key_hash: str) -> ApiKeyRecord | None:
        return next((k for k in self._rows().values() if k.key_hash == key_hash), None)

    def find_by_prefix(self, prefix: str) -> list[ApiKeyRecord]:
        return sorted((k for k in self._rows().values() if k.prefix == prefix), key=lambda k: k.key_id)

    def revoke(self, tenant_id: str, key_id: str, at: dt.datetime) -> bool:
        key = self._get(key_id)
        if key is None or key.tenant_id != tenant_id or key.revoked_at is not None:
            return False
        self._staged[key_id] = dataclasses.replace(key, revoked_at=at)
        return True

    def touch(self, key_id: str, at: dt.datetime, stale_before: dt.datetime | None = None) -> None:
        key = self._get(key_id)
        last = None if key is None else key.last_used_at
        if key is not None and (stale_before is None or last is None or last < stale_before):
            self._staged[key_id] = dataclasses.replace(key, last_used_at=at)

    def list_for_tenant(self, tenant_id: str) -> list[ApiKeyRecord]:
        keys = [k for k in self._rows().values() if k.tenant_id == tenant_id]
        return sorted(keys, key=lambda k: (k.created_at, k.key_id))


class _FakeVersions(_Staged):
    """Versioned documents: a tenant sees its own and the shared (None) ones; a name never
    means two things to one tenant (as in adapters/persistence/_versions.py)."""

    kind = "version"
    epoch = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)

    def __init__(self, committed: dict[Any, Any], statuses: dict[Any, str]) -> None:
        super().__init__(committed)
        self._statuses = _Staged(statuses)

    def publish(self) -> None:
        super().publish()
        self._statuses.publish()

    def discard(self) -> None:
        super().discard()
        self._statuses.discard()

    def get(self, tenant_id: str, version: str) -> Any:
        own = self._get((tenant_id, version))
        return own if own is not None else self._get((None, version))

    def info(self, tenant_id: str, version: str) -> VersionInfo | None:
        key = (tenant_id, version) if self._get((tenant_id, version)) is not None else (None, version)
        return self._info(key) if self._get(key) is not None else None

    def infos(self, tenant_id: str) -> list[VersionInfo]:
        return [self._info(key) for key in self._rows() if key[0] in (tenant_id, None)]

    def deprecate(self, tenant_id: str, version: str) -> None:
        self._statuses._staged[(tenant_id, version)] = DEPRECATED

    def _info(self, key: tuple[str | None, str]) -> VersionInfo:
        """created_at is the insertion order, one second apart (the fakes have no clock)."""
        document = self._get(key)
        position = list(self._rows()).index(key)
        concepts = len(document.nodes) if isinstance(document, Taxonomy) else None
        status = self._statuses._get(key) or ACTIVE
        return VersionInfo(key[1], key[0] is None, status, self.epoch + dt.timedelta(seconds=position), concepts)

    def add(self, tenant_id: str | None, document: Any) -> None:
        owners = {t for (t, v) in self._rows() if v == document.version}
        if owners & {tenant_id, None} or (tenant_id is None and owners):
            raise VersionExists(f"{self.kind} version {document.version!r} already exists")
        self._staged[(tenant_id, document.version)] = document

    def list_versions(self, tenant_id: str) -> list[str]:
        names = [v for (t, v) in self._rows() if t in (tenant_id, None)]
        return list(dict.fromkeys(names))


class FakeTaxonomyRepository(_FakeVersions):
    kind = "taxonomy"


class FakePolicyRepository(_FakeVersions):
    kind = "policy"


class FakeCourseBindingRepository(_Staged):
    def get(self, tenant_id: str, course_id: str) -> CourseBinding | None:
        return self._get((tenant_id, course_id))

    def put(self, binding: CourseBinding) -> None:
        self._staged[(binding.tenant_id, binding.course_id)] = binding

    def list_for_tenant(self, tenant_id: str) -> list[CourseBinding]:
        return sorted((b for (t, _), b in self._rows().items() if t == tenant_id), key=lambda b: b.course_id)

    def delete(self, tenant_id: str, course_id: str) -> bool:
        if self._get((tenant_id, course_id)) is None:
            return False
        self._staged[(tenant_id, course_id)] = None
        return True


class FakeResultRepository(_Staged):
    """Unique per (tenant, request_id), checked on add and again on commit. Stores copies."""

    conflict = DuplicateResult

    def __init__(self, store: FakeStore) -> None:
        super().__init__(store.results)
        self._store = store

    def get(self, tenant_id: str, request_id: str) -> StoredResult | None:
        return copy.deepcopy(self._get((tenant_id, request_id)))

    def payload_hashes(self, tenant_id: str, request_ids: Sequence[str]) -> dict[str, str]:
        self._store.payload_hash_queries += 1
        found = (self._get((tenant_id, request_id)) for request_id in request_ids)
        return {r.request_id: r.payload_hash for r in found if r is not None}

    def add(self, result: StoredResult) -> None:
        if self._store.before_result_add is not None:
            self._store.before_result_add(result)
        if self._get((result.tenant_id, result.request_id)) is not None:
            raise DuplicateResult(f"result {result.request_id!r} already stored")
        self._staged[(result.tenant_id, result.request_id)] = copy.deepcopy(result)

    def add_many(self, results: Sequence[StoredResult]) -> None:
        for result in results:
            self.add(result)


