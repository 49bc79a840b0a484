"""Hand-written fakes of the ports in `core/ports/`: in memory, recording what happened.

A `FakeStore` holds the committed state. Each `FakeUnitOfWork` stages its writes (it reads
its own writes over committed data) and publishes them on `commit()`; leaving the `with`
block without committing discards them, like a rolled-back transaction.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from core.domain.audit import GENESIS_HASH, event_hash
from core.domain.errors import DuplicateResult, NotFound, TenantExists, VersionExists
from core.domain.model import ConceptMatch, Policy, Taxonomy
from core.domain.records import ApiKeyRecord, AuditEvent, CourseBinding, Job, JobItem, StoredResult, Tenant
from core.ports.concept_mapper import MapperError


@dataclass
class FakeStore:
    """The committed state every unit of work over it shares."""

    tenants: dict[str, Tenant] = field(default_factory=dict)
    api_keys: dict[str, ApiKeyRecord] = field(default_factory=dict)
    taxonomies: dict[tuple[str | None, str], Taxonomy] = field(default_factory=dict)
    policies: dict[tuple[str | None, str], Policy] = field(default_factory=dict)
    bindings: dict[tuple[str, str], CourseBinding] = field(default_factory=dict)
    results: dict[tuple[str, str], StoredResult] = field(default_factory=dict)
    audit: dict[tuple[str, int], AuditEvent] = field(default_factory=dict)
    jobs: dict[str, tuple[Job, list[JobItem]]] = field(default_factory=dict)
    # Called with the result right before FakeResultRepository.add checks for a duplicate:
    # lets a test play a concurrent request that commits first.
    before_result_add: Callable[[StoredResult], None] | None = None


class _Staged:
    """A table seen through one unit of work: its own staged rows over the committed ones."""

    conflict: type[Exception] | None = None  # raised on commit if a staged key got committed meanwhile

    def __init__(self, committed: dict[Any, Any]) -> None:
        self._committed = committed
        self._staged: dict[Any, Any] = {}

    def _get(self, key: Any) -> Any:
        return self._staged[key] if key in self._staged else self._committed.get(key)

    def _rows(self) -> dict[Any, Any]:
        return {**self._committed, **self._staged}

    def check(self) -> None:
        """Called on every table before any publishes, so a commit is all or nothing."""
        taken = self._staged.keys() & self._committed.keys()
        if self.conflict is not None and taken:
            raise self.conflict(f"already committed: {sorted(taken)}")

    def publish(self) -> None:
        self._committed.update(self._staged)
        self._staged.clear()

    def discard(self) -> None:
        self._staged.clear()


class FakeTenantRepository(_Staged):
    def get(self, tenant_id: str) -> Tenant | None:
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

    def list(self) -> list[Tenant]:
        return [tenant for _, tenant in sorted(self._rows().items())]


class FakeApiKeyRepository(_Staged):
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

    def get(self, tenant_id: str, version: str) -> Any:
        own = self._get((tenant_id, version))
        return own if own is not None else self._get((None, version))

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


class FakeResultRepository(_Staged):
    """Unique per (tenant, request_id), checked on add and again on commit. Stores copies."""

    conflict = DuplicateResult

    def __init__(self, store: FakeStore) -> None:
        super().__init__(store.results)
        self._store = store

    def get(self, tenant_id: str, request_id: str) -> StoredResult | None:
        return copy.deepcopy(self._get((tenant_id, request_id)))

    def add(self, result: StoredResult) -> None:
        if self._store.before_result_add is not None:
            self._store.before_result_add(result)
        if self._get((result.tenant_id, result.request_id)) is not None:
            raise DuplicateResult(f"result {result.request_id!r} already stored")
        self._staged[(result.tenant_id, result.request_id)] = copy.deepcopy(result)


class FakeAuditLog(_Staged):
    """Per-tenant hash chain: seq and hashes are assigned on append, as the SQL log does.

    The SQL log locks the chain head until commit; here a concurrent append is a commit error.
    """

    conflict = RuntimeError

    def append(self, event: AuditEvent) -> AuditEvent:
        seq, prev_hash = self._head(event.tenant_id)
        seq += 1
        link = event_hash(event, seq, prev_hash)
        chained = dataclasses.replace(event, seq=seq, prev_hash=prev_hash, hash=link)
        self._staged[(event.tenant_id, seq)] = chained
        return chained

    def list(self, tenant_id: str, limit: int = 100, after_seq: int = 0) -> list[AuditEvent]:
        events = [e for (t, seq), e in self._rows().items() if t == tenant_id and seq > after_seq]
        return sorted(events, key=lambda e: e.seq)[:limit]

    def _head(self, tenant_id: str) -> tuple[int, str]:
        events = self.list(tenant_id, limit=10**9)
        return (events[-1].seq, events[-1].hash) if events else (0, GENESIS_HASH)


class FakeJobRepository(_Staged):
    def add(self, job: Job, items: list[JobItem]) -> None:
        self._staged[job.job_id] = (job, list(items))

    def get(self, tenant_id: str, job_id: str) -> Job | None:
        entry = self._get(job_id)
        return None if entry is None or entry[0].tenant_id != tenant_id else entry[0]


class FakeUnitOfWork:
    """Records `committed` and how many `commits`; a reading unit refuses to commit."""

    def __init__(self, store: FakeStore, read_only: bool = False) -> None:
        self.store = store
        self.read_only = read_only
        self.committed = False
        self.commits = 0
        self.tenants = FakeTenantRepository(store.tenants)
        self.api_keys = FakeApiKeyRepository(store.api_keys)
        self.taxonomies = FakeTaxonomyRepository(store.taxonomies)
        self.policies = FakePolicyRepository(store.policies)
        self.bindings = FakeCourseBindingRepository(store.bindings)
        self.results = FakeResultRepository(store)
        self.audit = FakeAuditLog(store.audit)
        self.jobs = FakeJobRepository(store.jobs)

    @property
    def _tables(self) -> tuple[_Staged, ...]:
        return (self.tenants, self.api_keys, self.taxonomies, self.policies,
                self.bindings, self.results, self.audit, self.jobs)

    def __enter__(self) -> FakeUnitOfWork:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.rollback()  # a no-op after commit()

    def commit(self) -> None:
        if self.read_only:
            raise AssertionError("a reading unit of work must never be committed")
        for table in self._tables:
            table.check()
        for table in self._tables:
            table.publish()
        self.committed = True
        self.commits += 1

    def rollback(self) -> None:
        for table in self._tables:
            table.discard()


class FakeUnitOfWorkFactory:
    """The UnitOfWorkFactory port over one shared FakeStore; remembers every unit it made."""

    def __init__(self, store: FakeStore | None = None) -> None:
        self.store = store or FakeStore()
        self.units: list[FakeUnitOfWork] = []

    def __call__(self) -> FakeUnitOfWork:
        return self._open(read_only=False)

    def reading(self) -> FakeUnitOfWork:
        return self._open(read_only=True)

    @property
    def commits(self) -> int:
        return sum(u.commits for u in self.units)

    def _open(self, read_only: bool) -> FakeUnitOfWork:
        self.units.append(FakeUnitOfWork(self.store, read_only))
        return self.units[-1]


@dataclass
class FixedClock:
    """`current` is what now() answers (set it freely); monotonic() advances `step` per call."""

    current: dt.datetime = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.timezone.utc)
    step: float = 0.001
    ticks: int = 0

    def now(self) -> dt.datetime:
        return self.current

    def monotonic(self) -> float:
        self.ticks += 1
        return self.ticks * self.step


@dataclass
class SequentialIds:
    prefix: str = "id-"
    issued: int = 0

    def new_id(self) -> str:
        self.issued += 1
        return f"{self.prefix}{self.issued}"


@dataclass
class StaticMapper:
    """Answers a fixed mapping per text (nothing for an unknown text) and counts its calls."""

    answers: dict[str, tuple[ConceptMatch, ...]]
    version: str = "static-1"
    calls: int = 0

    def map(self, text: str, taxonomy: Taxonomy) -> tuple[ConceptMatch, ...]:
        self.calls += 1
        return self.answers.get(text, ())


@dataclass
class FailingMapper:
    """Always raises MapperError, and counts how often it was asked."""

    version: str = "failing-1"
    calls: int = 0

    def map(self, text: str, taxonomy: Taxonomy) -> tuple[ConceptMatch, ...]:
        self.calls += 1
        raise MapperError("mapper unavailable")
