"""The full mapper chain as an operator runs it: `serve` with EMBED_URL/LLM_URL on the mock servers.

Healthy services refine the mapping; a killed embedding service degrades to the lexical
fallback (ANALISE_HUMANA) within the 2 s budget, and never makes evaluate fail.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.e2e import ADMIN_KEY, PAIR, answers, base_env, free_port, serve
from tests.support.waiting import wait_until

pytestmark = pytest.mark.e2e


def start_mock(name: str, env: dict[str, str], cwd: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "entrypoints.cli", name, "--port", str(port)],
        env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: answers(f"{url}/health"), interval_s=0.2, what=f"{name} starts")
    except AssertionError:
        process.kill()
        raise
    return process, url


@pytest.fixture
def mocks(tmp_path: Path) -> Iterator[dict[str, tuple[subprocess.Popen[bytes], str]]]:
    env = base_env(tmp_path)
    started = {name: start_mock(name, env, tmp_path) for name in ("mock-embed", "mock-llm")}
    yield started
    for process, _ in started.values():
        process.kill()
        process.wait(timeout=10)


def wait_until_ready(base: str, timeout: float = 120.0) -> dict:
    """/ready is 503 until the mappers are warm (ADR 0014); a generous deadline, not a speed assumption."""
    deadline = time.monotonic() + timeout
    while True:
        response = httpx.get(f"{base}/ready", timeout=5)
        if response.status_code == 200:
            return response.json()
        assert time.monotonic() < deadline, f"serve did not become ready: {response.text}"
        time.sleep(0.2)


def evaluate(base: str, request_id: str, pair: dict = PAIR) -> tuple[dict, float]:
    started = time.monotonic()
    response = httpx.post(
        f"{base}/v1/equivalences/evaluate",
        json={**pair, "request_id": request_id},
        headers={"X-API-Key": ADMIN_KEY},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json(), time.monotonic() - started


def test_serve_with_mock_embeddings_and_llm_then_embedding_outage(tmp_path: Path, mocks) -> None:  # type: ignore[no-untyped-def]
    env = base_env(tmp_path) | {"EMBED_URL": mocks["mock-embed"][1], "LLM_URL": mocks["mock-llm"][1]}
    for base in serve(env, tmp_path):
        wait_until_ready(base)
        healthy, _ = evaluate(base, "ext-mappers-healthy-1")
        assert "embed-" in healthy["model_version"] and "llm-" in healthy["model_version"]
        assert healthy["degraded_mode"] is False and healthy["evidence"]["covered_concepts"]

        embed_process, _ = mocks["mock-embed"]
        embed_process.kill()
        embed_process.wait(timeout=10)
        # New texts: the cached mappings of the first call would (rightly) not need the service.
        fresh = {side: {**PAIR[side], "ementa": PAIR[side]["ementa"] + " Estudos de caso."} for side in PAIR}
        outage, elapsed = evaluate(base, "ext-mappers-outage-1", fresh)
        assert outage["degraded_mode"] is True and outage["decisao"] == "ANALISE_HUMANA"
        assert outage["model_version"].startswith("lexical")
        assert elapsed < 2.0
