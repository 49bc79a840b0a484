"""One SQL transaction across every repository: the UnitOfWork port over a Session."""

from __future__ import annotations

from types import TracebackType
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from adapters.persistence.sqla_api_key_repository import SqlaApiKeyRepository
from adapters.persistence.sqla_audit_log import SqlaAuditLog
from adapters.persistence.sqla_case_repository import SqlaCaseRepository
from adapters.persistence.sqla_course_binding_repository import SqlaCourseBindingRepository
from adapters.persistence.sqla_curriculum_repository import SqlaCurriculumRepository
from adapters.persistence.sqla_job_repository import SqlaJobRepository
from adapters.persistence.sqla_precedent_repository import SqlaPrecedentRepository
from adapters.persistence.sqla_policy_repository import SqlaPolicyRepository
from adapters.persistence.sqla_result_repository import SqlaResultRepository
from adapters.persistence.sqla_review_repository import SqlaReviewRepository
from adapters.persistence.sqla_taxonomy_repository import SqlaTaxonomyRepository
from adapters.persistence.sqla_tenant_repository import SqlaTenantRepository, TenantCache
from adapters.persistence.sqla_webhook_repository import EndpointCache, OnCommit, SqlaWebhookRepository


class ProcessCache(EndpointCache, TenantCache, Protocol):
    """What a process keeps of the database between units of work, emptied on every change of
    keys, tenants or webhook endpoints (pg_key_cache.ListeningKeyCache; None on SQLite)."""


class SqlaUnitOfWork:
    """`with uow: ...; uow.commit()` — leaving the block without commit rolls everything back.

    Not reentrant and not shared between threads: make one per use case call.
    """

    tenants: SqlaTenantRepository
    api_keys: SqlaApiKeyRepository
    taxonomies: SqlaTaxonomyRepository
    policies: SqlaPolicyRepository
    bindings: SqlaCourseBindingRepository
    results: SqlaResultRepository
    audit: SqlaAuditLog
    jobs: SqlaJobRepository
    curricula: SqlaCurriculumRepository
    reviews: SqlaReviewRepository
    webhooks: SqlaWebhookRepository
    precedents: SqlaPrecedentRepository  # ADR 0024
    cases: SqlaCaseRepository

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        on_outbox_commit: OnCommit | None = None,
        cache: ProcessCache | None = None,
    ) -> None:
        self._session_factory = session_factory
        self._on_outbox_commit = on_outbox_commit  # told the delivery ids a commit wrote (ADR 0025)
        self._cache = cache  # a tenant's record and webhook endpoints kept in process (ADR 0028, 0033)
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("unit of work used outside its `with` block")
        return self._session

    def __enter__(self) -> SqlaUnitOfWork:
        if self._session is not None:
            raise RuntimeError("unit of work is already open")
        session = self._session = self._session_factory()
        self.tenants = SqlaTenantRepository(session, self._cache)
        self.api_keys = SqlaApiKeyRepository(session)
        self.taxonomies = SqlaTaxonomyRepository(session)
        self.policies = SqlaPolicyRepository(session)
        self.bindings = SqlaCourseBindingRepository(session)
        self.results = SqlaResultRepository(session)
        self.audit = SqlaAuditLog(session)
        self.jobs = SqlaJobRepository(session)
        self.curricula = SqlaCurriculumRepository(session)
        self.reviews = SqlaReviewRepository(session)
        self.webhooks = SqlaWebhookRepository(session, self._on_outbox_commit, self._cache)
        self.precedents = SqlaPrecedentRepository(session)  # ADR 0024
        self.cases = SqlaCaseRepository(session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session, self._session = self.session, None
        try:
            session.rollback()  # a no-op after commit(); otherwise discards everything uncommitted
        finally:
            session.close()

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()


class SqlaUnitOfWorkFactory:
    """The UnitOfWorkFactory port: `factory()` gives a fresh, unopened SqlaUnitOfWork."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        read_session_factory: sessionmaker[Session] | None = None,
        on_outbox_commit: OnCommit | None = None,
        cache: ProcessCache | None = None,
    ) -> None:
        self._session_factory = session_factory
        self._read_session_factory = read_session_factory or session_factory
        self._on_outbox_commit = on_outbox_commit
        self._cache = cache

    def __call__(self) -> SqlaUnitOfWork:
        return SqlaUnitOfWork(self._session_factory, self._on_outbox_commit, self._cache)

    def reading(self) -> SqlaUnitOfWork:
        """Reads in autocommit where the database allows it: no BEGIN/ROLLBACK round trips."""
        return SqlaUnitOfWork(self._read_session_factory, None, self._cache)
