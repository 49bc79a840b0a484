"""What each piece reports to the Metrics port (a recording fake), and the queue collector."""

from __future__ import annotations


import httpx
import pytest

from adapters.mappers.llm_refiner import LlmRefiner
from adapters.mappers.memory_mapping_cache import MemoryMappingCache
from adapters.metrics.observers import CountedItemProcessor, TimedMapper, timed
from adapters.metrics.queue_collector import QueueCollector
from core.domain.model import ConceptMatch
from core.domain.records import JobStatus
from core.ports.concept_mapper import MapperError
from core.ports.job_queue import QueueStats
from core.usecases.evaluate import EvaluatePair
from tests.fakes import FailingMapper, RecordingMetrics, StaticMapper
from tests.support import llm_server as llm
from tests.support.evaluate_world import ANSWERS, ORIGEM_TEXT, TAXONOMY, command, world


def test_evaluate_pair_reports_new_decisions_by_tenant_not_replays() -> None:
    w = world()
    metrics = RecordingMetrics()
    evaluate = EvaluatePair(w.uows, w.primary, None, w.clock, metrics)
    evaluate(command("r-1"))
    assert evaluate(command("r-1")).replayed
    assert metrics.of("decision") == [("default", "DEFERIDO", False)]


def test_a_failing_mapper_is_reported_degraded() -> None:
    w = world(primary=FailingMapper())
    metrics = RecordingMetrics()
    evaluate = EvaluatePair(w.uows, TimedMapper(w.primary, "primary", metrics), None, w.clock, metrics)
    assert evaluate(command("r-2")).document["decisao"] == "ANALISE_HUMANA"
    assert metrics.of("decision") == [("default", "ANALISE_HUMANA", True)]
    assert metrics.of("mapper_call") == [("primary", True), ("primary", True)]  # origem and destino


def test_timed_mapper_keeps_answer_version_and_errors() -> None:
    metrics = RecordingMetrics()
    mapper = TimedMapper(StaticMapper(ANSWERS), "fallback", metrics)
    assert mapper.version == "static-1" and mapper.map(ORIGEM_TEXT, TAXONOMY) == ANSWERS[ORIGEM_TEXT]
    with pytest.raises(MapperError):
        TimedMapper(FailingMapper(), "embedding", metrics).map("x", TAXONOMY)
    assert metrics.of("mapper_call") == [("fallback", False), ("embedding", True)]
    assert timed(None, "fallback", metrics) is None


class Processor:
    def __init__(self, answer: object) -> None:
        self.answer = answer
        self.gave_up: list[tuple[str, int]] = []

    def __call__(self, job_id: str, index: int) -> object:
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer

    def give_up(self, job_id: str, index: int, error: str) -> None:
        self.gave_up.append((job_id, index))


@pytest.mark.parametrize(
    ("answer", "expected"),
    [(JobStatus.DONE, [("done",)]), (JobStatus.FAILED, [("failed",)]), (None, [])],
)
def test_item_processor_counts_what_each_call_did(answer: object, expected: list) -> None:
    metrics = RecordingMetrics()
    assert CountedItemProcessor(Processor(answer), metrics)("job", 0) == answer
    assert metrics.of("batch_item") == expected


def test_item_processor_counts_transient_errors_and_give_ups() -> None:
    metrics, inner = RecordingMetrics(), Processor(RuntimeError("database down"))
    counted = CountedItemProcessor(inner, metrics)
    with pytest.raises(RuntimeError):
        counted("job", 3)
    counted.give_up("job", 3, "RuntimeError: database down")
    assert inner.gave_up == [("job", 3)]
    assert metrics.of("batch_item") == [("transient_error",), ("dead_lettered",)]


def test_memory_cache_reports_hits_and_misses() -> None:
    metrics = RecordingMetrics()
    cache = MemoryMappingCache(metrics=metrics)
    assert cache.get("k") is None
    cache.set("k", (ConceptMatch("lim", 0.9, ()),))
    assert cache.get("k")
    assert metrics.of("cache_lookup") == [("memory", False), ("memory", True)]


def test_llm_call_alone_is_reported_as_mapper_llm() -> None:
    metrics = RecordingMetrics()
    ok = llm.ChatServer(lambda r: llm.completion(llm.concepts(("mat.lim", 0.9, []))))
    failing = llm.ChatServer(lambda r: httpx.Response(500))
    for server in (ok, failing):
        refiner = LlmRefiner(
            llm.FixedMapper(), "http://llm.test", "m", transport=httpx.MockTransport(server), metrics=metrics
        )
        assert refiner.map(llm.EMENTA, llm.TAXONOMY)
    assert metrics.of("mapper_call") == [("llm", False), ("llm", True)]


def test_queue_collector_reports_sizes_or_that_the_broker_is_down() -> None:
    up = samples_of(QueueCollector(lambda: [QueueStats("batch", 3, 1, 2, 4)]))
    assert up[("eqv_queue_up", ())] == 1
    assert up[("eqv_queue_depth", (("queue", "batch"), ("state", "queued")))] == 3
    assert up[("eqv_queue_depth", (("queue", "batch"), ("state", "in_flight")))] == 1
    assert up[("eqv_queue_depth", (("queue", "batch"), ("state", "delayed")))] == 2
    assert up[("eqv_queue_dead_letters", (("queue", "batch"),))] == 4

    def broken() -> list[QueueStats]:
        raise ConnectionError("redis down")

    assert samples_of(QueueCollector(broken)) == {("eqv_queue_up", ()): 0}


def samples_of(collector: QueueCollector) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value for family in collector.collect() for s in family.samples}
