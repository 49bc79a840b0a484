"""A scripted chat-completions endpoint (httpx.MockTransport) and a fixed base mapper for LLM refiner tests."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

import httpx

from core.domain.model import ConceptMatch, Taxonomy, TaxonomyNode
from core.ports.concept_mapper import MapperError


TAXONOMY = Taxonomy(
    "t",
    (
        TaxonomyNode("mat.lim", "matematica", "calculo", "Limites"),
        TaxonomyNode("mat.der", "matematica", "calculo", "Derivadas"),
        TaxonomyNode("mat.int", "matematica", "calculo", "Integrais"),
    ),
)
EMENTA = "Limites e continuidade. Derivadas e regras de derivação."
BASE = (
    ConceptMatch("mat.der", 0.8, ("Derivadas e regras de derivação",)),
    ConceptMatch("mat.lim", 0.6, ("Limites e continuidade",)),
)


@dataclass
class FixedMapper:
    answer: tuple[ConceptMatch, ...] = BASE
    fails: bool = False
    delay_s: float = 0.0
    version: str = "hybrid-1"

    def map(self, text, taxonomy):
        time.sleep(self.delay_s)
        if self.fails:
            raise MapperError("down")
        return self.answer


def completion(content) -> httpx.Response:
    text = content if isinstance(content, str) else json.dumps(content)
    message = {"role": "assistant", "content": text}
    return httpx.Response(200, json={"object": "chat.completion", "choices": [{"index": 0, "message": message}]})


class ChatServer:
    def __init__(self, respond) -> None:
        self.respond = respond
        self.requests: list[dict] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(json.loads(request.content))
        return self.respond(request)


def concepts(*items) -> dict:
    return {"concepts": [{"node_id": n, "confidence": c, "evidence": list(e)} for n, c, e in items]}
