"""Hand-written fakes of the ports in `core/ports/`: in memory, recording what happened.

A `FakeStore` holds the committed state. Each `FakeUnitOfWork` stages its writes (it reads
its own writes over committed data) and publishes them on `commit()`; leaving the `with`
block without committing discards them, like a rolled-back transaction.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from core.domain.audit import GENESIS_HASH, event_hash
from core.domain.catalog import ACTIVE, DEPRECATED, VersionInfo
from core.domain.audit_verify import ChainHead
from core.domain.errors import DuplicateResult, NotFound, TenantExists, VersionExists
from core.domain.model import ConceptMatch, Policy, Taxonomy
from core.domain.records import (
    ApiKeyRecord,
    AuditEvent,
    CourseBinding,
    Job,
    JobItem,
    JobStatus,
    StoredResult,
    Tenant,
)
from core.ports.concept_mapper import MapperError


@dataclass
class FakeStore:
    """The committed state every unit of work over it shares."""

    tenants: dict[str, Tenant] = field(default_factory=dict)
    api_keys: dict[str, ApiKeyRecord] = field(default_factory=dict)
    taxonomies: dict[tuple[str | None, str], Taxonomy] = field(default_factory=dict)
    policies: dict[tuple[str | None, str], Policy] = field(default_factory=dict)
    taxonomy_status: dict[tuple[str | None, str], str] = field(default_factory=dict)
    bindings: dict[tuple[str, str], CourseBinding] = field(default_factory=dict)
    results: dict[tuple[str, str], StoredResult] = field(default_factory=dict)
    audit: dict[tuple[str, int], AuditEvent] = field(default_factory=dict)
    audit_heads: dict[str, ChainHead] = field(default_factory=dict)
    jobs: dict[str, FakeJobEntry] = field(default_factory=dict)
    # Called with the result right before FakeResultRepository.add checks for a duplicate:
    # lets a test play a concurrent request that commits first.
    before_result_add: Callable[[StoredResult], None] | None = None


class _Staged:
    """A table seen through one unit of work: its own staged rows over the committed ones.

    A staged None is a deletion (a tombstone until commit)."""

    conflict: type[Exception] | None = None  # raised on commit if a staged key got committed meanwhile

    def __init__(self, committed: dict[Any, Any]) -> None:
        self._committed = committed
        self._staged: dict[Any, Any] = {}

    def _get(self, key: Any) -> Any:
        return self._staged[key] if key in self._staged else self._committed.get(key)

    def _rows(self) -> dict[Any, Any]:
        return {k: v for k, v in {**self._committed, **self._staged}.items() if v is not None}

    def check(self) -> None:
        """Called on every table before any publishes, so a commit is all or nothing."""
        taken = self._staged.keys() & self._committed.keys()
        if self.conflict is not None and taken:
            raise self.conflict(f"already committed: {sorted(taken)}")

    def publish(self) -> None:
        for key, value in self._staged.items():
            if value is None:
                self._committed.pop(key, None)
            else:
                self._committed[key] = value
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

    def add(self, result: StoredResult) -> None:
        if self._store.before_result_add is not None:
            self._store.before_result_add(result)
        if self._get((result.tenant_id, result.request_id)) is not None:
            raise DuplicateResult(f"result {result.request_id!r} already stored")
        self._staged[(result.tenant_id, result.request_id)] = copy.deepcopy(result)


class FakeAuditLog(_Staged):
    """Per-tenant hash chain: seq and hashes are assigned on append from the chain head, as
    the SQL log does (tests tamper with `FakeStore.audit` / `audit_heads` directly).

    The SQL log locks the chain head until commit; here a concurrent append is a commit error.
    """

    conflict = RuntimeError

    def __init__(self, store: FakeStore) -> None:
        super().__init__(store.audit)
        self._heads = _Staged(store.audit_heads)

    def append(self, event: AuditEvent) -> AuditEvent:
        head = self.head(event.tenant_id) or ChainHead(0, GENESIS_HASH)
        seq, prev_hash = head.last_seq + 1, head.last_hash
        link = event_hash(event, seq, prev_hash)
        chained = dataclasses.replace(event, seq=seq, prev_hash=prev_hash, hash=link)
        self._staged[(event.tenant_id, seq)] = chained
        self._heads._staged[event.tenant_id] = ChainHead(seq, link)
        return chained

    def list(
        self,
        tenant_id: str,
        limit: int = 100,
        after_seq: int = 0,
        event_type: str | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
    ) -> list[AuditEvent]:
        events = [
            e
            for (t, seq), e in self._rows().items()
            if t == tenant_id
            and seq > after_seq
            and event_type in (None, e.event_type)
            and (since is None or e.created_at >= since)
            and (until is None or e.created_at < until)
        ]
        return sorted(events, key=lambda e: e.seq)[:limit]

    def head(self, tenant_id: str) -> ChainHead | None:
        return self._heads._get(tenant_id)

    def chain_tenants(self) -> list[str]:
        return sorted({t for (t, _seq) in self._rows()} | set(self._heads._rows()))

    def publish(self) -> None:
        super().publish()
        self._heads.publish()

    def discard(self) -> None:
        super().discard()
        self._heads.discard()


@dataclass
class FakeJobEntry:
    """A job, its items, and when each item was last touched (the SQL lease column)."""

    job: Job
    items: list[JobItem]
    touched: list[dt.datetime]


_PENDING = (JobStatus.QUEUED, JobStatus.RUNNING)


class FakeJobRepository(_Staged):
    """Jobs with compare-and-set item transitions, as the SQL repository has them.

    A write copies the job's entry into this unit's staging, so a rollback forgets it."""

    def __init__(self, committed: dict[str, FakeJobEntry], results: dict[tuple[str, str], StoredResult]) -> None:
        super().__init__(committed)
        self._results = results  # committed results, which done items are read with

    def add(self, job: Job, items: list[JobItem]) -> None:
        self._staged[job.job_id] = FakeJobEntry(job, list(items), [job.created_at] * len(items))

    def get(self, tenant_id: str, job_id: str) -> Job | None:
        entry = self._get(job_id)
        return None if entry is None or entry.job.tenant_id != tenant_id else entry.job

    def tenant_of(self, job_id: str) -> str | None:
        entry = self._get(job_id)
        return None if entry is None else entry.job.tenant_id

    def count_items(self, job_id: str) -> dict[JobStatus, int]:
        counts: dict[JobStatus, int] = {}
        for item in self._get(job_id).items:
            counts[item.status] = counts.get(item.status, 0) + 1
        return counts

    def list_items_after(self, job_id: str, after_index: int, limit: int) -> list[JobItem]:
        entry = self._get(job_id)
        results = self._results_of(entry.job.tenant_id)
        page = [i for i in entry.items if i.index > after_index][:limit]
        return [
            dataclasses.replace(i, result=results[i.request_id].response) if i.status == JobStatus.DONE else i
            for i in page
        ]

    def claim_item(self, job_id: str, index: int, now: dt.datetime) -> JobItem | None:
        entry = self._get(job_id)
        if entry is None or not 0 <= index < len(entry.items) or entry.items[index].status not in _PENDING:
            return None
        item = entry.items[index]
        claimed = dataclasses.replace(item, status=JobStatus.RUNNING, attempts=item.attempts + 1)
        self._write_item(job_id, claimed, now)
        return claimed

    def finish_item(self, job_id: str, index: int, status: JobStatus, error: str | None, now: dt.datetime) -> bool:
        entry = self._get(job_id)
        if entry is None or entry.items[index].status not in _PENDING:
            return False
        self._write_item(job_id, dataclasses.replace(entry.items[index], status=status, error=error), now)
        return True

    def reset_item(self, job_id: str, index: int, now: dt.datetime) -> bool:
        entry = self._get(job_id)
        if entry is None or entry.items[index].status != JobStatus.FAILED:
            return False
        item = dataclasses.replace(entry.items[index], status=JobStatus.QUEUED, error=None, attempts=0)
        self._write_item(job_id, item, now)
        return True

    def mark_started(self, job_id: str, now: dt.datetime) -> None:
        entry = self._writable(job_id)
        if entry.job.started_at is None:
            entry.job = dataclasses.replace(entry.job, status=JobStatus.RUNNING, started_at=now)

    def mark_finished(self, job_id: str, status: JobStatus, done: int, failed: int, now: dt.datetime) -> None:
        entry = self._writable(job_id)
        if entry.job.finished_at is None:
            entry.job = dataclasses.replace(entry.job, status=status, done=done, failed=failed, finished_at=now)

    def reopen(self, job_id: str) -> None:
        entry = self._writable(job_id)
        entry.job = dataclasses.replace(entry.job, status=JobStatus.RUNNING, finished_at=None)

    def reclaim_stale_items(self, stale_before: dt.datetime, now: dt.datetime, limit: int) -> list[tuple[str, int]]:
        stale = [
            (touched, job_id, item.index)
            for job_id, entry in self._rows().items()
            for item, touched in zip(entry.items, entry.touched)
            if item.status in _PENDING and touched < stale_before
        ]
        keys = [(job_id, index) for _, job_id, index in sorted(stale)[:limit]]
        for job_id, index in keys:
            self._writable(job_id).touched[index] = now
        return keys

    def unsettled_jobs(self, limit: int) -> list[str]:
        return [
            job_id
            for job_id, entry in self._rows().items()
            if entry.job.finished_at is None and not any(i.status in _PENDING for i in entry.items)
        ][:limit]

    def backlog(self, tenant_id: str | None) -> dict[str, int]:
        unfinished = [
            e for e in self._rows().values()
            if e.job.finished_at is None and tenant_id in (None, e.job.tenant_id)
        ]
        counts = {"jobs": len(unfinished), **{f"items_{s.value}": 0 for s in JobStatus}}
        for entry in unfinished:
            for item in entry.items:
                counts[f"items_{item.status.value}"] += 1
        return counts

    def _writable(self, job_id: str) -> FakeJobEntry:
        if job_id not in self._staged:
            entry = self._committed[job_id]
            self._staged[job_id] = FakeJobEntry(entry.job, list(entry.items), list(entry.touched))
        return self._staged[job_id]

    def _write_item(self, job_id: str, item: JobItem, now: dt.datetime) -> None:
        entry = self._writable(job_id)
        entry.items[item.index] = item
        entry.touched[item.index] = now

    def _results_of(self, tenant_id: str) -> dict[str, StoredResult]:
        return {request_id: r for (t, request_id), r in self._results.items() if t == tenant_id}


class FakeJobQueue:
    """The JobQueue port: records every message; `down = True` makes enqueueing fail."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, int]] = []
        self.down = False

    def enqueue(self, job_id: str, index: int) -> None:
        if self.down:
            raise ConnectionError("queue unavailable")
        self.messages.append((job_id, index))

    def enqueue_many(self, job_id: str, indexes: Iterable[int]) -> None:
        for index in indexes:
            self.enqueue(job_id, index)

    def take_all(self) -> list[tuple[str, int]]:
        """Hand out every message sent so far (as a worker would), emptying the queue."""
        taken, self.messages = self.messages, []
        return taken


class FakeUnitOfWork:
    """Records `committed` and how many `commits`; a reading unit refuses to commit."""

    def __init__(self, store: FakeStore, read_only: bool = False) -> None:
        self.store = store
        self.read_only = read_only
        self.committed = False
        self.commits = 0
        self.tenants = FakeTenantRepository(store.tenants)
        self.api_keys = FakeApiKeyRepository(store.api_keys)
        self.taxonomies = FakeTaxonomyRepository(store.taxonomies, store.taxonomy_status)
        self.policies = FakePolicyRepository(store.policies, {})
        self.bindings = FakeCourseBindingRepository(store.bindings)
        self.results = FakeResultRepository(store)
        self.audit = FakeAuditLog(store)
        self.jobs = FakeJobRepository(store.jobs, store.results)

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


@dataclass
class RecordingMetrics:
    """The Metrics port in memory: every call, as a tuple, in order."""

    calls: list[tuple[Any, ...]] = field(default_factory=list)

    def decision(self, tenant_id: str, decision: str, degraded: bool) -> None:
        self.calls.append(("decision", tenant_id, decision, degraded))

    def mapper_call(self, mapper: str, seconds: float, failed: bool) -> None:
        self.calls.append(("mapper_call", mapper, failed))

    def cache_lookup(self, tier: str, hit: bool) -> None:
        self.calls.append(("cache_lookup", tier, hit))

    def cache_error(self, tier: str, operation: str) -> None:
        self.calls.append(("cache_error", tier, operation))

    def batch_item(self, outcome: str) -> None:
        self.calls.append(("batch_item", outcome))

    def of(self, kind: str) -> list[tuple[Any, ...]]:
        return [call[1:] for call in self.calls if call[0] == kind]
