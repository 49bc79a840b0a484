"""The fake store, unit of work and its factory."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from core.domain.audit_verify import ChainHead, PendingEvents
from core.domain.model import Policy, Taxonomy
from core.domain.records import (
    ApiKeyRecord,
    AuditEvent,
    CourseBinding,
    StoredResult,
    Tenant,
)
from tests.fakes._staged import _Staged
from tests.fakes.audit import FakeAuditLog
from tests.fakes.cases import FakeCaseRepository
from tests.fakes.curricula import FakeCurriculumRepository
from tests.fakes.jobs import FakeJobEntry, FakeJobRepository
from tests.fakes.reviews import FakeReviewRepository
from tests.fakes.webhooks import FakeWebhookRepository
from tests.fakes.precedents import FakePrecedentRepository  # precedents (ADR 0024)
from tests.fakes.repositories import (
    FakeApiKeyRepository,
    FakeCourseBindingRepository,
    FakePolicyRepository,
    FakeResultRepository,
    FakeTaxonomyRepository,
    FakeTenantRepository,
)


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
    # Events a test declares recorded but not chained yet (the SQL sequencer's backlog, ADR 0022).
    audit_pending: dict[str, PendingEvents] = field(default_factory=dict)
    jobs: dict[str, FakeJobEntry] = field(default_factory=dict)
    curricula: dict[tuple[str, ...], object] = field(default_factory=dict)
    reviews: dict[tuple[str, str], object] = field(default_factory=dict)
    webhooks: dict[tuple[str, ...], object] = field(default_factory=dict)
    precedents: dict[tuple[str, str], object] = field(default_factory=dict)  # precedents (ADR 0024)
    precedent_pairs: dict[tuple[str, str], object] = field(default_factory=dict)
    precedent_imports: dict[tuple[str, str], object] = field(default_factory=dict)
    cases: dict[tuple[str, str], object] = field(default_factory=dict)
    # Called with the result right before FakeResultRepository.add checks for a duplicate:
    # lets a test play a concurrent request that commits first.
    before_result_add: Callable[[StoredResult], None] | None = None
    payload_hash_queries: int = 0  # FakeResultRepository.payload_hashes calls (a batch checks in one)



class FakeUnitOfWork:
    """Records `committed` and how many `commits`; a reading unit refuses to commit."""

    def __init__(self, store: FakeStore, read_only: bool = False) -> None:
        self.store = store
        self.read_only = read_only
        self.committed = False
        self.commits = 0
        self.tenants = FakeTenantRepository(store.tenants)
        self.api_keys = FakeApiKeyRepository(store.api_keys, self.tenants)
        self.taxonomies = FakeTaxonomyRepository(store.taxonomies, store.taxonomy_status)
        self.policies = FakePolicyRepository(store.policies, {})
        self.bindings = FakeCourseBindingRepository(store.bindings)
        self.results = FakeResultRepository(store)
        self.audit = FakeAuditLog(store)
        self.jobs = FakeJobRepository(store.jobs, store.results)
        self.curricula = FakeCurriculumRepository(store.curricula)
        self.reviews = FakeReviewRepository(store.reviews)
        self.webhooks = FakeWebhookRepository(store.webhooks)
        self.precedents = FakePrecedentRepository(store.precedents, store.precedent_pairs, store.precedent_imports)  # ADR 0024
        self.cases = FakeCaseRepository(store.cases)

    @property
    def _tables(self) -> tuple[_Staged, ...]:
        return (self.tenants, self.api_keys, self.taxonomies, self.policies,
                self.bindings, self.results, self.audit, self.jobs, self.curricula, self.reviews,
                self.webhooks, self.precedents, self.cases)

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


