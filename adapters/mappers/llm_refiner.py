"""LLM refiner: an OpenAI-compatible chat model re-weights the base mapper's candidate concepts.

The model sees the ementa and the candidates (node_id, conceito) and answers JSON that must
follow the schema sent in ``response_format``. It can only *re-weight* candidates and quote
evidence: an answer naming a concept outside the candidates is rejected whole, confidences
are clamped to [0, 1], and a quote is kept only if it is an exact piece of the ementa. The
refiner is an optional improvement, never a point of failure: on any failure (timeout,
HTTP error, bad JSON, schema violation, open circuit) the base mapping is returned as is.
Only a failing *base* mapper raises (MapperError), since then there is nothing to refine.
"""

from __future__ import annotations

import json
import logging
import math
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from adapters.mappers.budget import Deadline, run_within
from adapters.mappers.circuit_breaker import CircuitBreaker, CircuitOpen
from adapters.mappers.embedding_client import bearer, openai_endpoint, post_json
from core.domain.model import ConceptMatch, Taxonomy
from core.ports.concept_mapper import ConceptMapper, MapperError
from core.ports.metrics import Metrics

log = logging.getLogger(__name__)

SCHEMA_NAME = "refinamento_conceitos"
MIN_CALL_S = 0.05
"""With less than this left of the budget the model is not asked at all."""
MAX_EMENTA_CHARS = 12_000
MAX_QUOTE_CHARS = 300
MAX_EVIDENCE = 3

SYSTEM_PROMPT = (
    "Você avalia quais conceitos de uma taxonomia a ementa de uma disciplina realmente ensina. "
    "Recebe a ementa e uma lista de conceitos candidatos. Para cada candidato, dê 'confidence' "
    "entre 0 e 1 (0: a ementa não ensina o conceito; 1: ensina claramente) e 'evidence': trechos "
    "copiados literalmente da ementa que o justificam. Use somente node_id da lista de candidatos. "
    "Responda apenas com JSON conforme o schema."
)


def response_schema(candidate_ids: list[str]) -> dict[str, Any]:
    """The JSON schema of the answer: one entry per candidate the model has an opinion on."""
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["concepts"],
        "properties": {
            "concepts": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["node_id", "confidence", "evidence"],
                    "properties": {
                        "node_id": {"type": "string", "enum": candidate_ids},
                        "confidence": {"type": "number", "description": "entre 0 e 1"},
                        "evidence": {"type": "array", "items": {"type": "string"}},
                    },
                },
            }
        },
    }


class SchemaViolation(MapperError):
    """The model's answer does not follow the schema it was given."""


class LlmRefiner:
    """ConceptMapper decorator: ``base`` maps, the LLM re-weights; its failures never surface."""

    def __init__(
        self,
        base: ConceptMapper,
        url: str,
        model: str,
        api_key: str | None = None,
        *,
        timeout_s: float = 0.8,
        budget_s: float = 0.9,
        connect_timeout_s: float = 0.25,
        llm_weight: float = 0.5,
        max_candidates: int = 16,
        min_confidence: float = 0.25,
        max_tokens: int | None = 800,
        breaker: CircuitBreaker | None = None,
        max_workers: int = 8,
        transport: httpx.BaseTransport | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        if not 0.0 <= llm_weight <= 1.0:
            raise ValueError("llm_weight must be within [0, 1]")
        self._base = base
        self._metrics = metrics
        self.model = model
        self._url = openai_endpoint(url, "/chat/completions")
        self._headers = bearer(api_key)
        self._timeout_s = timeout_s
        self._budget_s = budget_s
        self._connect_timeout_s = connect_timeout_s
        self._weight = llm_weight
        self._max_candidates = max_candidates
        self._min_confidence = min_confidence
        self._max_tokens = max_tokens
        self.breaker = breaker or CircuitBreaker(f"llm {model}")
        self._http = httpx.Client(
            transport=transport,
            limits=httpx.Limits(max_connections=max_workers, max_keepalive_connections=max_workers),
        )
        self._executor = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="llm")
        self._what = f"LLM ({model} em {self._url})"

    @property
    def version(self) -> str:
        return f"{self._base.version}+llm-{self.model}"

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._http.close()

    def map(self, text: str, taxonomy: Taxonomy) -> tuple[ConceptMatch, ...]:
        started = time.monotonic()
        base = self._base.map(text, taxonomy)
        if not base:
            return base
        seconds = min(self._timeout_s, self._budget_s - (time.monotonic() - started))
        if seconds < MIN_CALL_S:
            log.warning("llm refiner skipped: %.3fs left of the mapping budget", seconds)
            return base
        candidates = sorted(base, key=lambda m: (-m.confidence, m.node_id))[: self._max_candidates]
        asked = time.monotonic()
        try:
            opinions = self._ask(text, candidates, taxonomy, Deadline(seconds))
        except CircuitOpen:
            self._observe(asked, failed=True)
            return base  # already logged when the failures opened it
        except Exception as exc:  # noqa: BLE001 - any failure keeps the base mapping
            self._observe(asked, failed=True)
            log.warning("llm refiner kept the base mapping: %s: %s", type(exc).__name__, exc)
            return base
        self._observe(asked, failed=False)
        return self._merge(text, base, opinions)

    def _observe(self, asked: float, failed: bool) -> None:
        """The LLM call alone (not the base mapper) as mapper `llm`; a failure here never surfaces."""
        if self._metrics is not None:
            self._metrics.mapper_call("llm", time.monotonic() - asked, failed)

    def _ask(
        self, text: str, candidates: list[ConceptMatch], taxonomy: Taxonomy, deadline: Deadline
    ) -> dict[str, tuple[float, tuple[str, ...]]]:
        ids = [m.node_id for m in candidates]
        payload = self._request(text, candidates, taxonomy)
        self.breaker.before_call()
        try:
            body = run_within(
                self._executor,
                lambda: post_json(
                    self._http, self._url, payload, self._headers, deadline, self._what,
                    connect_timeout_s=self._connect_timeout_s,
                ),
                deadline,
                self._what,
            )
            opinions = parse_answer(body, set(ids))
        except Exception:
            self.breaker.record_failure()
            raise
        self.breaker.record_success()
        return opinions

    def _request(self, text: str, candidates: list[ConceptMatch], taxonomy: Taxonomy) -> dict[str, Any]:
        user = {
            "ementa": text[:MAX_EMENTA_CHARS],
            "candidatos": [
                {"node_id": m.node_id, "conceito": taxonomy.node(m.node_id).conceito} for m in candidates
            ],
        }
        payload: dict[str, Any] = {
            "model": self.model,
            "temperature": 0,
            "seed": 0,
            "messages": [
                {"role": "system", "content": SYSTEM_PROMPT},
                {"role": "user", "content": json.dumps(user, ensure_ascii=False)},
            ],
            "response_format": {
                "type": "json_schema",
                "json_schema": {
                    "name": SCHEMA_NAME,
                    "strict": True,
                    "schema": response_schema([m.node_id for m in candidates]),
                },
            },
        }
        if self._max_tokens is not None:
            payload["max_tokens"] = self._max_tokens
        return payload

    def _merge(
        self, text: str, base: tuple[ConceptMatch, ...], opinions: dict[str, tuple[float, tuple[str, ...]]]
    ) -> tuple[ConceptMatch, ...]:
        """Blend each candidate's confidence with the model's; keep only verbatim quotes as evidence."""
        refined: list[ConceptMatch] = []
        for match in base:
            opinion = opinions.get(match.node_id)
            if opinion is None:
                refined.append(match)
                continue
            confidence, quotes = opinion
            blended = round((1.0 - self._weight) * match.confidence + self._weight * confidence, 4)
            if blended < self._min_confidence:
                continue
            evidence = [q for q in dict.fromkeys(q.strip() for q in quotes) if _verbatim(q, text)]
            evidence += [e for e in match.evidence if e not in evidence]
            refined.append(ConceptMatch(match.node_id, blended, tuple(evidence[:MAX_EVIDENCE])))
        refined.sort(key=lambda m: (-m.confidence, m.node_id))
        return tuple(refined)


def parse_answer(body: Any, candidates: set[str]) -> dict[str, tuple[float, tuple[str, ...]]]:
    """node_id -> (confidence in [0, 1], quotes) from an OpenAI chat completion; SchemaViolation if off-schema."""
    try:
        message = body["choices"][0]["message"]
        content = message["content"]
    except (KeyError, IndexError, TypeError):
        raise SchemaViolation("resposta sem choices[0].message.content") from None
    if isinstance(content, str):
        try:
            content = json.loads(_strip_fence(content))
        except ValueError:
            raise SchemaViolation("conteúdo da mensagem não é JSON") from None
    concepts = content.get("concepts") if isinstance(content, dict) else None
    if not isinstance(concepts, list) or set(content) != {"concepts"}:
        raise SchemaViolation("objeto sem a lista 'concepts'")
    opinions: dict[str, tuple[float, tuple[str, ...]]] = {}
    for item in concepts:
        if not isinstance(item, dict) or set(item) != {"node_id", "confidence", "evidence"}:
            raise SchemaViolation("item de 'concepts' fora do schema")
        node_id, confidence, evidence = item["node_id"], item["confidence"], item["evidence"]
        if not isinstance(node_id, str) or node_id not in candidates:
            raise SchemaViolation(f"conceito {node_id!r} não é candidato")
        if type(confidence) not in (int, float) or not math.isfinite(confidence):
            raise SchemaViolation("'confidence' não é número finito")
        if not isinstance(evidence, list) or not all(isinstance(e, str) for e in evidence):
            raise SchemaViolation("'evidence' não é lista de textos")
        opinions.setdefault(node_id, (min(1.0, max(0.0, float(confidence))), tuple(evidence)))
    return opinions


def _verbatim(quote: str, text: str) -> bool:
    """A quote is evidence only if the ementa says exactly that."""
    return 0 < len(quote) <= MAX_QUOTE_CHARS and quote in text


def _strip_fence(content: str) -> str:
    """Some servers wrap JSON in a Markdown code fence even in JSON mode."""
    stripped = content.strip()
    if stripped.startswith("```") and stripped.endswith("```"):
        stripped = stripped[3:-3]
        if stripped.startswith("json"):
            stripped = stripped[4:]
    return stripped
