from __future__ import annotations

from types import TracebackType
from typing import Protocol, runtime_checkable

from core.ports.repositories import (
    ApiKeyRepository,
    AuditLog,
    CourseBindingRepository,
    CurriculumRepository,
    JobRepository,
    PolicyRepository,
    ResultRepository,
    TaxonomyRepository,
    TenantRepository,
)


class UnitOfWork(Protocol):
    """One transaction across the repositories: everything it wrote commits or nothing does."""

    tenants: TenantRepository
    api_keys: ApiKeyRepository
    taxonomies: TaxonomyRepository
    policies: PolicyRepository
    bindings: CourseBindingRepository
    results: ResultRepository
    audit: AuditLog
    jobs: JobRepository
    curricula: CurriculumRepository

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
