"""The chain's warm-up: not ready (and evaluations refused, not degraded) until every mapper is warm."""

from __future__ import annotations

import threading

import pytest

from adapters.mappers.warm_gate import MappersWarmingUp
from core.domain.mapping import map_ementa
from core.domain.model import ConceptMatch, Taxonomy, TaxonomyNode
from core.ports.concept_mapper import MapperError
from entrypoints.mapper_chain import MapperChain
from tests.fakes import StaticMapper
from tests.support.waiting import wait_until  # tenacity: generous deadline, no hand-written loop

TAXONOMY = Taxonomy("t", (TaxonomyNode("a.b", "a", "b", "Conceito"),))


class BlockingWarmer:
    """A warm-up (an index build) that ends when the test says, failing first if told to."""

    def __init__(self, failures: int = 0) -> None:
        self.release = threading.Event()
        self.calls = 0
        self.failures = failures

    def __call__(self, taxonomy: Taxonomy) -> None:
        self.calls += 1
        if self.calls <= self.failures:
            raise MapperError("serviço fora do ar")
        assert self.release.wait(30)


def chain(warmer: BlockingWarmer) -> MapperChain:
    primary = StaticMapper({"texto": (ConceptMatch("a.b", 0.9),)})
    return MapperChain(primary, None, warmers=[warmer], gate_wait_s=0.0)


def test_a_chain_nobody_warms_is_ready_and_maps_lazily():
    mappers = chain(BlockingWarmer())
    assert mappers.status() == "ok"
    mappers.primary.map("texto", TAXONOMY)


def test_not_ready_until_warm_and_evaluations_are_refused_not_degraded():
    warmer = BlockingWarmer()
    mappers = chain(warmer)
    mappers.warm_in_background(lambda: TAXONOMY)
    assert mappers.status().startswith("warming: ")
    assert mappers.primary.version in mappers.status()
    with pytest.raises(MappersWarmingUp):  # not a MapperError: map_ementa must not degrade
        map_ementa("texto", TAXONOMY, mappers.primary, None, allow_fallback=True)
    warmer.release.set()
    wait_until(lambda: mappers.status() == "ok")
    assert map_ementa("texto", TAXONOMY, mappers.primary, None, allow_fallback=True).degraded is False
    mappers.close()


def test_a_failed_warm_up_is_reported_and_retried_until_it_succeeds(monkeypatch):
    monkeypatch.setattr("entrypoints.mapper_chain.RETRY_WARM_S", (0.0,))
    warmer = BlockingWarmer(failures=2)
    warmer.release.set()
    mappers = chain(warmer)
    mappers.warm_in_background(lambda: TAXONOMY)
    wait_until(lambda: mappers.status() == "ok")
    assert warmer.calls == 3
    mappers.close()


def test_the_error_state_names_the_mapper_and_the_cause():
    warmer = BlockingWarmer(failures=10**6)
    mappers = chain(warmer)
    mappers.warm_in_background(lambda: TAXONOMY)
    wait_until(lambda: mappers.status().startswith("error: "))
    assert "serviço fora do ar" in mappers.status() and mappers.primary.version in mappers.status()
    mappers.close()


def test_no_default_taxonomy_means_nothing_to_warm():
    mappers = chain(BlockingWarmer())
    mappers.warm_in_background(lambda: None)
    wait_until(lambda: mappers.status() == "ok")


def test_the_lexical_mapper_alone_does_not_hold_readiness():
    mappers = MapperChain(StaticMapper({}), None, gate_wait_s=0.0)
    mappers.warm_in_background(lambda: TAXONOMY)
    assert mappers.readiness() == {} and mappers.status() == "ok"
    mappers.primary.map("texto", TAXONOMY)


def test_a_chain_with_an_index_reports_its_mappers_to_ready():
    warmer = BlockingWarmer()
    mappers = chain(warmer)
    mappers.warm_in_background(lambda: TAXONOMY)
    assert mappers.readiness()["mappers"].startswith("warming: ")
    warmer.release.set()
    wait_until(lambda: mappers.readiness() == {"mappers": "ok"})
    mappers.close()


def test_then_runs_once_after_the_warm_up_succeeds(monkeypatch):
    """A serving process freezes its start-up heap there (ADR 0044): after the index is built,
    once, even when the first attempts failed."""
    monkeypatch.setattr("entrypoints.mapper_chain.RETRY_WARM_S", (0.0,))
    warmer = BlockingWarmer(failures=2)
    after = threading.Event()
    calls: list[str] = []

    def then() -> None:
        calls.append(mappers.status())
        after.set()

    mappers = chain(warmer)
    mappers.warm_in_background(lambda: TAXONOMY, then=then)
    wait_until(lambda: warmer.calls == 3)  # two failures, then the attempt that blocks in the build
    assert calls == []
    warmer.release.set()
    assert after.wait(30)
    assert calls == ["ok"]  # ready when it ran
    mappers.close()


def test_then_does_not_run_while_the_warm_up_keeps_failing():
    warmer = BlockingWarmer(failures=10**6)
    mappers = chain(warmer)
    calls: list[int] = []
    mappers.warm_in_background(lambda: TAXONOMY, then=lambda: calls.append(1))
    wait_until(lambda: mappers.status().startswith("error: "))
    mappers.close()
    assert calls == []
