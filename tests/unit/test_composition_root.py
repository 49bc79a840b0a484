"""The composition root (ADR 0023): adapters per runtime, one use-cases container, and route
handlers that receive use cases only, all from one place."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

from litestar.di import NamedDependency  # noqa: F401 - named in the handlers' annotations

from adapters.http.app import Serving, create_app
from entrypoints.asgi import handler_dependencies
from entrypoints.container import EmbeddedAdapters, FullAdapters, UseCases, build_container
from entrypoints.settings import FULL
from tests.fakes import FixedClock
from tests.support.containers import TestAdapters, test_container
from tests.support.settings import test_settings

SERVED_BY_THE_APP = {"principal", "readiness", "console_sessions", "console_authenticate"}


def handler_parameters() -> dict[str, set[str]]:
    """Every named dependency each route handler declares, by handler."""
    handlers = {**handler_dependencies(test_container()), "readiness": lambda: dict}
    app = create_app(handlers, Serving(authenticate=lambda key: None))  # type: ignore[arg-type]  # raises if one is missing
    found: dict[str, set[str]] = {}
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            signature = inspect.signature(handler.fn)
            names = {p for p, value in signature.parameters.items() if "NamedDependency" in str(value.annotation)}
            found[f"{route.path} {handler}"] = names
    return found


def test_route_handlers_receive_use_cases_only() -> None:
    provided = set(handler_dependencies(test_container()))
    assert not provided & {"uow_factory", "clock", "engine", "ids"}
    for handler, names in handler_parameters().items():
        assert not names & {"uow_factory", "clock"}, handler
        assert names <= provided | SERVED_BY_THE_APP, f"{handler}: {names - provided - SERVED_BY_THE_APP}"


def test_every_use_case_builds_over_the_test_adapters() -> None:
    container = test_container()
    for name, provider in container.use_cases.providers.items():
        if name != "adapters":
            assert provider() is not None, name
    uow_factory: Any = container.adapters.uow_factory()
    assert type(uow_factory).__name__ == "FakeUnitOfWorkFactory"
    assert container.use_cases.results()._uows is uow_factory  # the fakes replace the base's providers everywhere


def test_the_runtime_picks_the_adapters(tmp_path: Path) -> None:
    embedded = build_container(test_settings(var_dir=tmp_path))
    full = build_container(test_settings(runtime=FULL, var_dir=tmp_path, redis_url="redis://127.0.0.1:1/0"))
    assert embedded.adapters.declarative_parent is EmbeddedAdapters and full.adapters.declarative_parent is FullAdapters
    assert embedded.adapters.broker_url() is None and full.adapters.broker_url() == "redis://127.0.0.1:1/0"
    assert type(embedded.adapters.rate_limiter()).__name__ == "MemoryRateLimiter"
    assert type(full.adapters.rate_limiter()).__name__ == "LeasedRateLimiter"  # over Redis (ADR 0033)
    # what the runtime's container replaces is what its dependents use
    assert embedded.adapters.queue_runtime().in_process and not full.adapters.queue_runtime().in_process
    assert test_container().adapters.declarative_parent is TestAdapters
    assert embedded.use_cases.declarative_parent is full.use_cases.declarative_parent is UseCases


def test_an_adapter_override_reaches_the_use_cases() -> None:
    container = test_container()
    clock: Any = container.adapters.clock()
    assert container.use_cases.reviews().now() == clock.now()
    with container.adapters.clock.override(FixedClock(current=clock.current.replace(year=2030))):
        container.use_cases.reviews.reset()
        assert container.use_cases.reviews().now().year == 2030
