"""The composition root (ADR 0023): one adapters container per runtime, one use-cases container.

`build_container(settings)` picks the adapters of `settings.runtime` (EmbeddedAdapters: SQLite
under var/, memory rate limiter, in-process broker and worker; FullAdapters: PostgreSQL, Redis
broker and rate limiter) and hands them to UseCases, the only container HTTP, the CLI and the
worker take their collaborators from. Tests build TestAdapters (tests/support/containers.py)
or override any provider (`container.adapters.primary_mapper.override(...)`).
"""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Callable
from operator import attrgetter
from typing import Any, TypeVar

from dependency_injector import containers, providers

from adapters.mappers.lexical_mapper import LexicalMapper
from adapters.solver.highs_assignment import HighsAssignmentSolver
from core.usecases.cases import EvaluateCase
from adapters.mappers.memory_mapping_cache import MemoryMappingCache
from adapters.mappers.redis_mapping_cache import RedisMappingCache
from adapters.mappers.tiered_mapping_cache import TieredMappingCache
from adapters.mappers.topic_matcher import LexicalTopicMatcher
from adapters.mappers.write_behind import WriteBehind
from adapters.metrics.observers import CountedItemProcessor, TimedMapper, timed
from adapters.metrics.prometheus_metrics import PrometheusMetrics
from adapters.persistence.audit_sequencer import AuditSequencer
from adapters.persistence.pg_key_cache import key_cache_for
from adapters.persistence.database import create_engine_for, read_session_factory, session_factory
from adapters.persistence.sqla_unit_of_work import SqlaUnitOfWorkFactory
from adapters.queue.dramatiq_queue import build_queue_runtime
from adapters.queue.webhook_queue import OutboxBell
from adapters.metrics.webhook_metrics import PrometheusWebhookMetrics
from adapters.webhooks.socket_resolver import SocketHostResolver
from core.usecases.webhooks import WebhookAdmin
from entrypoints.webhook_runtime import build_webhook_runtime, destination_check, webhook_sender
from adapters.rate_limits.leased_rate_limiter import LeasedRateLimiter
from adapters.rate_limits.memory_rate_limiter import MemoryRateLimiter
from adapters.rate_limits.redis_rate_limiter import RedisRateLimiter
from adapters.system import SystemClock, UuidGenerator, run_in_background
from core.ports.clock import Clock
from core.ports.host_resolver import HostResolver
from core.ports.id_generator import IdGenerator
from core.ports.mapping_cache import MappingCache
from core.ports.metrics import Metrics
from core.ports.rate_limiter import RateLimiter
from core.ports.unit_of_work import UnitOfWorkFactory
from core.usecases.audit import AuditTrail
from core.usecases.auth import Authenticate
from core.usecases.batch import BatchJobs, ProcessItem, Reconcile, SubmitBatch
from core.usecases.bindings import Bindings
from core.usecases.bootstrap import Seed
from core.usecases.curricula import Curricula
from core.usecases.case_jobs import RunCaseItem, SubmitCase
from core.usecases.evaluate import EvaluatePair
from core.usecases.keys import ApiKeyAdmin
from core.usecases.pareceres import Pareceres
from core.usecases.policies import Policies
from core.usecases.precedents import Precedents
from core.usecases.queue_ops import QueueOperations
from core.usecases.results import Results
from core.usecases.reviews import Reviews
from core.usecases.taxonomies import Taxonomies
from core.usecases.tenants import TenantAdmin
from entrypoints.mapper_chain import build_mapper_chain
from entrypoints.settings import EMBEDDED, FULL, Settings


T = TypeVar("T")

LOCAL_MAPPINGS = 512
"""Mappings an API process keeps next to the shared Redis cache (full runtime)."""


def build_mapping_cache(settings: Settings, metrics: Metrics | None = None) -> MappingCache:
    """Redis when REDIS_URL is set (shared by every process, with a small local copy), else memory."""
    if settings.redis.url:
        shared = RedisMappingCache.from_url(settings.redis.url, metrics=metrics)
        # New mappings reach Redis off the request path, pipelined (ADR 0005). The local copy
        # is small: an entry is ~8 KB and Redis holds them all (RSS budget: ADR 0041).
        return TieredMappingCache(MemoryMappingCache(max_entries=LOCAL_MAPPINGS, metrics=metrics), shared, WriteBehind(shared))
    return MemoryMappingCache(metrics=metrics)


def build_redis_rate_limiter(settings: Settings) -> RateLimiter:
    """Redis when REDIS_URL is set (one budget for every process), else memory."""
    limits = settings.rate_limits
    if settings.redis.url:
        # leased: most calls of a busy bucket cost no round trip (ADR 0033)
        return LeasedRateLimiter(RedisRateLimiter.from_url(settings.redis.url, limits.namespace, limits.redis_timeout_s))
    return MemoryRateLimiter()


def memory_rate_limiter(settings: Settings) -> RateLimiter:
    """One process: its own budgets."""
    return MemoryRateLimiter()


def in_process_broker(settings: Settings) -> str | None:
    """No broker URL: Dramatiq's in-process broker, worked by threads of this process."""
    return None


def redis_broker(settings: Settings) -> str | None:
    """The Redis broker when REDIS_URL is set (else in process)."""
    return settings.redis.url


def _built(build: Callable[[Settings], T], settings: Settings) -> T:
    return build(settings)


class Adapters(containers.DeclarativeContainer):
    """The ports' implementations; a runtime's container changes only what differs."""

    settings = providers.Dependency(instance_of=Settings)

    clock: providers.Provider[Clock] = providers.Singleton(SystemClock)
    ids: providers.Provider[IdGenerator] = providers.Singleton(UuidGenerator)
    run_later = providers.Object(run_in_background)

    engine = providers.Singleton(create_engine_for, settings.provided.database.url)
    sessions = providers.Singleton(session_factory, engine)
    read_sessions = providers.Singleton(read_session_factory, engine)
    # The outbox bell: a commit that wrote webhook deliveries hands them to the queue (ADR 0025).
    outbox_bell = providers.Singleton(OutboxBell)
    # Valid keys (and each tenant's webhook endpoints: ADR 0033) kept in process, emptied by
    # LISTEN/NOTIFY (ADR 0028); None on SQLite.
    key_cache = providers.Singleton(key_cache_for, engine, settings.provided.auth.key_cache_s)
    uow_factory: providers.Provider[UnitOfWorkFactory] = providers.Singleton(
        SqlaUnitOfWorkFactory, sessions, read_sessions, outbox_bell, key_cache
    )
    # Chains the decisions' pending audit events after commit (ADR 0022): started by serve and
    # worker on PostgreSQL; `audit verify` flushes it.
    audit_sequencer = providers.Singleton(AuditSequencer, engine)

    # Prometheus counters (ADR 0012); override with a fake to observe what is counted.
    metrics: providers.Provider[Metrics] = providers.Singleton(PrometheusMetrics)

    mapping_cache: providers.Provider[MappingCache] = providers.Singleton(build_mapping_cache, settings, metrics)
    lexical_mapper = providers.Singleton(LexicalMapper)
    mapper_chain = providers.Singleton(
        build_mapper_chain,
        settings.provided.mappers,
        lexical_mapper,
        mapping_cache,
        metrics,
        providers.Callable(lambda s: s.var_dir / "embeddings", settings),
    )
    primary_mapper = providers.Singleton(attrgetter("primary"), mapper_chain)
    fallback_mapper = providers.Singleton(attrgetter("fallback"), mapper_chain)
    topic_matcher = providers.Singleton(LexicalTopicMatcher)
    assignment_solver = providers.Singleton(HighsAssignmentSolver)  # cases (ADR 0019)

    # What a runtime chooses is *how* to build a port (an Object holding a function of the
    # settings); the wiring below stays here, so containers.copy rebinds it in every runtime.
    build_rate_limiter: providers.Provider[Callable[[Settings], RateLimiter]] = providers.Object(memory_rate_limiter)
    rate_limiter = providers.Singleton(_built, build_rate_limiter, settings)

    # Batch: Dramatiq on Redis (full runtime) or in process (embedded); nothing connects until used.
    # The broker's actor calls a use case (UseCases.item_processor): build_container wires it.
    broker_of: providers.Provider[Callable[[Settings], str | None]] = providers.Object(in_process_broker)
    broker_url = providers.Callable(_built, broker_of, settings)
    item_processor: providers.Dependency[Any] = providers.Dependency()
    queue_runtime = providers.Singleton(
        build_queue_runtime,
        broker_url,
        settings.provided.batch.namespace,
        settings.provided.batch.retry,
        item_processor,
        settings.provided.batch.redis_timeout_s,
    )
    job_queue = providers.Callable(attrgetter("job_queue"), queue_runtime)
    dead_letters = providers.Callable(attrgetter("dead_letters"), queue_runtime)

    # Webhooks (ADR 0025): the outbox dispatcher and the delivery actor on the batch's broker (in
    # process when embedded); building `webhook_runtime` connects the outbox bell. Destinations
    # are checked at registration and at every connection with this resolver (ADR 0049).
    host_resolver: providers.Provider[HostResolver] = providers.Singleton(SocketHostResolver)
    webhook_destinations = providers.Singleton(destination_check, settings.provided.webhooks, host_resolver)
    webhook_runtime = providers.Singleton(
        build_webhook_runtime,
        queue_runtime.provided.broker,
        uow_factory,
        providers.Singleton(webhook_sender, settings.provided.webhooks, host_resolver),
        clock,
        settings.provided.webhooks.policy,
        outbox_bell,
        providers.Singleton(PrometheusWebhookMetrics),
    )


# `containers.copy`: the subclass's providers replace the base's everywhere they are used
# (a plain subclass would leave queue_runtime pointing at the base's broker_url).
@containers.copy(Adapters)
class EmbeddedAdapters(Adapters):
    """One process: SQLite under var/, memory rate limiter, in-process broker and worker."""


@containers.copy(Adapters)
class FullAdapters(Adapters):
    """Web and worker processes sharing PostgreSQL and Redis (broker, rate limits, mapping cache)."""

    build_rate_limiter = providers.Object(build_redis_rate_limiter)
    broker_of = providers.Object(redis_broker)


class UseCases(containers.DeclarativeContainer):
    """Every use case, built from the adapters it is given (any runtime's, or the tests')."""

    adapters = providers.DependenciesContainer()

    # The mappers timed as `primary` and `fallback` (Factory: reset() after an override rebuilds them).
    evaluate_pair = providers.Singleton(
        EvaluatePair,
        adapters.uow_factory,
        providers.Factory(TimedMapper, adapters.primary_mapper, "primary", adapters.metrics),
        providers.Factory(timed, adapters.fallback_mapper, "fallback", adapters.metrics),
        adapters.clock,
        adapters.metrics,
        adapters.topic_matcher,
    )
    # Cases (POST /v1/cases, `equivalence case evaluate`): ADR 0027.
    evaluate_case = providers.Singleton(
        EvaluateCase, adapters.uow_factory, evaluate_pair, adapters.topic_matcher, adapters.assignment_solver,
        adapters.clock, adapters.ids,
    )
    # Keys and tenants: valid keys cached in process on PostgreSQL only while LISTEN/NOTIFY can
    # empty the cache (ADR 0028); last use is recorded off the request path; failure bursts are
    # counted per process (EQV_AUTH_BURST_*).
    authenticate = providers.Singleton(
        Authenticate,
        adapters.uow_factory,
        adapters.settings.provided.auth.api_key_pepper,
        adapters.clock,
        bursts=providers.Callable(lambda s: s.auth.failure_bursts(), adapters.settings),
        run_later=adapters.run_later,
        cache=adapters.key_cache,
    )
    api_key_admin = providers.Singleton(
        ApiKeyAdmin, adapters.uow_factory, adapters.settings.provided.auth.api_key_pepper, adapters.clock, adapters.ids
    )
    tenant_admin = providers.Singleton(TenantAdmin, adapters.uow_factory, adapters.clock)
    seed = providers.Singleton(Seed, adapters.uow_factory, adapters.settings.provided.auth.api_key_pepper, adapters.clock, adapters.ids)

    process_item = providers.Singleton(
        ProcessItem, adapters.uow_factory, evaluate_pair, adapters.clock,
        cases=providers.Singleton(RunCaseItem, evaluate_case, adapters.uow_factory, adapters.clock),  # case jobs: ADR 0027
    )
    item_processor = providers.Factory(CountedItemProcessor, process_item, adapters.metrics)
    submit_case = providers.Singleton(SubmitCase, adapters.uow_factory, adapters.job_queue, adapters.clock, adapters.ids)
    submit_batch = providers.Singleton(
        SubmitBatch, adapters.uow_factory, adapters.job_queue, adapters.ids, adapters.clock,
        adapters.settings.provided.batch.max_items,
    )
    reconcile = providers.Singleton(
        Reconcile, adapters.uow_factory, adapters.job_queue, adapters.clock,
        adapters.settings.provided.batch.stale_after, broker=adapters.dead_letters,
    )
    queue_operations = providers.Singleton(
        QueueOperations, adapters.uow_factory, adapters.dead_letters, adapters.job_queue, adapters.clock
    )
    batch_jobs = providers.Singleton(BatchJobs, adapters.uow_factory)
    results = providers.Singleton(Results, adapters.uow_factory)

    # Catalog, curricula, reviews, audit: one service per area, a method per operation.
    taxonomies = providers.Singleton(Taxonomies, adapters.uow_factory, adapters.clock)
    policies = providers.Singleton(Policies, adapters.uow_factory, adapters.clock)
    bindings = providers.Singleton(Bindings, adapters.uow_factory, adapters.clock)
    curricula = providers.Singleton(Curricula, adapters.uow_factory, adapters.clock)
    reviews = providers.Singleton(Reviews, adapters.uow_factory, adapters.clock)
    audit_trail = providers.Singleton(AuditTrail, adapters.uow_factory)

    pareceres = providers.Singleton(Pareceres, adapters.uow_factory, adapters.clock)  # ADR 0026
    precedents = providers.Singleton(Precedents, adapters.uow_factory, adapters.clock)  # ADR 0024
    webhook_admin = providers.Singleton(
        WebhookAdmin, adapters.uow_factory, adapters.clock, adapters.ids, adapters.webhook_destinations
    )
    webhook_deliveries = providers.Callable(attrgetter("deliveries"), adapters.webhook_runtime)


RUNTIMES: dict[str, type[Adapters]] = {EMBEDDED: EmbeddedAdapters, FULL: FullAdapters}


@dataclass(frozen=True)
class Container:
    """What build_container returns: the settings, the runtime's adapters, the use cases."""

    settings: Settings
    adapters: Adapters
    use_cases: UseCases


def build_container(settings: Settings, adapters: type[Adapters] | None = None) -> Container:
    """The container of `settings`, and of nothing else (the environment is read by load_settings).
    `adapters`: another runtime's container (tests: TestAdapters), else the one of settings.runtime."""
    runtime_adapters = (adapters or RUNTIMES[settings.runtime])(settings=settings)
    use_cases = UseCases(adapters=runtime_adapters)
    runtime_adapters.item_processor.override(use_cases.item_processor)
    return Container(settings, runtime_adapters, use_cases)
