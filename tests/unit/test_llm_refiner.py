"""LlmRefiner against scripted chat servers (httpx.MockTransport): re-weights candidates, never fails the mapping."""

from __future__ import annotations

import json
import threading

import httpx
import pytest

from adapters.mappers.circuit_breaker import CircuitBreaker
from adapters.mappers.llm_refiner import LlmRefiner, parse_answer
from core.ports.concept_mapper import MapperError
from tests.support.llm_server import BASE, ChatServer, EMENTA, FixedMapper, TAXONOMY, completion, concepts


def refiner(server, base=None, **kwargs) -> LlmRefiner:
    transport = httpx.MockTransport(server)
    return LlmRefiner(base or FixedMapper(), "http://llm.test", "m", "sk", transport=transport, **kwargs)


def test_version_combines_base_and_model():
    assert refiner(ChatServer(lambda r: completion(concepts()))).version == "hybrid-1+llm-m"


def test_request_lists_candidates_and_a_json_schema_restricted_to_them():
    server = ChatServer(lambda r: completion(concepts()))
    refiner(server).map(EMENTA, TAXONOMY)
    body = server.requests[0]
    schema = body["response_format"]["json_schema"]["schema"]
    assert body["response_format"]["type"] == "json_schema" and body["model"] == "m"
    assert schema["properties"]["concepts"]["items"]["properties"]["node_id"]["enum"] == ["mat.der", "mat.lim"]
    user = json.loads(body["messages"][-1]["content"])
    assert user["ementa"] == EMENTA
    assert user["candidatos"] == [
        {"node_id": "mat.der", "conceito": "Derivadas"},
        {"node_id": "mat.lim", "conceito": "Limites"},
    ]


def test_reweights_candidates_and_keeps_only_verbatim_quotes():
    answer = concepts(
        ("mat.lim", 1.0, ["Limites e continuidade", "limites são lindos"]),
        ("mat.der", 0.2, []),
    )
    result = {m.node_id: m for m in refiner(ChatServer(lambda r: completion(answer))).map(EMENTA, TAXONOMY)}
    assert result["mat.lim"].confidence == pytest.approx(0.8)
    assert result["mat.der"].confidence == pytest.approx(0.5)
    assert result["mat.lim"].evidence == ("Limites e continuidade",)
    assert result["mat.der"].evidence == BASE[0].evidence


def test_confidence_is_clamped_to_unit_interval():
    answer = concepts(("mat.lim", 7, []), ("mat.der", -3, []))
    result = {m.node_id: m.confidence for m in refiner(ChatServer(lambda r: completion(answer))).map(EMENTA, TAXONOMY)}
    assert result["mat.lim"] == pytest.approx(0.8) and result["mat.der"] == pytest.approx(0.4)


def test_low_blended_confidence_drops_the_candidate():
    answer = concepts(("mat.lim", 0.0, []))
    result = refiner(ChatServer(lambda r: completion(answer)), min_confidence=0.35).map(EMENTA, TAXONOMY)
    assert [m.node_id for m in result] == ["mat.der"]


def test_can_never_add_a_concept_that_is_not_a_candidate():
    answer = concepts(("mat.int", 1.0, ["Derivadas"]), ("mat.lim", 1.0, []))
    assert refiner(ChatServer(lambda r: completion(answer))).map(EMENTA, TAXONOMY) == BASE


FAILURES = {
    "HTTP 500": lambda r: httpx.Response(500),
    "HTTP 401": lambda r: httpx.Response(401),
    "not JSON body": lambda r: httpx.Response(200, content=b"<html>"),
    "no choices": lambda r: httpx.Response(200, json={"object": "chat.completion"}),
    "content not JSON": lambda r: completion("Claro! Aqui está: {"),
    "missing concepts": lambda r: completion({"conceitos": []}),
    "extra key": lambda r: completion({"concepts": [], "note": "x"}),
    "confidence string": lambda r: completion({"concepts": [{"node_id": "mat.lim", "confidence": "0.9", "evidence": []}]}),
    "confidence NaN": lambda r: completion('{"concepts": [{"node_id": "mat.lim", "confidence": NaN, "evidence": []}]}'),
    "evidence not list": lambda r: completion({"concepts": [{"node_id": "mat.lim", "confidence": 0.9, "evidence": "x"}]}),
    "node_id not string": lambda r: completion({"concepts": [{"node_id": [1], "confidence": 0.9, "evidence": []}]}),
    "transport error": lambda r: (_ for _ in ()).throw(httpx.ReadError("reset", request=r)),
}


@pytest.mark.parametrize("name", list(FAILURES))
def test_any_failure_keeps_the_base_mapping(name):
    assert refiner(ChatServer(FAILURES[name])).map(EMENTA, TAXONOMY) == BASE


def test_a_hanging_model_costs_at_most_its_timeout():
    release, answered = threading.Event(), threading.Event()

    def hang(request):
        release.wait(60)  # the model answers only when the test lets it
        answered.set()
        return completion(concepts())

    # No stopwatch (the machine may be busy): the refiner returned the base mapping while the
    # model was still holding its answer, so it gave up on its own timeout.
    assert refiner(ChatServer(hang), timeout_s=0.2).map(EMENTA, TAXONOMY) == BASE
    assert not answered.is_set()
    release.set()


def test_a_slow_base_leaves_the_model_only_what_is_left_of_the_budget():
    server = ChatServer(lambda r: completion(concepts()))
    result = refiner(server, FixedMapper(delay_s=0.3), budget_s=0.3).map(EMENTA, TAXONOMY)
    assert result == BASE and not server.requests  # the model was not even asked


def test_a_failing_base_raises_there_is_nothing_to_refine():
    server = ChatServer(lambda r: completion(concepts()))
    with pytest.raises(MapperError):
        refiner(server, FixedMapper(fails=True)).map(EMENTA, TAXONOMY)
    assert not server.requests


def test_an_empty_base_is_not_sent_to_the_model():
    server = ChatServer(lambda r: completion(concepts()))
    assert refiner(server, FixedMapper(answer=())).map(EMENTA, TAXONOMY) == ()
    assert not server.requests


def test_breaker_stops_asking_a_failing_model():
    server = ChatServer(lambda r: httpx.Response(503))
    mapper = refiner(server, breaker=CircuitBreaker("llm", failure_threshold=2, reset_timeout_s=60))
    for _ in range(4):
        assert mapper.map(EMENTA, TAXONOMY) == BASE
    assert len(server.requests) == 2


def test_markdown_fenced_json_is_accepted():
    body = {"choices": [{"message": {"content": "```json\n" + json.dumps(concepts(("mat.lim", 0.5, []))) + "\n```"}}]}
    assert parse_answer(body, {"mat.lim"}) == {"mat.lim": (0.5, ())}
