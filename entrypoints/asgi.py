"""ASGI entry points: `uvicorn --factory entrypoints.asgi:serve_app` is what each API process of
`equivalence serve` runs; `create_app` builds the same app without freezing the process's
start-up heap (tests build many apps in one process: entrypoints/heap.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar import Litestar
from sqlalchemy import text

from adapters.http.app import Serving, create_app as create_http_app
from adapters.http.body_guard import BodyLimits
from adapters.http.slow_clients import HeaderTimeoutProtocol
from adapters.mappers.redis_mapping_cache import RedisMappingCache
from adapters.mappers.tiered_mapping_cache import TieredMappingCache
from adapters.metrics.exposition import process_exiting
from adapters.persistence.write_probe import WriteProbe
from adapters.queue.dramatiq_queue import WorkerRunner
from adapters.queue.webhook_queue import sweep_quietly
from core.domain.model import Taxonomy
from core.usecases.bootstrap import DEFAULT_TENANT
from entrypoints.container import Container, build_container
from entrypoints.heap import freeze_start_up_heap
from entrypoints.logging_config import configure_logging
from entrypoints.metrics_runtime import web_metrics
from entrypoints.settings import load_settings


def readiness_check(container: Container) -> Callable[[], dict[str, str]]:
    """Database (answers, and takes a write: see WriteProbe), Redis when configured, and the
    mappers' warm-up: what /ready reports, naming the one that failed."""
    write_probe = WriteProbe(container.adapters.engine(), container.settings.database.ready_write_probe_s)

    def check() -> dict[str, str]:
        checks: dict[str, str] = container.adapters.mapper_chain().readiness()
        try:
            with container.adapters.engine().connect() as connection:
                connection.execute(text("SELECT 1"))
            checks["database"] = write_probe()
        except Exception as exc:  # noqa: BLE001 - any failure means not ready
            checks["database"] = f"error: {type(exc).__name__}"
        cache = container.adapters.mapping_cache()
        if isinstance(cache, TieredMappingCache) and isinstance(cache.shared, RedisMappingCache):
            checks["redis"] = "ok" if cache.shared.ping() else "error: unreachable"
        return checks

    return check


def in_process_worker(container: Container) -> WorkerRunner | None:
    """Without a Redis broker, messages live in this process: run their worker here too.

    On start it re-enqueues every unfinished item stored before this process began (the
    in-process queue of a previous run is gone), then reconciles on a timer."""
    runtime = container.adapters.queue_runtime()
    if not runtime.in_process:
        return None
    batch, reconcile, started = container.settings.batch, container.use_cases.reconcile(), container.adapters.clock().now()
    sweep = sweep_quietly(container.adapters.webhook_runtime().dispatcher.sweep)  # ADR 0025: the outbox sweep
    return WorkerRunner(
        runtime.broker,
        batch.worker_threads,
        lambda: sweep() + reconcile(),
        batch.reconcile_interval_s,
        recover_on_start=lambda: sweep() + reconcile(stale_before=started),
    )


def default_taxonomy(container: Container) -> Taxonomy | None:
    """The default tenant's current taxonomy, to warm the mappers' indexes at start."""
    with container.adapters.uow_factory().reading() as uow:
        tenant = uow.tenants.get(DEFAULT_TENANT)
        if tenant is None or not tenant.default_taxonomy_version:
            return None
        return uow.taxonomies.get(DEFAULT_TENANT, tenant.default_taxonomy_version)


def start_key_cache(container: Container) -> None:
    """Start the key cache's listener (ADR 0028); without it every request reads keys and endpoints."""
    cache = container.adapters.key_cache()
    if cache is not None:
        cache.start()


def stop_key_cache(container: Container) -> None:
    cache = container.adapters.key_cache()
    if cache is not None:
        cache.stop()


def serve_app() -> Litestar:
    """The app of one API process of `equivalence serve`: once the mappers are warm, its start-up
    heap is frozen, out of every later garbage collection (ADR 0044)."""
    return create_app(freeze_heap=True)


def create_app(container: Container | None = None, debug: bool = False, freeze_heap: bool = False) -> Litestar:
    container = container or build_container(load_settings())
    settings = container.settings
    configure_logging(settings.http.log_level)
    HeaderTimeoutProtocol.header_timeout_s = settings.http.header_timeout_s  # uvicorn builds it in this process
    check = readiness_check(container)
    worker = in_process_worker(container)
    container.adapters.webhook_runtime()  # connects the outbox bell: deliveries enqueued after commit
    limits = settings.rate_limits
    metrics, close_metrics = web_metrics(container)
    authenticate = container.use_cases.authenticate()
    serving = Serving(
        authenticate=authenticate,
        known_principal=authenticate.cached,  # keys in the key cache: no worker thread (issue 16)
        rate_limits=(container.adapters.rate_limiter(), limits.policy) if limits.enabled else None,
        on_startup=[
            lambda: container.adapters.topic_matcher().warm(),
            lambda: container.adapters.mapper_chain().warm_in_background(
                lambda: default_taxonomy(container), then=freeze_start_up_heap if freeze_heap else None
            ),
            *([lambda: worker.start()] if worker else []),
            lambda: container.adapters.audit_sequencer().start(),  # ADR 0022
            lambda: start_key_cache(container),  # ADR 0028
        ],
        on_shutdown=[
            *([lambda: worker.stop()] if worker else []),
            lambda: container.adapters.audit_sequencer().stop(),
            lambda: stop_key_cache(container),
            lambda: container.adapters.mapper_chain().close(),
            lambda: container.adapters.queue_runtime().close(),
            lambda: container.adapters.engine().dispose(),
            close_metrics,
            process_exiting,
        ],
        worker_threads=settings.http.threads,
        body_limits=BodyLimits.for_batch_items(settings.batch.max_items),
        metrics=metrics,
        console_idle=settings.console.idle,
        request_deadline_s=settings.http.request_deadline_s,
        clock=container.adapters.clock(),
    )
    return create_http_app({**handler_dependencies(container), "readiness": lambda: check}, serving, debug=debug)


def handler_dependencies(container: Container) -> dict[str, Callable[[], Any]]:
    """Route handlers' collaborators: every provider of the use-cases container, by its name (a
    handler parameter `evaluate_pair: NamedDependency[EvaluatePair]` gets `use_cases.evaluate_pair()`).
    The one place HTTP is wired to the container: a new use case needs no edit here."""
    use_cases = container.use_cases
    return {name: _giver(provider) for name, provider in use_cases.providers.items() if name != "adapters"}


def _giver(provider: Any) -> Callable[[], Any]:
    return lambda: provider()
