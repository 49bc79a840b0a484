"""Embedding mapper and LLM refiner over real HTTP: the mock servers, and servers that are down, slow or broken.

Whatever the mapper services do, evaluating a pair ends (in degraded mode, ANALISE_HUMANA if
they failed), cut by the deadlines rather than by the server (see FaultServer). How long the
deadlines are is checked over fake clocks in the unit tests, and measured by the benchmark.
"""

from __future__ import annotations

import datetime as dt
import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import numpy as np
import pytest
import uvicorn

from adapters.mappers.circuit_breaker import CircuitBreaker, CircuitOpen
from adapters.mappers.embedding_client import EmbeddingClient
from adapters.mappers.embedding_mapper import EmbeddingMapper
from adapters.mappers.hybrid_mapper import HybridMapper
from adapters.mappers.lexical_mapper import LexicalMapper
from adapters.mappers.llm_refiner import LlmRefiner, parse_answer
from adapters.mappers.taxonomy_json import load_default_taxonomy
from core.domain.mapping import map_ementa
from core.domain.model import Course, Decision, Policy
from core.domain.pipeline import evaluate
from core.ports.concept_mapper import MapperError
from entrypoints.mock_servers import create_mock_embed_app, create_mock_llm_app, mock_vector
from tests.support.waiting import wait_until

TAXONOMY = load_default_taxonomy()
BD_A = (
    "Sistemas de Banco de Dados. Modelagem conceitual e modelo relacional. Linguagem SQL. "
    "Normalização: dependências funcionais e formas normais. Processamento de transações."
)
BD_B = (
    "Conceitos de bancos de dados e SGBD. Modelo entidade-relacionamento. Modelo relacional e álgebra "
    "relacional. Consultas em SQL. Normalização. Transações e controle de concorrência."
)
CALCULO = "Limites. Continuidade. Derivadas e regras de derivação. Aplicações da derivada. Integral indefinida."


# --- servers -------------------------------------------------------------------------------------


@contextmanager
def serving(app) -> Iterator[str]:
    """A Litestar app under uvicorn on a free port, in a background thread."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    wait_until(lambda: server.started, timeout_s=30, interval_s=0.01, what="the mock server starts")
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(5)
        sock.close()


@pytest.fixture(scope="module")
def embed_url() -> Iterator[str]:
    with serving(create_mock_embed_app()) as url:
        yield url


@pytest.fixture(scope="module")
def llm_url() -> Iterator[str]:
    with serving(create_mock_llm_app()) as url:
        yield url


# No test reads the clock: a slow or trickling server never finishes its answer before the test
# ends (`stop`), so a call that returns at all was cut by its own deadline. The deadlines' lengths
# and how they add up within a request's budget are checked over fake clocks in the unit tests.
MODES = ("slow", "trickle", "malformed", "wrong_shape", "http500")


class FaultServer(ThreadingHTTPServer):
    """Answers like an embeddings/chat server in `mode`: ok, or slow, trickling, malformed, wrong shape, 500."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _FaultHandler)
        self.mode = "ok"
        self.requests = 0
        self.stop = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _FaultHandler(BaseHTTPRequestHandler):
    server: FaultServer

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        self.server.requests += 1
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        mode = self.server.mode
        if mode == "slow":  # no answer until the test ends
            self.server.stop.wait()
        elif mode == "trickle":  # headers at once, then a byte every 0.2 s until the test ends: no single read times out
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            while not self.server.stop.wait(0.2):
                try:
                    self.wfile.write(b" ")
                    self.wfile.flush()
                except OSError:  # the client gave up, as it should
                    return
        elif mode == "malformed":
            self._send(200, b'{"data": [{"index": 0, "embedding": [0.1, ')
        elif mode == "wrong_shape":
            self._send(200, json.dumps({"data": [{"index": 0, "embedding": [0.1, 0.2]}]}).encode())
        elif mode == "http500":
            self._send(500, b'{"error": "internal"}')
        elif "input" not in body:
            self._send(400, b'{"error": "only embeddings are served in mode ok"}')
        else:
            inputs = body["input"]
            data = [{"index": i, "embedding": mock_vector(t)} for i, t in enumerate(inputs)]
            self._send(200, json.dumps({"object": "list", "data": data}).encode())

    def _send(self, status: int, payload: bytes) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except OSError:  # the client gave up first
            pass

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def fault_server() -> Iterator[FaultServer]:
    server = FaultServer()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.stop.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def dead_url() -> str:
    """A port with nothing listening."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}"


def ids(matches) -> set[str]:
    return {m.node_id for m in matches}


# --- the mock servers ----------------------------------------------------------------------------


def test_mock_embed_answers_like_openai_with_deterministic_neighbouring_vectors(embed_url):
    assert httpx.get(f"{embed_url}/health").json() == {"status": "ok"}
    texts = ["Modelo relacional e SQL", "modelos relacionais; sql", "Lei de Coulomb e campo elétrico"]
    body = httpx.post(f"{embed_url}/v1/embeddings", json={"model": "m", "input": texts}).json()
    assert body["object"] == "list" and body["model"] == "m" and "usage" in body
    vectors = [item["embedding"] for item in body["data"]]
    assert [item["index"] for item in body["data"]] == [0, 1, 2]
    assert all(len(v) == 256 and abs(sum(x * x for x in v) - 1) < 1e-4 for v in vectors)

    def cos(a, b):
        return sum(x * y for x, y in zip(a, b))

    assert cos(vectors[0], vectors[1]) > 0.8 > 0.2 > abs(cos(vectors[0], vectors[2]))
    again = httpx.post(f"{embed_url}/v1/embeddings", json={"model": "m", "input": texts[0]}).json()
    assert again["data"][0]["embedding"] == vectors[0]


def test_mock_embed_rejects_a_bad_request(embed_url):
    assert httpx.post(f"{embed_url}/v1/embeddings", json={"input": [1, 2]}).status_code == 400


def test_mock_llm_answers_schema_valid_json(llm_url):
    assert httpx.get(f"{llm_url}/health").json() == {"status": "ok"}
    candidates = [{"node_id": "a", "conceito": "Limites"}, {"node_id": "b", "conceito": "Lei de Gauss"}]
    user = {"ementa": CALCULO, "candidatos": candidates}
    body = httpx.post(
        f"{llm_url}/v1/chat/completions",
        json={"model": "m", "messages": [{"role": "user", "content": json.dumps(user)}]},
    ).json()
    assert body["object"] == "chat.completion"
    opinions = parse_answer(body, {"a", "b"})
    assert opinions["a"][0] > opinions["b"][0]
    assert all(q in CALCULO for q in opinions["a"][1])


# --- mappers against the mock servers ------------------------------------------------------------


@pytest.fixture(scope="module")
def embedding_mapper(embed_url) -> EmbeddingMapper:
    mapper = EmbeddingMapper(EmbeddingClient(embed_url, "mock-embed"))
    mapper.warm(TAXONOMY)
    return mapper


def test_similar_ementas_map_to_overlapping_concepts(embedding_mapper):
    calculo = embedding_mapper.map(CALCULO, TAXONOMY)
    a, b, other = ids(embedding_mapper.map(BD_A, TAXONOMY)), ids(embedding_mapper.map(BD_B, TAXONOMY)), ids(calculo)
    assert len(a & b) >= 3
    assert len(a & b) / len(a | b) > len(a & other) / len(a | other)
    assert calculo[0].node_id.startswith("mat.calc.")


class CountingEmbedder:
    """An EmbeddingClient that records the size of every batch it sends."""

    def __init__(self, client: EmbeddingClient) -> None:
        self.client, self.batches = client, list[int]()
        self.model, self.timeout_s, self.batch_size = client.model, client.timeout_s, client.batch_size

    def embed(self, texts: list[str], timeout_s: float | None = None) -> np.ndarray:
        self.batches.append(len(texts))
        return self.client.embed(texts, timeout_s=timeout_s)


def test_the_index_is_reused_across_calls(embed_url):
    embedder = CountingEmbedder(EmbeddingClient(embed_url, "mock-embed"))
    mapper = EmbeddingMapper(embedder)
    mapper.warm(TAXONOMY)
    index_batches = list(embedder.batches)
    mapper.map(BD_A, TAXONOMY)
    mapper.map(BD_B, TAXONOMY)
    assert sum(index_batches) == 2 * len(TAXONOMY.nodes)  # what the index embeds (see the unit tests)
    assert embedder.batches == [*index_batches, *embedder.batches[-2:]]  # then one batch per map()


def test_refiner_over_the_hybrid_only_reweights_candidates(embedding_mapper, llm_url):
    hybrid = HybridMapper(LexicalMapper(), embedding_mapper)
    refiner = LlmRefiner(hybrid, llm_url, "mock-llm")
    base, refined = hybrid.map(BD_A, TAXONOMY), refiner.map(BD_A, TAXONOMY)
    assert refiner.version == f"{hybrid.version}+llm-mock-llm"
    assert refined and ids(refined) <= ids(base)
    assert {m.confidence for m in refined} != {m.confidence for m in base}
    assert all(piece in BD_A for m in refined for piece in m.evidence)


# --- faults --------------------------------------------------------------------------------------


def fast_client(url: str, **kwargs) -> EmbeddingClient:
    return EmbeddingClient(url, "m", timeout_s=0.5, connect_timeout_s=0.2, **kwargs)


@pytest.mark.parametrize("mode", MODES)
def test_a_broken_embeddings_server_is_a_quick_mapper_error(fault_server, mode):
    fault_server.mode = mode
    with pytest.raises(MapperError):
        fast_client(fault_server.url).embed(["Modelo relacional", "SQL"])


def test_nothing_listening_is_a_quick_mapper_error(dead_url):
    with pytest.raises(MapperError):
        fast_client(dead_url).embed(["Modelo relacional"])


def test_breaker_opens_and_then_fails_fast(fault_server):
    fault_server.mode = "http500"
    client = fast_client(fault_server.url, max_attempts=1, breaker=CircuitBreaker("e", 3, 30))
    for _ in range(3):
        with pytest.raises(MapperError):
            client.embed(["x"])
    with pytest.raises(CircuitOpen):
        client.embed(["x"])
    assert fault_server.requests == 3  # refused without a request


@pytest.mark.parametrize("mode", ("slow", "malformed", "http500"))
def test_refiner_failure_keeps_the_base_mapping(fault_server, mode):
    fault_server.mode = mode
    lexical = LexicalMapper()
    base = lexical.map(BD_A, TAXONOMY)
    refiner = LlmRefiner(lexical, fault_server.url, "m", timeout_s=0.5)
    assert refiner.map(BD_A, TAXONOMY) == base


def production_chain(embed_url: str, llm_url: str, warm: bool = False) -> tuple[LlmRefiner, LexicalMapper]:
    """The full-runtime chain with default timeouts: refiner(hybrid(lexical, embeddings)), lexical fallback.

    `warm` builds the embeddings index first, as `serve` does at start (waiting as long as that takes)."""
    lexical = LexicalMapper()
    embedding = EmbeddingMapper(EmbeddingClient(embed_url, "m"))
    if warm:
        embedding.warm(TAXONOMY)
    return LlmRefiner(HybridMapper(lexical, embedding), llm_url, "m"), lexical


def evaluate_pair(primary, fallback, origem_text: str = BD_B, destino_text: str = BD_A):
    """The decision on one pair; against a server that never answers it returns only if every
    call was cut by its deadline."""
    origem_map = map_ementa(origem_text, TAXONOMY, primary, fallback, True)
    destino_map = map_ementa(destino_text, TAXONOMY, primary, fallback, True)
    origem, destino = Course("Banco de Dados", 60, origem_text), Course("Banco de Dados I", 60, destino_text)
    return evaluate(origem, destino, TAXONOMY, Policy(), origem_map, destino_map, dt.date(2026, 1, 1))


def test_healthy_services_are_not_degraded(embed_url, llm_url):
    primary, fallback = production_chain(embed_url, llm_url, warm=True)
    result = evaluate_pair(primary, fallback)
    assert not result.degraded_mode and "llm-m" in result.model_version


@pytest.mark.parametrize(
    ("mode", "warm"),
    [(m, w) for m in MODES for w in (False, True)] + [("down", False)],
    ids=[f"{m}-{'warm' if w else 'cold'}-index" for m in MODES for w in (False, True)] + ["down-cold-index"],
)
def test_a_failing_embeddings_service_degrades_to_review_within_budget(fault_server, dead_url, llm_url, mode, warm):
    # warm: the index was built while the service was fine, then it breaks
    primary, fallback = production_chain(dead_url if mode == "down" else fault_server.url, llm_url, warm)
    fault_server.mode = mode
    result = evaluate_pair(primary, fallback)
    assert result.degraded_mode
    assert result.decisao is Decision.ANALISE_HUMANA
    assert result.model_version == fallback.version


@pytest.mark.parametrize("mode", ("slow", "trickle", "malformed", "http500"))
def test_a_failing_llm_keeps_the_hybrid_mapping_within_budget(fault_server, embed_url, mode):
    fault_server.mode = mode
    primary, fallback = production_chain(embed_url, fault_server.url, warm=True)
    result = evaluate_pair(primary, fallback)
    assert not result.degraded_mode


def test_both_services_hanging_still_answers_within_budget(fault_server):
    fault_server.mode = "slow"
    primary, fallback = production_chain(fault_server.url, fault_server.url)
    result = evaluate_pair(primary, fallback)
    assert result.degraded_mode and result.decisao is Decision.ANALISE_HUMANA
