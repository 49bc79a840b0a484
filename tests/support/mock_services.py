"""Helpers for e2e tests that run `serve` against the mock embedding and LLM services."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx

from tests.support.e2e import ADMIN_KEY, PAIR, answers, free_port
from tests.support.waiting import wait_until


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


def wait_until_ready(base: str, timeout: float = 120.0) -> dict:
    """/ready is 503 until the mappers are warm (ADR 0014); a generous deadline, not a speed assumption."""

    def ready() -> dict | None:
        response = httpx.get(f"{base}/ready", timeout=5)
        return response.json() if response.status_code == 200 else None

    return wait_until(ready, timeout_s=timeout, interval_s=0.2, what="serve becomes ready")


def evaluate(base: str, request_id: str, pair: dict = PAIR) -> dict:
    """The 200 answer to one evaluation (a generous client timeout: no speed is asserted)."""
    response = httpx.post(
        f"{base}/v1/equivalences/evaluate",
        json={**pair, "request_id": request_id},
        headers={"X-API-Key": ADMIN_KEY},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json()
