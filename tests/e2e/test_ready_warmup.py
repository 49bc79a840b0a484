"""`serve` is not ready before its mappers are warm (issues 10 and 14, ADR 0014).

The embeddings service is the real mock-embed process, holding its answers until the test
releases them: the index cannot be built before that, whatever the machine's speed.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.support.mock_services import evaluate, start_mock, wait_until_ready
from tests.support.e2e import ADMIN_KEY, PAIR, base_env, serve

pytestmark = pytest.mark.e2e
HEADERS = {"X-API-Key": ADMIN_KEY}


def test_not_ready_and_refusing_until_the_embedding_index_is_built(tmp_path: Path) -> None:
    mock, embed_url = start_mock("mock-embed", base_env(tmp_path) | {"MOCK_EMBED_HOLD": "1"}, tmp_path)
    try:
        with contextmanager(serve)(base_env(tmp_path) | {"EMBED_URL": embed_url}, tmp_path) as base:
            ready = httpx.get(f"{base}/ready", timeout=5)
            assert ready.status_code == 503, ready.text
            assert ready.json()["checks"]["mappers"].startswith("warming: hybrid-"), ready.text

            early = httpx.post(
                f"{base}/v1/equivalences/evaluate", json={**PAIR, "request_id": "antes-do-aquecimento"},
                headers=HEADERS, timeout=30,
            )
            assert early.status_code == 503, early.text
            assert early.headers["Retry-After"] == "5" and "warming up" in early.json()["detail"]
            stored = httpx.get(f"{base}/v1/equivalences/antes-do-aquecimento", headers=HEADERS, timeout=5)
            assert stored.status_code == 404  # nothing was stored for good under that request_id

            httpx.post(f"{embed_url}/control/hold", json={"hold": False}, timeout=5).raise_for_status()
            assert wait_until_ready(base)["checks"]["mappers"] == "ok"
            answer = evaluate(base, "antes-do-aquecimento")  # the client's retry gets the real answer
            assert answer["degraded_mode"] is False and "embed-" in answer["model_version"]
    finally:
        mock.kill()
        mock.wait(timeout=10)
