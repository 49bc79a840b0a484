"""EmbeddingClient against in-process fake servers (httpx.MockTransport): every failure is a MapperError."""

from __future__ import annotations

import json
import math
import threading

import httpx
import numpy as np
import pytest

from adapters.mappers.budget import DeadlineExceeded
from adapters.mappers.circuit_breaker import CircuitBreaker, CircuitOpen
from adapters.mappers.embedding_client import EmbeddingClient, openai_endpoint
from core.ports.concept_mapper import MapperError


def answer(vectors, **extra) -> dict:
    return {
        "object": "list",
        "data": [{"object": "embedding", "index": i, "embedding": v} for i, v in enumerate(vectors)],
        "model": "m",
        **extra,
    }


class FakeServer:
    """A scripted embeddings endpoint: each request takes the next response (the last one repeats)."""

    def __init__(self, *responses) -> None:
        self.responses = list(responses)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        response = self.responses[min(len(self.requests), len(self.responses)) - 1]
        return response(request) if callable(response) else response

    @property
    def bodies(self) -> list[dict]:
        return [json.loads(r.content) for r in self.requests]


def echo(request: httpx.Request) -> httpx.Response:
    """One distinct unit vector per input, so order can be checked."""
    texts = json.loads(request.content)["input"]
    return httpx.Response(200, json=answer([[float(len(t)), 1.0, 0.0] for t in texts]))


def client_for(server: FakeServer, **kwargs) -> EmbeddingClient:
    kwargs.setdefault("backoff_initial_s", 0.001)
    kwargs.setdefault("backoff_max_s", 0.002)
    return EmbeddingClient("http://embed.test", "m", transport=httpx.MockTransport(server), **kwargs)


@pytest.mark.parametrize(
    "base",
    ["http://h:9001", "http://h:9001/", "http://h:9001/v1", "http://h:9001/v1/", "http://h:9001/v1/embeddings"],
)
def test_endpoint_accepts_base_url_with_or_without_v1(base):
    assert openai_endpoint(base, "/embeddings") == "http://h:9001/v1/embeddings"


def test_sends_openai_request_with_bearer_and_returns_unit_rows_in_order():
    server = FakeServer(echo)
    client = EmbeddingClient("http://embed.test/v1", "m", "sk-test", transport=httpx.MockTransport(server))
    vectors = client.embed(["a", "bbb"])
    request = server.requests[0]
    assert request.url == "http://embed.test/v1/embeddings"
    assert request.headers["authorization"] == "Bearer sk-test"
    assert server.bodies == [{"model": "m", "input": ["a", "bbb"]}]
    assert vectors.shape == (2, 3) and np.allclose(np.linalg.norm(vectors, axis=1), 1.0)
    assert vectors[1, 0] > vectors[0, 0]


def test_no_authorization_header_without_api_key():
    server = FakeServer(echo)
    client_for(server).embed(["a"])
    assert "authorization" not in server.requests[0].headers


def test_rows_are_put_back_in_input_order_by_index():
    server = FakeServer(
        httpx.Response(200, json={"data": [{"index": 1, "embedding": [0, 1]}, {"index": 0, "embedding": [1, 0]}]})
    )
    assert client_for(server).embed(["x", "y"]).tolist() == [[1.0, 0.0], [0.0, 1.0]]


def test_batches_requests_by_batch_size():
    server = FakeServer(echo)
    vectors = client_for(server, batch_size=2).embed(["a", "bb", "ccc", "dddd", "eeeee"])
    assert [len(b["input"]) for b in server.bodies] == [2, 2, 1]
    assert vectors.shape == (5, 3)


GARBAGE = {
    "malformed JSON": httpx.Response(200, content=b'{"data": [1, 2'),
    "not an object": httpx.Response(200, json=[1, 2, 3]),
    "no data": httpx.Response(200, json={"object": "list"}),
    "wrong vector count": httpx.Response(200, json=answer([[1.0, 0.0]])),
    "NaN": httpx.Response(200, content=b'{"data": [{"embedding": [NaN, 1.0]}, {"embedding": [1.0, 0.0]}]}'),
    "infinite": httpx.Response(200, content=b'{"data": [{"embedding": [1e999, 1.0]}, {"embedding": [1.0, 0.0]}]}'),
    "ragged": httpx.Response(200, json=answer([[1.0, 0.0], [1.0]])),
    "strings": httpx.Response(200, json=answer([["1.0", "0.0"], ["1.0", "0.0"]])),
    "null item": httpx.Response(200, json=answer([[1.0, None], [1.0, 0.0]])),
    "zero vector": httpx.Response(200, json=answer([[0.0, 0.0], [1.0, 0.0]])),
    "empty vectors": httpx.Response(200, json=answer([[], []])),
    "base64": httpx.Response(200, json=answer(["AAAAAA==", "AAAAAA=="])),
    "duplicate index": httpx.Response(
        200, json={"data": [{"index": 0, "embedding": [1]}, {"index": 0, "embedding": [1]}]}
    ),
    "bad index": httpx.Response(200, json={"data": [{"index": "0", "embedding": [1]}, {"index": 1, "embedding": [1]}]}),
    "not utf-8": httpx.Response(200, content=b"\xff\xfe\xfa"),
    "HTTP 400": httpx.Response(400, json={"error": "bad"}),
    "HTTP 401": httpx.Response(401, json={"error": "key"}),
}


@pytest.mark.parametrize("name", list(GARBAGE))
def test_garbage_answers_are_mapper_errors_and_not_retried(name):
    server = FakeServer(GARBAGE[name])
    with pytest.raises(MapperError):
        client_for(server).embed(["x", "y"])
    assert len(server.requests) == 1


@pytest.mark.parametrize("status", [500, 502, 503, 429])
def test_transient_statuses_are_retried(status):
    server = FakeServer(httpx.Response(status), httpx.Response(status), echo)
    assert client_for(server, max_attempts=3).embed(["a"]).shape == (1, 3)
    assert len(server.requests) == 3


def test_retries_stop_after_max_attempts():
    server = FakeServer(httpx.Response(503))
    with pytest.raises(MapperError, match="503"):
        client_for(server, max_attempts=3).embed(["a"])
    assert len(server.requests) == 3


def test_transport_errors_are_retried_then_surface_as_mapper_error():
    def refuse(request):
        raise httpx.ConnectError("connection refused", request=request)

    server = FakeServer(refuse)
    with pytest.raises(MapperError, match="ConnectError"):
        client_for(server, max_attempts=2).embed(["a"])
    assert len(server.requests) == 2


def test_a_hanging_server_costs_no_more_than_the_deadline():
    release = threading.Event()

    def hang(request):
        release.wait(5)
        return echo(request)

    # The server answers only after 5 s: a caller that outlived its deadline would get vectors.
    client = client_for(FakeServer(hang), timeout_s=0.2)
    with pytest.raises(DeadlineExceeded):
        client.embed(["a"])
    release.set()


def test_backoff_never_outlives_the_deadline():
    server = FakeServer(httpx.Response(503))
    # 100 attempts would need at least 99 backoffs of 0.05 s (about 5 s) > the 2 s deadline.
    client = client_for(server, timeout_s=2.0, max_attempts=100, backoff_initial_s=0.05, backoff_max_s=0.1)
    with pytest.raises(MapperError):
        client.embed(["a"])
    assert 1 < len(server.requests) < 100


def test_breaker_opens_after_consecutive_failures_and_then_fails_fast():
    server = FakeServer(httpx.Response(500))
    breaker = CircuitBreaker("test", failure_threshold=2, reset_timeout_s=60)
    client = client_for(server, max_attempts=1, breaker=breaker)
    for _ in range(2):
        with pytest.raises(MapperError):
            client.embed(["a"])
    calls = len(server.requests)
    with pytest.raises(CircuitOpen):
        client.embed(["a"])
    assert len(server.requests) == calls  # refused without a request


def test_breaker_closes_after_a_successful_trial():
    now = [0.0]
    breaker = CircuitBreaker("test", failure_threshold=1, reset_timeout_s=5, clock=lambda: now[0])
    server = FakeServer(httpx.Response(500), echo)
    client = client_for(server, max_attempts=1, breaker=breaker)
    with pytest.raises(MapperError):
        client.embed(["a"])
    with pytest.raises(CircuitOpen):
        client.embed(["a"])
    now[0] = 5.0
    assert client.embed(["a"]).shape == (1, 3)
    assert breaker.state == "closed"


def test_unexpected_exceptions_become_mapper_errors():
    def boom(request):
        raise RuntimeError("bug in transport")

    with pytest.raises(MapperError, match="RuntimeError"):
        client_for(FakeServer(boom)).embed(["a"])


def test_vectors_are_finite_floats():
    vectors = client_for(FakeServer(echo)).embed(["a", "bb"])
    assert vectors.dtype == np.float32 and all(math.isfinite(x) for x in vectors.ravel())
