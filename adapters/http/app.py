"""The Litestar application: routes, auth dependency, error contract, OpenAPI and its UI.

It knows nothing of the container: the entrypoint hands in the handlers' collaborators (use
cases, by name) and how to serve (Serving).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import anyio.to_thread
from litestar import Litestar, Router
from litestar.datastructures import State
from litestar.di import Provide
from litestar.logging.config import LoggingConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme

from adapters.http.api_docs import api_docs_render_plugins, static_files_router
from adapters.http.auth import known_principal_provider, principal_provider
from adapters.http.console.routes import console_router, template_config
from adapters.http.console.sessions import DEFAULT_IDLE, ConsoleSessions, InMemorySessionStore, SessionStore
from adapters.http.body_guard import BodyLimits, authenticated_principal, request_guard
from adapters.http.error_table import declare_422_not_400
from adapters.http.errors import EXCEPTION_HANDLERS
from adapters.http.rate_limit import rate_limit_headers_middleware, rate_limited, rate_limited_now
from adapters.http.request_log import request_log_middleware
from adapters.http.security_headers import security_headers
from adapters.http.slow_clients import DEFAULT_REQUEST_DEADLINE_S, request_deadline_middleware
from adapters.http.routes_admin import QueueAdminController
from adapters.http.routes_catalog import CourseBindingAdminController, PolicyAdminController, TaxonomyAdminController
from adapters.http.routes_audit import AuditController
from adapters.http.routes_cases import CaseController
from adapters.http.routes_curricula import CurriculumAdminController
from adapters.http.routes_equivalences import EquivalenceController
from adapters.http.routes_health import HealthController
from adapters.http.routes_jobs import JobController
from adapters.http.routes_keys import ApiKeyController
from adapters.http.routes_reviews import ReviewController
from adapters.http.routes_precedents import PrecedentController  # ADR 0024
from adapters.http.routes_review_reasons import ReviewReasonsController  # ADR 0026
from adapters.http.routes_pareceres import ParecerController  # ADR 0026
from adapters.http.routes_metrics import MetricsEndpoint, http_metrics_middleware, metrics_route
from adapters.http.routes_tenant import TenantController
from adapters.http.routes_webhooks import WebhookAdminController
from adapters.system import SystemClock
from core.domain.rate_limits import RateLimitPolicy
from core.domain.records import Principal
from core.usecases.auth import Authenticate
from core.ports.clock import Clock
from core.ports.rate_limiter import RateLimiter


@dataclass(frozen=True)
class Serving:
    """How this web process serves; never a route handler's collaborator (those are `handlers`).

    authenticate: API key → Principal (or None); rate_limits: the limiter and its policy, or None
    for no rate limits; metrics: None for no /metrics route and no HTTP metrics."""

    authenticate: Authenticate
    # The principal without I/O (Authenticate.cached), tried on the event loop first; None: every
    # request authenticates in a worker thread.
    known_principal: Callable[[str | None], Principal | None] | None = None
    rate_limits: tuple[RateLimiter, RateLimitPolicy] | None = None
    on_startup: Sequence[Callable[[], Any]] = ()
    on_shutdown: Sequence[Callable[[], Any]] = ()
    worker_threads: int = 8
    exception_handlers: Mapping[Any, Any] = field(default_factory=dict)
    metrics: MetricsEndpoint | None = None
    body_limits: BodyLimits = field(default_factory=BodyLimits)
    request_deadline_s: float = DEFAULT_REQUEST_DEADLINE_S
    console_idle: dt.timedelta = DEFAULT_IDLE  # a console session ends after this long unused
    console_store: Callable[[], SessionStore] = InMemorySessionStore  # this process only (ADR 0021)
    clock: Clock = field(default_factory=SystemClock)


def limit_worker_threads(threads: int) -> Callable[[], None]:
    """Cap the threads running sync handlers: with fewer threads fighting for the GIL, a
    request holding a database lock gets the CPU back sooner (higher throughput, lower tail)."""

    def apply() -> None:
        anyio.to_thread.current_default_thread_limiter().total_tokens = threads

    return apply


def create_app(handlers: Mapping[str, Callable[[], Any]], serving: Serving, debug: bool = False) -> Litestar:
    """`handlers`: each route handler collaborator (a use case) by the parameter name handlers
    declare, as a zero-argument callable giving it; the entrypoint builds them from its use-cases
    container in one place (entrypoints/asgi.py `handler_dependencies`)."""
    authenticate = serving.authenticate
    provide_principal = principal_provider(authenticate)
    provide_known = known_principal_provider(serving.known_principal) if serving.known_principal is not None else None
    if serving.rate_limits is not None:
        provide_principal = rate_limited(provide_principal, *serving.rate_limits)
        provide_known = rate_limited_now(provide_known, *serving.rate_limits) if provide_known is not None else None
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
            WebhookAdminController,
            PrecedentController,  # ADR 0024
            CaseController,
            ReviewReasonsController,  # ADR 0026
            ParecerController,  # ADR 0026
        ],
        security=[{"ApiKey": []}],
    )
    app = Litestar(
        route_handlers=[HealthController, authenticated, static_files_router(), console_router(authenticate)],
        dependencies={
            "principal": Provide(authenticated_principal(provide_principal)),
            **{name: Provide(provide, sync_to_thread=False) for name, provide in handlers.items()},
        },
        # Authentication, then the body: before Litestar extracts `data` (body_guard.py), which
        # enforces each route's body limit itself (so none here).
        before_request=request_guard(provide_principal, serving.body_limits, provide_known),
        request_max_body_size=None,
        exception_handlers={**EXCEPTION_HANDLERS, **serving.exception_handlers},  # error_table.py
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
            request_deadline_middleware(serving.request_deadline_s),
            rate_limit_headers_middleware,
            *([http_metrics_middleware()] if serving.metrics else []),
        ],
        before_send=[security_headers],
        on_startup=[limit_worker_threads(serving.worker_threads), *serving.on_startup],
        on_shutdown=list(serving.on_shutdown),
        template_config=template_config(),
        state=State({"console_sessions": ConsoleSessions(serving.console_store(), serving.clock, serving.console_idle)}),
        debug=debug,
        # Litestar's own records propagate to the root's JSON handler (entrypoints/logging_config.py);
        # its default config would give the root a text handler. Unexpected errors: errors.py logs them.
        logging_config=LoggingConfig(
            configure_root_logger=False,
            log_exceptions="never",
            loggers={"litestar": {"level": "INFO", "handlers": [], "propagate": True}},
        ),
    )
    if serving.metrics:
        app.register(metrics_route(serving.metrics))
    declare_422_not_400(app)  # error_table.py
    return app
