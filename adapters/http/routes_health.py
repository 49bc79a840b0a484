"""Liveness and readiness: the first two commands of the daily checklist."""

from __future__ import annotations

from collections.abc import Callable

from litestar import Controller, Response
from adapters.http.threaded import get
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE

from adapters.http.dto import HealthOut, ReadyOut

ReadinessCheck = Callable[[], dict[str, str]]


class HealthController(Controller):
    tags = ["operations"]

    @get("/health", operation_id="health", summary="Liveness (touches no dependency)")
    async def health(self) -> HealthOut:
        return HealthOut(status="alive")

    @get(
        "/ready",
        operation_id="ready",
        summary="Readiness: database, broker and cache answer",
        responses={503: ResponseSpec(data_container=ReadyOut, description="a dependency is down")},
    )
    def ready(self, readiness: NamedDependency[ReadinessCheck]) -> Response[ReadyOut]:
        checks = readiness()
        ok = all(v == "ok" for v in checks.values())
        status = HTTP_200_OK if ok else HTTP_503_SERVICE_UNAVAILABLE
        return Response(ReadyOut("ready" if ok else "unavailable", checks), status_code=status)
