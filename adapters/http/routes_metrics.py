"""GET /metrics (Prometheus text format) and the HTTP request metrics of Litestar's plugin.

Outside the API contract: not in the OpenAPI document, no API key, no tenant. With a token
configured the scraper must send `Authorization: Bearer <token>`; without one the route is
public only where the entrypoint says so (`locked=False`: the embedded runtime, or the full
runtime with EQV_METRICS_PUBLIC=true), else it answers 401 to everyone.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from litestar import Request, Response
from adapters.http.threaded import get
from litestar.exceptions import NotAuthorizedException
from litestar.handlers import HTTPRouteHandler
from litestar.middleware.base import DefineMiddleware
from litestar.plugins.prometheus import PrometheusConfig

METRICS_PATH = "/metrics"
# Request latency buckets (seconds); evaluate's budget is 2 s.
HTTP_BUCKETS: list[str | float] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0]


@dataclass(frozen=True)
class MetricsEndpoint:
    """`render()` gives the exposition body and its content type; `token` protects the route;
    `locked` with no token refuses every scrape (metrics list tenant ids: not public by accident)."""

    render: Callable[[], tuple[bytes, str]]
    token: str | None = None
    locked: bool = False


def http_metrics_middleware() -> DefineMiddleware:
    """Requests (counter) and latency (histogram) by method, route template, status code.

    `group_path=True`: the `path` label is the route template (`/v1/jobs/{job_id}`), never a
    concrete id. Only matched routes pass through route middleware, so unknown paths add no
    series. Names: `eqv_http_requests_total`, `eqv_http_request_duration_seconds`,
    `eqv_http_requests_in_progress`, `eqv_http_requests_error_total` (5xx)."""
    return PrometheusConfig(app_name="equivalence", prefix="eqv_http", group_path=True, buckets=HTTP_BUCKETS).middleware


def metrics_route(endpoint: MetricsEndpoint) -> HTTPRouteHandler:
    @get(
        METRICS_PATH,
        operation_id="metrics",
        summary="Prometheus metrics",
        include_in_schema=False,
    )
    def metrics(request: Request[Any, Any, Any]) -> Response[bytes]:
        """Prometheus text exposition: HTTP, decisions, mappers, cache, queue and batch metrics (ADR 0012).

        In a worker thread: it reads the multiprocess files and asks the broker for queue sizes."""
        if endpoint.token is None and endpoint.locked:
            raise NotAuthorizedException(
                detail="Metrics need a token: set EQV_METRICS_TOKEN (or EQV_METRICS_PUBLIC=true)",
                headers={"WWW-Authenticate": "Bearer"},
            )
        if endpoint.token is not None and not _bearer_matches(request.headers.get("authorization"), endpoint.token):
            raise NotAuthorizedException(detail="Invalid metrics token", headers={"WWW-Authenticate": "Bearer"})
        body, content_type = endpoint.render()
        return Response(body, headers={"Content-Type": content_type})  # as given (media_type would add a charset)

    return metrics


def _bearer_matches(header: str | None, token: str) -> bool:
    scheme, _, value = (header or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(value.strip().encode(), token.encode())
