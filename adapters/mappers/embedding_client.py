"""OpenAI-compatible embeddings over httpx: POST {EMBED_URL}/v1/embeddings.

Works against Ollama, text-embeddings-inference, vLLM, OpenAI and `equivalence mock-embed`.
Every call has one deadline that covers batching, retries and backoff; transient failures
(transport errors, timeouts, HTTP 5xx and 429) are retried by tenacity with jittered
exponential backoff while the deadline allows; a circuit breaker stops calling a service
that keeps failing. Whatever goes wrong surfaces as MapperError, never as an httpx error.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import numpy as np
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_random_exponential
from tenacity.stop import stop_base

from adapters.mappers.budget import Deadline, run_within
from adapters.mappers.circuit_breaker import CircuitBreaker
from core.ports.concept_mapper import MapperError

MAX_RESPONSE_BYTES = 64 * 2**20
MIN_ATTEMPT_S = 0.05
"""No new attempt starts with less than this left of the deadline: it could not finish."""


class TransientError(MapperError):
    """A failure worth another attempt: transport error, timeout, HTTP 5xx or 429."""


def openai_endpoint(base_url: str, path: str) -> str:
    """``http://h:9001``, ``http://h:9001/v1`` and the full endpoint URL all name the same endpoint."""
    base = base_url.rstrip("/")
    if base.endswith(path):
        return base
    if base.endswith("/v1"):
        return base + path
    return base + "/v1" + path


def bearer(api_key: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}"} if api_key else {}


def post_json(
    client: httpx.Client,
    url: str,
    payload: dict[str, Any],
    headers: dict[str, str],
    deadline: Deadline,
    what: str,
    connect_timeout_s: float | None = None,
    read_timeout_s: float | None = None,
    max_bytes: int = MAX_RESPONSE_BYTES,
) -> Any:
    """One POST whose every timeout is capped by the deadline; the parsed JSON of a 2xx answer."""
    read = deadline.cap(read_timeout_s)
    timeout = httpx.Timeout(connect=deadline.cap(connect_timeout_s), read=read, write=read, pool=read)
    body = bytearray()
    try:
        with client.stream("POST", url, json=payload, headers=headers, timeout=timeout) as response:
            status = response.status_code
            if status == 429 or status >= 500:
                raise TransientError(f"{what}: HTTP {status}")
            if not 200 <= status < 300:
                raise MapperError(f"{what}: HTTP {status}")
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > max_bytes:
                    raise MapperError(f"{what}: resposta maior que {max_bytes} bytes")
                deadline.check(what)  # a server trickling bytes cannot stretch the call
    except httpx.TransportError as exc:  # connect/read/write/pool timeouts, refused, reset, protocol
        raise TransientError(f"{what}: {type(exc).__name__}: {exc or 'sem detalhes'}") from exc
    except httpx.HTTPError as exc:
        raise MapperError(f"{what}: {type(exc).__name__}: {exc}") from exc
    try:
        return json.loads(bytes(body))
    except ValueError as exc:  # includes UnicodeDecodeError
        raise MapperError(f"{what}: resposta não é JSON válido") from exc


def parse_embeddings(body: Any, expected: int, what: str) -> np.ndarray:
    """The ``expected`` vectors of an OpenAI embeddings answer, L2-normalized, in input order."""
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, list):
        raise MapperError(f"{what}: resposta sem lista 'data'")
    if len(data) != expected:
        raise MapperError(f"{what}: {len(data)} vetores para {expected} textos")
    rows: list[Any] = [None] * expected
    for position, item in enumerate(data):
        index = item.get("index", position) if isinstance(item, dict) else None
        if type(index) is not int or not 0 <= index < expected or rows[index] is not None:
            raise MapperError(f"{what}: item {position} sem 'index' válido")
        embedding = item.get("embedding")
        if not isinstance(embedding, list):
            raise MapperError(f"{what}: item {position} sem lista 'embedding'")
        rows[index] = embedding
    try:
        matrix = np.asarray(rows)
    except ValueError:
        raise MapperError(f"{what}: vetores de tamanhos diferentes") from None
    if matrix.ndim != 2 or matrix.shape[1] == 0 or matrix.dtype.kind not in "iuf":
        raise MapperError(f"{what}: vetores não numéricos ou vazios")
    matrix = matrix.astype(np.float64)
    if not np.isfinite(matrix).all():
        raise MapperError(f"{what}: vetores com NaN ou infinito")
    norms = np.linalg.norm(matrix, axis=1)
    if not (norms > 0).all():
        raise MapperError(f"{what}: vetor nulo")
    return (matrix / norms[:, None]).astype(np.float32)


class _OutOfTime(stop_base):
    """Stop retrying when the backoff would leave too little of the deadline for an attempt."""

    def __init__(self, deadline: Deadline) -> None:
        self._deadline = deadline

    def __call__(self, retry_state: Any) -> bool:
        return self._deadline.remaining() - retry_state.upcoming_sleep < MIN_ATTEMPT_S


class EmbeddingClient:
    """Embeds texts with an OpenAI-compatible server; raises MapperError, never hangs past its deadline."""

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str | None = None,
        *,
        timeout_s: float = 0.8,
        connect_timeout_s: float = 0.25,
        read_timeout_s: float | None = None,
        batch_size: int = 32,
        max_attempts: int = 3,
        backoff_initial_s: float = 0.05,
        backoff_max_s: float = 0.4,
        breaker: CircuitBreaker | None = None,
        max_workers: int = 8,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if batch_size < 1 or max_attempts < 1 or timeout_s <= 0:
            raise ValueError("batch_size and max_attempts must be >= 1 and timeout_s > 0")
        self.model = model
        self.timeout_s = timeout_s
        self.batch_size = batch_size
        self.breaker = breaker or CircuitBreaker(f"embeddings {model}")
        self._url = openai_endpoint(base_url, "/embeddings")
        self._headers = bearer(api_key)
        self._connect_timeout_s = connect_timeout_s
        self._read_timeout_s = read_timeout_s
        self._max_attempts = max_attempts
        self._wait = wait_random_exponential(multiplier=backoff_initial_s, max=backoff_max_s)
        self._http = httpx.Client(
            transport=transport,
            limits=httpx.Limits(max_connections=max_workers, max_keepalive_connections=max_workers),
        )
        self._executor = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="embed")
        self._closed = threading.Event()
        self._what = f"embeddings ({model} em {self._url})"

    def embed(self, texts: Sequence[str], timeout_s: float | None = None) -> np.ndarray:
        """One L2-normalized row per text (float32), all within ``timeout_s`` (default: the client's)."""
        if not texts:
            raise ValueError("nothing to embed")
        if self._closed.is_set():
            raise MapperError(f"{self._what}: cliente fechado")
        deadline = Deadline(timeout_s if timeout_s is not None else self.timeout_s)
        batch = list(texts)
        self.breaker.before_call()
        try:
            vectors = run_within(self._executor, lambda: self._embed_batches(batch, deadline), deadline, self._what)
        except MapperError:
            self.breaker.record_failure()
            raise
        except Exception as exc:  # noqa: BLE001 - nothing from the service may escape as another type
            self.breaker.record_failure()
            raise MapperError(f"{self._what}: {type(exc).__name__}: {exc}") from exc
        self.breaker.record_success()
        return vectors

    def close(self) -> None:
        self._closed.set()
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._http.close()

    def _embed_batches(self, texts: list[str], deadline: Deadline) -> np.ndarray:
        parts = [
            self._with_retries(texts[i : i + self.batch_size], deadline)
            for i in range(0, len(texts), self.batch_size)
        ]
        if len({p.shape[1] for p in parts}) > 1:
            raise MapperError(f"{self._what}: dimensão dos vetores mudou entre lotes")
        return parts[0] if len(parts) == 1 else np.vstack(parts)

    def _with_retries(self, batch: list[str], deadline: Deadline) -> np.ndarray:
        retrying = Retrying(
            stop=stop_after_attempt(self._max_attempts) | _OutOfTime(deadline),
            wait=self._wait,
            retry=retry_if_exception_type(TransientError),
            reraise=True,
        )
        return retrying(self._post_batch, batch, deadline)

    def _post_batch(self, batch: list[str], deadline: Deadline) -> np.ndarray:
        deadline.check(self._what)
        body = post_json(
            self._http,
            self._url,
            {"model": self.model, "input": batch},
            self._headers,
            deadline,
            self._what,
            connect_timeout_s=self._connect_timeout_s,
            read_timeout_s=self._read_timeout_s,
        )
        return parse_embeddings(body, len(batch), self._what)
