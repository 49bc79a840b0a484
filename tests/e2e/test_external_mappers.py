"""The full mapper chain as an operator runs it: `serve` with EMBED_URL/LLM_URL on the mock servers.

Healthy services refine the mapping; a killed embedding service degrades to the lexical
fallback (ANALISE_HUMANA) and never makes evaluate fail. The answer only has to come within the
client's generous timeout: the 2 s budget itself is checked over fake clocks in the unit tests.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.e2e import PAIR, base_env, serve
from tests.support.mock_services import evaluate, start_mock, wait_until_ready

pytestmark = pytest.mark.e2e


@pytest.fixture
def mocks(tmp_path: Path) -> Iterator[dict[str, tuple[subprocess.Popen[bytes], str]]]:
    env = base_env(tmp_path)
    started = {name: start_mock(name, env, tmp_path) for name in ("mock-embed", "mock-llm")}
    yield started
    for process, _ in started.values():
        process.kill()
        process.wait(timeout=10)


def test_serve_with_mock_embeddings_and_llm_then_embedding_outage(tmp_path: Path, mocks) -> None:  # type: ignore[no-untyped-def]
    env = base_env(tmp_path) | {"EMBED_URL": mocks["mock-embed"][1], "LLM_URL": mocks["mock-llm"][1]}
    for base in serve(env, tmp_path):
        wait_until_ready(base)
        healthy = evaluate(base, "ext-mappers-healthy-1")
        assert "embed-" in healthy["model_version"] and "llm-" in healthy["model_version"]
        assert healthy["degraded_mode"] is False and healthy["evidence"]["covered_concepts"]

        embed_process, _ = mocks["mock-embed"]
        embed_process.kill()
        embed_process.wait(timeout=10)
        # New texts: the cached mappings of the first call would (rightly) not need the service.
        fresh = {side: {**PAIR[side], "ementa": PAIR[side]["ementa"] + " Estudos de caso."} for side in PAIR}
        outage = evaluate(base, "ext-mappers-outage-1", fresh)  # within the client's timeout, degraded
        assert outage["degraded_mode"] is True and outage["decisao"] == "ANALISE_HUMANA"
        assert outage["model_version"].startswith("lexical")
