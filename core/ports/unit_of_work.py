from __future__ import annotations

from types import TracebackType
from typing import Protocol, runtime_checkable

from core.ports.precedent_repository import PrecedentRepository
from core.ports.case_repository import CaseRepository
from core.ports.repositories import (
    ApiKeyRepository,
    AuditLog,
    CourseBindingRepository,
    CurriculumRepository,
    JobRepository,
    PolicyRepository,
    ResultRepository,
    ReviewRepository,
    TaxonomyRepository,
    TenantRepository,
)
from core.ports.webhook_repository import WebhookRepository


class UnitOfWork(Protocol):
    """One transaction across the repositories: everything it wrote commits or nothing does."""

    # Read-only properties, not attributes: an adapter may hold a more specific repository
    # (a protocol attribute would be invariant and no adapter or fake could conform).
    @property
    def tenants(self) -> TenantRepository: ...

    @property
    def api_keys(self) -> ApiKeyRepository: ...

    @property
    def taxonomies(self) -> TaxonomyRepository: ...

    @property
    def policies(self) -> PolicyRepository: ...

    @property
    def bindings(self) -> CourseBindingRepository: ...

    @property
    def results(self) -> ResultRepository: ...

    @property
    def audit(self) -> AuditLog: ...

    @property
    def jobs(self) -> JobRepository: ...

    @property
    def curricula(self) -> CurriculumRepository: ...

    @property
    def reviews(self) -> ReviewRepository: ...

    @property
    def webhooks(self) -> WebhookRepository: ...

    @property
    def precedents(self) -> PrecedentRepository: ...  # ADR 0024

    @property
    def cases(self) -> CaseRepository: ...

    def __enter__(self) -> UnitOfWork: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


@runtime_checkable
class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork:
        """A unit of work for writes: one transaction, committed explicitly."""

    def reading(self) -> UnitOfWork:
        """A unit of work for reads only: each read sees committed data; never commit it."""
