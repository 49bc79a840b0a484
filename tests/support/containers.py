"""The test runtime's adapters: the ports' in-memory fakes (tests/fakes) behind the same
use-cases container the embedded and full runtimes use (ADR 0023).

    container = test_container(var_dir=tmp_path)                  # settings as test_settings takes them
    container.use_cases.evaluate_pair.override(SomethingElse())   # any provider can still be overridden
    container.adapters.uow_factory().store                        # the FakeStore the use cases wrote to
"""

from __future__ import annotations

from typing import Any

from dependency_injector import containers, providers

from adapters.mappers.memory_mapping_cache import MemoryMappingCache
from core.usecases.auth import run_now
from entrypoints.container import Adapters, Container, build_container
from tests.fakes import FakeUnitOfWorkFactory, FixedClock, RecordingMetrics, SequentialIds
from tests.support.settings import test_settings


@containers.copy(Adapters)
class TestAdapters(Adapters):
    """No database, no Redis, no Prometheus registry: fakes with transactions, a fixed clock."""

    __test__ = False  # a container, not a test class

    clock = providers.Singleton(FixedClock)
    ids = providers.Singleton(SequentialIds)
    run_later = providers.Object(run_now)
    uow_factory = providers.Singleton(FakeUnitOfWorkFactory)
    metrics = providers.Singleton(RecordingMetrics)
    mapping_cache = providers.Singleton(MemoryMappingCache)


def test_container(**settings: Any) -> Container:
    """build_container over TestAdapters; `settings` as tests.support.settings.test_settings takes them."""
    return build_container(test_settings(**settings), TestAdapters)


test_container.__test__ = False  # type: ignore[attr-defined]  # a factory, not a test
