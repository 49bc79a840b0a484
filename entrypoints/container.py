"""The composition root: one container, wired per runtime from Settings.

Embedded: SQLite under var/, in-memory mapping cache. Full: PostgreSQL, Redis.
Tests override any provider (`container.primary_mapper.override(...)`).
"""

from __future__ import annotations

from operator import attrgetter

from dependency_injector import containers, providers

from adapters.mappers.lexical_mapper import LexicalMapper
from adapters.mappers.topic_matcher import LexicalTopicMatcher
from adapters.solver.highs_assignment import HighsAssignmentSolver
from core.usecases.cases import EvaluateCase
from adapters.mappers.memory_mapping_cache import MemoryMappingCache
from adapters.mappers.redis_mapping_cache import RedisMappingCache
from adapters.mappers.tiered_mapping_cache import TieredMappingCache
from adapters.mappers.write_behind import WriteBehind
from adapters.metrics.observers import CountedItemProcessor, TimedMapper, timed
from adapters.metrics.prometheus_metrics import PrometheusMetrics
from adapters.persistence.database import create_engine_for, read_session_factory, session_factory
from adapters.persistence.sqla_unit_of_work import SqlaUnitOfWorkFactory
from adapters.queue.dramatiq_queue import build_queue_runtime
from adapters.rate_limits.memory_rate_limiter import MemoryRateLimiter
from adapters.rate_limits.redis_rate_limiter import RedisRateLimiter
from adapters.system import SystemClock, UuidGenerator, run_in_background
from core.ports.mapping_cache import MappingCache
from core.ports.rate_limiter import RateLimiter
from core.ports.metrics import Metrics
from core.usecases.auth import Authenticate
from core.usecases.batch import ProcessItem, Reconcile, SubmitBatch
from core.usecases.case_jobs import RunCaseItem, SubmitCase
from core.usecases.evaluate import EvaluatePair
from core.usecases.keys import ApiKeyAdmin
from core.usecases.queue_ops import QueueOperations
from core.usecases.tenants import TenantAdmin
from entrypoints.auth_settings import AuthSettings
from entrypoints.batch_settings import BatchSettings, broker_url
from entrypoints.mapper_chain import build_mapper_chain
from entrypoints.rate_limit_settings import RateLimitSettings
from entrypoints.settings import Settings


def build_mapping_cache(settings: Settings, metrics: Metrics | None = None) -> MappingCache:
    """Redis when REDIS_URL is set (shared by every process, with a small local copy), else memory."""
    if settings.redis_url:
        shared = RedisMappingCache.from_url(settings.redis_url, metrics=metrics)
        # New mappings reach Redis off the request path, pipelined (ADR 0005)
        return TieredMappingCache(MemoryMappingCache(max_entries=2_000, metrics=metrics), shared, WriteBehind(shared))
    return MemoryMappingCache(metrics=metrics)


def build_rate_limiter(settings: Settings, limits: RateLimitSettings) -> RateLimiter:
    """Redis in the full runtime when REDIS_URL is set (one budget for every process), else memory."""
    if settings.redis_url and not settings.embedded:
        return RedisRateLimiter.from_url(settings.redis_url, limits.namespace, limits.redis_timeout_s)
    return MemoryRateLimiter()


class Container(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)

    clock = providers.Singleton(SystemClock)
    ids = providers.Singleton(UuidGenerator)

    engine = providers.Singleton(create_engine_for, settings.provided.database_url)
    sessions = providers.Singleton(session_factory, engine)
    read_sessions = providers.Singleton(read_session_factory, engine)
    uow_factory = providers.Singleton(SqlaUnitOfWorkFactory, sessions, read_sessions)

    # Prometheus counters (ADR 0012); override with a fake to observe what is counted.
    metrics = providers.Singleton(PrometheusMetrics)

    mapping_cache = providers.Singleton(build_mapping_cache, settings, metrics)
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

    # The mappers timed as `primary` and `fallback` (Factory: reset() after an override rebuilds them).
    evaluate_pair = providers.Singleton(
        EvaluatePair,
        uow_factory,
        providers.Factory(TimedMapper, primary_mapper, "primary", metrics),
        providers.Factory(timed, fallback_mapper, "fallback", metrics),
        clock,
        metrics,
        topic_matcher,
    )
    # Cases (POST /v1/cases, `equivalence case evaluate`): ADR 0027.
    evaluate_case = providers.Singleton(
        EvaluateCase, uow_factory, evaluate_pair, topic_matcher, providers.Singleton(HighsAssignmentSolver), clock, ids
    )
    # Keys and tenants: no positive caching (a revoke is seen by the next request); last use is
    # recorded off the request path; failure bursts are counted per process (EQV_AUTH_BURST_*).
    auth_settings = providers.Singleton(AuthSettings.from_env)
    failure_bursts = providers.Singleton(lambda s: s.failure_bursts(), auth_settings)
    authenticate = providers.Singleton(
        Authenticate,
        uow_factory,
        settings.provided.api_key_pepper,
        clock,
        bursts=failure_bursts,
        run_later=providers.Object(run_in_background),
    )
    api_key_admin = providers.Singleton(ApiKeyAdmin, uow_factory, settings.provided.api_key_pepper, clock, ids)
    tenant_admin = providers.Singleton(TenantAdmin, uow_factory, clock)
    rate_limit_settings = providers.Singleton(RateLimitSettings.from_env)
    rate_limiter = providers.Singleton(build_rate_limiter, settings, rate_limit_settings)

    # Batch: Dramatiq on Redis (full runtime) or in process (embedded); nothing connects until used.
    batch_settings = providers.Singleton(BatchSettings.from_env)
    process_item = providers.Singleton(
        ProcessItem, uow_factory, evaluate_pair, clock,
        cases=providers.Singleton(RunCaseItem, evaluate_case, uow_factory, clock),  # case jobs: ADR 0027
    )
    queue_runtime = providers.Singleton(
        build_queue_runtime,
        providers.Callable(broker_url, settings),
        batch_settings.provided.namespace,
        batch_settings.provided.retry,
        providers.Factory(CountedItemProcessor, process_item, metrics),
        batch_settings.provided.redis_timeout_s,
    )
    job_queue = providers.Callable(lambda runtime: runtime.job_queue, queue_runtime)
    submit_batch = providers.Singleton(
        SubmitBatch, uow_factory, job_queue, ids, clock, batch_settings.provided.max_items
    )
    submit_case = providers.Singleton(SubmitCase, uow_factory, job_queue, clock, ids)  # case jobs: ADR 0027
    reconcile = providers.Singleton(
        Reconcile, uow_factory, job_queue, clock, batch_settings.provided.stale_after,
        broker=queue_runtime.provided.dead_letters,
    )
    queue_operations = providers.Singleton(
        QueueOperations, uow_factory, queue_runtime.provided.dead_letters, job_queue, clock
    )


def build_container(settings: Settings | None = None) -> Container:
    return Container(settings=settings or Settings.from_env())
