"""Helpers for e2e tests that run `serve` against the mock embedding and LLM services."""

from __future__ import annotations

import subprocess
import sys
import time
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
