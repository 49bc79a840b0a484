"""ASGI entry point: `uvicorn --factory entrypoints.asgi:create_app` (used by `equivalence serve`)."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from typing import Any

from litestar import Litestar, Request, Response
from sqlalchemy import text
from sqlalchemy.exc import DataError, DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from adapters.http.app import HttpDependencies, create_app as create_http_app
from adapters.http.body_guard import BodyLimits
from adapters.http.dto import ErrorBody
from adapters.http.errors import unexpected_error
from adapters.mappers.redis_mapping_cache import RedisMappingCache
from adapters.mappers.tiered_mapping_cache import TieredMappingCache
from adapters.mappers.warm_gate import MappersWarmingUp
from adapters.metrics.exposition import process_exiting
from adapters.persistence.write_probe import WriteProbe
from adapters.queue.dramatiq_queue import WorkerRunner
from core.domain.model import Taxonomy
from core.usecases.bootstrap import DEFAULT_TENANT
from entrypoints.container import Container, build_container
from entrypoints.logging_config import configure_logging
from entrypoints.metrics_runtime import MetricsSettings, web_metrics
from entrypoints.settings import env_number


def database_unavailable(request: Request[Any, Any, Any], exc: Exception) -> Response[ErrorBody]:
    """PostgreSQL/SQLite down: a clear 503 the caller can retry, never a crash."""
    request.logger.warning("database unavailable: %s", type(exc).__name__)
    return Response(
        ErrorBody(503, "Database unavailable; retry shortly"), status_code=503, headers={"Retry-After": "5"}
    )


def mappers_warming_up(request: Request[Any, Any, Any], exc: Exception) -> Response[ErrorBody]:
    """An evaluation before the mappers are warm: refused, never stored degraded (ADR 0014)."""
    return Response(
        ErrorBody(503, f"Mappers warming up ({exc}); retry shortly"), status_code=503, headers={"Retry-After": "5"}
    )


def database_error(request: Request[Any, Any, Any], exc: DBAPIError) -> Response[ErrorBody]:
    """A driver error: 503 only when the connection is the problem; anything else is not."""
    if isinstance(exc, (OperationalError, InterfaceError)) or exc.connection_invalidated:
        return database_unavailable(request, exc)
    if isinstance(exc, DataError):
        return invalid_data(request, exc)
    return unexpected_error(request, exc)


def invalid_data(request: Request[Any, Any, Any], exc: DataError) -> Response[ErrorBody]:
    """The database refused a value (NUL, invalid encoding, too long): the caller's input, a 422.

    The edge refuses such values first; this is the net. The driver's first line names the
    problem, never the value (the statement and its parameters stay out of the answer)."""
    reason = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else type(exc.orig).__name__
    error = {"field": "body", "message": f"the database refused a value: {reason}", "source": "body"}
    return Response(ErrorBody(422, "Validation failed", [error]), status_code=422)


DATABASE_ERROR_HANDLERS: dict[Any, Any] = {DBAPIError: database_error, PoolTimeout: database_unavailable}


def readiness_check(container: Container) -> Callable[[], dict[str, str]]:
    """Database (answers, and takes a write: see WriteProbe), Redis when configured, and the
    mappers' warm-up: what /ready reports, naming the one that failed."""
    write_probe = WriteProbe(container.engine(), env_number(dict(os.environ), "EQV_READY_WRITE_PROBE_S", 30.0, float))

    def check() -> dict[str, str]:
        checks: dict[str, str] = container.mapper_chain().readiness()
        try:
            with container.engine().connect() as connection:
                connection.execute(text("SELECT 1"))
            checks["database"] = write_probe()
        except Exception as exc:  # noqa: BLE001 - any failure means not ready
            checks["database"] = f"error: {type(exc).__name__}"
        cache = container.mapping_cache()
        if isinstance(cache, TieredMappingCache) and isinstance(cache.shared, RedisMappingCache):
            checks["redis"] = "ok" if cache.shared.ping() else "error: unreachable"
        return checks

    return check


def in_process_worker(container: Container) -> WorkerRunner | None:
    """Without a Redis broker, messages live in this process: run their worker here too.

    On start it re-enqueues every unfinished item stored before this process began (the
    in-process queue of a previous run is gone), then reconciles on a timer."""
    runtime = container.queue_runtime()
    if not runtime.in_process:
        return None
    batch, reconcile, started = container.batch_settings(), container.reconcile(), container.clock().now()
    return WorkerRunner(
        runtime.broker,
        batch.worker_threads,
        reconcile,
        batch.reconcile_interval_s,
        recover_on_start=lambda: reconcile(stale_before=started),
    )


def default_taxonomy(container: Container) -> Taxonomy | None:
    """The default tenant's current taxonomy, to warm the mappers' indexes at start."""
    with container.uow_factory().reading() as uow:
        tenant = uow.tenants.get(DEFAULT_TENANT)
        if tenant is None or not tenant.default_taxonomy_version:
            return None
        return uow.taxonomies.get(DEFAULT_TENANT, tenant.default_taxonomy_version)


def create_app(container: Container | None = None, debug: bool = False) -> Litestar:
    configure_logging()
    container = container or build_container()
    check = readiness_check(container)
    worker = in_process_worker(container)
    limits = container.rate_limit_settings()
    metrics, close_metrics = web_metrics(container, MetricsSettings.from_env())
    deps = HttpDependencies(
        evaluate_pair=lambda: container.evaluate_pair(),
        authenticate=lambda: container.authenticate(),
        uow_factory=lambda: container.uow_factory(),
        readiness=lambda: check,
        submit_batch=lambda: container.submit_batch(),
        queue_operations=lambda: container.queue_operations(),
        rate_limiter=(lambda: container.rate_limiter()) if limits.enabled else None,
        rate_limit_policy=limits.policy,
        clock=lambda: container.clock(),
        api_key_admin=lambda: container.api_key_admin(),
        evaluate_case=lambda: container.evaluate_case(),
        submit_case=lambda: container.submit_case(),
        on_startup=[
            lambda: container.topic_matcher().warm(),
            lambda: container.mapper_chain().warm_in_background(lambda: default_taxonomy(container)),
            *([lambda: worker.start()] if worker else []),
        ],
        on_shutdown=[
            *([lambda: worker.stop()] if worker else []),
            lambda: container.mapper_chain().close(),
            lambda: container.queue_runtime().close(),
            lambda: container.engine().dispose(),
            close_metrics,
            process_exiting,
        ],
        worker_threads=container.settings().http_threads,
        extra_exception_handlers={**DATABASE_ERROR_HANDLERS, MappersWarmingUp: mappers_warming_up},
        body_limits=BodyLimits.for_batch_items(container.batch_settings().max_items),
        metrics=metrics,
        console_idle=dt.timedelta(minutes=env_number(dict(os.environ), "EQV_CONSOLE_IDLE_MINUTES", 30.0, float)),
    )
    return create_http_app(deps, debug=debug)
