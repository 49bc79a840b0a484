"""Mock embedding and LLM services for development, compose and tests (`equivalence mock-embed|mock-llm`).

mock-embed (:9001) answers POST /v1/embeddings like OpenAI, with deterministic vectors in
which similar texts are near each other: signed feature hashing (4 slots per feature) of accent-folded, stemmed
word unigrams and bigrams (the lexical mapper's own tokenizer), L2-normalized. Texts that
share words share coordinates; unrelated texts are nearly orthogonal.

Tests can hold mock-embed's answers (start it with MOCK_EMBED_HOLD=1, or POST /control/hold
{"hold": true}) and release them ({"hold": false}): a service that is slow to answer, without
timing assumptions.

mock-llm (:9002) answers POST /v1/chat/completions like OpenAI: it reads the candidate
concepts the refiner sent, scores each by word overlap with the ementa and returns message
content that is valid against the requested JSON schema.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import time
from typing import Any

import numpy as np
import uvicorn
from litestar import Litestar, get, post
from litestar.exceptions import ValidationException
from litestar.params import JSONBody

from adapters.mappers.text import Token, excerpt, tokenize

DIMENSIONS = 256
BIGRAM_WEIGHT = 0.7
HASHES = 4


def mock_vector(text: str, dimensions: int = DIMENSIONS) -> list[float]:
    """A unit vector from the text's stemmed unigrams and bigrams; same text, same vector."""
    stems = [t.stem for t in tokenize(text)]
    features = {s: 1.0 for s in stems}
    features.update({f"{a} {b}": BIGRAM_WEIGHT for a, b in zip(stems, stems[1:])})
    vector = np.zeros(dimensions)
    for feature, weight in (features or {"\x00vazio": 1.0}).items():
        digest = hashlib.blake2b(feature.encode("utf-8"), digest_size=4 * HASHES).digest()
        for k in range(HASHES):  # several signed slots per feature: one collision is not a match
            slot = int.from_bytes(digest[4 * k : 4 * k + 4], "little")
            vector[(slot >> 1) % dimensions] += (1.0 if slot & 1 else -1.0) * weight
    norm = float(np.linalg.norm(vector))
    if norm == 0.0:  # every feature cancelled out in a hash collision
        vector[0], norm = 1.0, 1.0
    return np.round(vector / norm, 6).tolist()


@get("/health", sync_to_thread=False)
def health() -> dict[str, str]:
    return {"status": "ok"}


_HOLD = {"hold": False}


@post("/control/hold", status_code=200)
async def control_hold(data: JSONBody[dict[str, Any]]) -> dict[str, bool]:
    """{"hold": true}: embeddings requests wait until {"hold": false}."""
    _HOLD["hold"] = bool(data.get("hold"))
    return dict(_HOLD)


@post("/v1/embeddings", status_code=200)
async def embeddings(data: JSONBody[dict[str, Any]]) -> dict[str, Any]:
    """OpenAI embeddings: {"input": str | [str], "model": str}."""
    while _HOLD["hold"]:
        await asyncio.sleep(0.05)
    inputs = data.get("input")
    if isinstance(inputs, str):
        inputs = [inputs]
    if not isinstance(inputs, list) or not inputs or not all(isinstance(t, str) for t in inputs):
        raise ValidationException("'input' must be a string or a non-empty list of strings")
    tokens = sum(len(t.split()) for t in inputs)
    return {
        "object": "list",
        "data": [{"object": "embedding", "index": i, "embedding": mock_vector(t)} for i, t in enumerate(inputs)],
        "model": str(data.get("model") or "mock-embed"),
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }


def _request_candidates(data: dict[str, Any]) -> tuple[str, list[dict[str, str]]]:
    """(ementa, candidates) from the refiner's user message; else the schema's node_id enum."""
    messages = data.get("messages")
    if not isinstance(messages, list):
        raise ValidationException("'messages' must be a list")
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == "user":
            try:
                content = json.loads(message.get("content") or "")
            except (TypeError, ValueError):
                return str(message.get("content") or ""), _schema_candidates(data)
            if isinstance(content, dict) and isinstance(content.get("candidatos"), list):
                candidates = [
                    {"node_id": str(c.get("node_id")), "conceito": str(c.get("conceito") or c.get("node_id"))}
                    for c in content["candidatos"]
                    if isinstance(c, dict) and c.get("node_id")
                ]
                return str(content.get("ementa") or ""), candidates
    return "", _schema_candidates(data)


def _schema_candidates(data: dict[str, Any]) -> list[dict[str, str]]:
    try:
        schema = data["response_format"]["json_schema"]["schema"]
        ids = schema["properties"]["concepts"]["items"]["properties"]["node_id"]["enum"]
    except (KeyError, TypeError):
        return []
    return [{"node_id": str(i), "conceito": str(i)} for i in ids]


def score_candidates(ementa: str, candidates: list[dict[str, str]]) -> list[dict[str, Any]]:
    """Each candidate scored by the share of its name's words found in the ementa, with a verbatim quote."""
    tokens = tokenize(ementa)
    where: dict[str, Token] = {}
    for token in tokens:
        where.setdefault(token.stem, token)
    concepts = []
    for candidate in candidates:
        stems = {t.stem for t in tokenize(candidate["conceito"])}
        shared = [where[s] for s in sorted(stems) if s in where]
        overlap = len(shared) / len(stems) if stems else 0.0
        first = min(shared, key=lambda t: t.start) if shared else None
        concepts.append(
            {
                "node_id": candidate["node_id"],
                "confidence": round(0.1 + 0.85 * overlap, 3),
                "evidence": [excerpt(ementa, first.start, first.end)] if first else [],
            }
        )
    return concepts


@post("/v1/chat/completions", status_code=200, sync_to_thread=False)
def chat_completions(data: JSONBody[dict[str, Any]]) -> dict[str, Any]:
    ementa, candidates = _request_candidates(data)
    content = json.dumps({"concepts": score_candidates(ementa, candidates)}, ensure_ascii=False)
    digest = hashlib.sha256(content.encode("utf-8")).hexdigest()[:24]
    return {
        "id": f"chatcmpl-mock-{digest}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": str(data.get("model") or "mock-llm"),
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
    }


def create_mock_embed_app() -> Litestar:
    _HOLD["hold"] = os.environ.get("MOCK_EMBED_HOLD") == "1"
    return Litestar(route_handlers=[health, embeddings, control_hold], openapi_config=None)


def create_mock_llm_app() -> Litestar:
    return Litestar(route_handlers=[health, chat_completions], openapi_config=None)


def run_mock_embed(host: str = "127.0.0.1", port: int = 9001) -> None:
    """Serve mock-embed until interrupted (compose: host 0.0.0.0)."""
    uvicorn.run(create_mock_embed_app(), host=host, port=port, log_level="warning")


def run_mock_llm(host: str = "127.0.0.1", port: int = 9002) -> None:
    """Serve mock-llm until interrupted (compose: host 0.0.0.0)."""
    uvicorn.run(create_mock_llm_app(), host=host, port=port, log_level="warning")
