"""The Litestar application: routes, auth dependency, error contract, OpenAPI and its UI.

It knows nothing of the container: the entrypoint hands in providers for each dependency.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import anyio.to_thread
from litestar import Litestar, Router
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import ServiceUnavailableException
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme

from adapters.http.api_docs import api_docs_render_plugins, static_files_router
from adapters.http.auth import principal_provider
from adapters.http.console.routes import console_router, template_config
from adapters.http.console.sessions import DEFAULT_IDLE, ConsoleSessions, InMemorySessionStore, SessionStore
from adapters.http.body_guard import BodyLimits, authenticated_principal, request_guard
from adapters.http.errors import EXCEPTION_HANDLERS
from adapters.http.rate_limit import rate_limit_headers_middleware, rate_limited
from adapters.http.request_log import request_log_middleware
from adapters.http.security_headers import security_headers
from adapters.http.slow_clients import request_deadline_middleware
from adapters.http.routes_admin import QueueAdminController, queue_unavailable
from adapters.http.routes_catalog import CourseBindingAdminController, PolicyAdminController, TaxonomyAdminController
from adapters.http.routes_audit import AuditController
from adapters.http.routes_cases import CaseController
from adapters.http.routes_curricula import CurriculumAdminController
from adapters.http.routes_equivalences import EquivalenceController
from adapters.http.routes_health import HealthController
from adapters.http.routes_jobs import JobController
from adapters.http.routes_keys import ApiKeyController
from adapters.http.routes_reviews import ReviewController
from adapters.http.routes_metrics import MetricsEndpoint, http_metrics_middleware, metrics_route
from adapters.http.routes_tenant import TenantController
from adapters.system import SystemClock
from core.domain.errors import QueueUnavailable
from core.domain.rate_limits import RateLimitPolicy


@dataclass
class HttpDependencies:
    """Zero-argument callables giving each collaborator (e.g. `lambda: container.evaluate_pair()`)."""

    evaluate_pair: Callable[[], Any]
    authenticate: Callable[[], Any]
    uow_factory: Callable[[], Any]
    readiness: Callable[[], Callable[[], dict[str, str]]]
    submit_batch: Callable[[], Any] | None = None
    queue_operations: Callable[[], Any] | None = None
    rate_limiter: Callable[[], Any] | None = None  # None: no rate limits
    rate_limit_policy: RateLimitPolicy | None = None
    clock: Callable[[], Any] = SystemClock
    api_key_admin: Callable[[], Any] | None = None
    evaluate_case: Callable[[], Any] | None = None  # POST /v1/cases (ADR 0027)
    submit_case: Callable[[], Any] | None = None  # POST /v1/cases as a job (ADR 0027)
    on_startup: Sequence[Callable[[], Any]] = ()
    on_shutdown: Sequence[Callable[[], Any]] = ()
    worker_threads: int = 8
    extra_exception_handlers: dict[Any, Any] = field(default_factory=dict)
    metrics: MetricsEndpoint | None = None  # None: no /metrics route and no HTTP metrics
    body_limits: BodyLimits = field(default_factory=BodyLimits)
    console_idle: dt.timedelta = DEFAULT_IDLE  # a console session ends after this long unused
    console_store: Callable[[], SessionStore] = InMemorySessionStore  # this process only (ADR 0021)


def limit_worker_threads(threads: int) -> Callable[[], None]:
    """Cap the threads running sync handlers: with fewer threads fighting for the GIL, a
    request holding a database lock gets the CPU back sooner (higher throughput, lower tail)."""

    def apply() -> None:
        anyio.to_thread.current_default_thread_limiter().total_tokens = threads

    return apply


def _unavailable(feature: str) -> Callable[[], Any]:
    def provide() -> Any:
        raise ServiceUnavailableException(detail=f"{feature} processing is not configured in this process")

    return provide


def create_app(deps: HttpDependencies, debug: bool = False) -> Litestar:
    authenticate = deps.authenticate()
    provide_principal = principal_provider(authenticate)
    if deps.rate_limiter is not None and deps.rate_limit_policy is not None:
        provide_principal = rate_limited(provide_principal, deps.rate_limiter(), deps.rate_limit_policy)
    # Routes needing a key live under one router declaring the ApiKey requirement; public ones
    # (health, ready) stay outside it, so their OpenAPI operations require nothing.
    authenticated = Router(
        path="/",
        route_handlers=[
            EquivalenceController,
            ApiKeyController,
            JobController,
            QueueAdminController,
            TaxonomyAdminController,
            PolicyAdminController,
            CourseBindingAdminController,
            CurriculumAdminController,
            AuditController,
            TenantController,
            ReviewController,
            CaseController,
        ],
        security=[{"ApiKey": []}],
    )
    app = Litestar(
        route_handlers=[HealthController, authenticated, static_files_router(), console_router(authenticate)],
        dependencies={
            "principal": Provide(authenticated_principal(provide_principal), sync_to_thread=True),
            "evaluate_pair": Provide(deps.evaluate_pair, sync_to_thread=False),
            "uow_factory": Provide(deps.uow_factory, sync_to_thread=False),
            "readiness": Provide(deps.readiness, sync_to_thread=False),
            "submit_batch": Provide(deps.submit_batch or _unavailable("batch"), sync_to_thread=False),
            "queue_operations": Provide(deps.queue_operations or _unavailable("queue"), sync_to_thread=False),
            "clock": Provide(deps.clock, sync_to_thread=False),
            "api_key_admin": Provide(deps.api_key_admin or _unavailable("key administration"), sync_to_thread=False),
            "evaluate_case": Provide(deps.evaluate_case or _unavailable("case"), sync_to_thread=False),
            "submit_case": Provide(deps.submit_case or _unavailable("case job"), sync_to_thread=False),
        },
        # Authentication, then the body: before Litestar extracts `data` (body_guard.py), which
        # enforces each route's body limit itself (so none here).
        before_request=request_guard(provide_principal, deps.body_limits),
        request_max_body_size=None,
        exception_handlers={
            **EXCEPTION_HANDLERS, QueueUnavailable: queue_unavailable, **deps.extra_exception_handlers
        },
        openapi_config=OpenAPIConfig(
            title="Equivalence Engine Service",
            version="0.1.0",
            description="Decide course equivalence (aproveitamento de estudos): DEFERIDO, INDEFERIDO or ANALISE_HUMANA.",
            path="/schema",
            render_plugins=api_docs_render_plugins(),
            components=Components(
                security_schemes={"ApiKey": SecurityScheme(type="apiKey", name="X-API-Key", security_scheme_in="header")}
            ),
        ),
        middleware=[
            request_log_middleware,
            request_deadline_middleware,
            rate_limit_headers_middleware,
            *([http_metrics_middleware()] if deps.metrics else []),
        ],
        before_send=[security_headers],
        on_startup=[limit_worker_threads(deps.worker_threads), *deps.on_startup],
        on_shutdown=list(deps.on_shutdown),
        template_config=template_config(),
        state=State({"console_sessions": ConsoleSessions(deps.console_store(), deps.clock(), deps.console_idle)}),
        debug=debug,
    )
    if deps.metrics:
        app.register(metrics_route(deps.metrics))
    return app
