"""`equivalence serve` as a real process, called over a socket, on both runtimes."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psycopg
import pytest

from tests.support.e2e import ADMIN_KEY, PAIR, as_posted, base_env, free_port, run_cli, serve

pytestmark = pytest.mark.e2e


def exercise(base: str, request_id: str) -> None:
    headers = {"X-API-Key": ADMIN_KEY}
    body = {**PAIR, "request_id": request_id}
    first = httpx.post(f"{base}/v1/equivalences/evaluate", json=body, headers=headers, timeout=10)
    assert first.status_code == 200, first.text
    decision = first.json()
    assert decision["decisao"] in {"DEFERIDO", "ANALISE_HUMANA", "INDEFERIDO"}
    assert decision["evidence"]["covered_concepts"], decision
    stored = httpx.get(f"{base}/v1/equivalences/{request_id}", headers=headers, timeout=10)
    assert stored.status_code == 200 and as_posted(stored.json()) == decision
    assert "decisao_final" in stored.json()
    again = httpx.post(f"{base}/v1/equivalences/evaluate", json=body, headers=headers, timeout=10)
    assert again.json() == decision and again.headers.get("Idempotent-Replayed") == "true"
    unauthorized = httpx.post(f"{base}/v1/equivalences/evaluate", json=body, timeout=10)
    assert unauthorized.status_code == 401 and unauthorized.json()["detail"] == "Invalid API key"
    assert httpx.get(f"{base}/schema/openapi.json", timeout=10).status_code == 200


def concurrent_identical_requests(base: str, request_id: str, count_rows: Callable[[str], int]) -> None:
    """20 identical requests at once: exactly one stored result and 20 identical answers."""
    body = {**PAIR, "request_id": request_id}
    with httpx.Client(headers={"X-API-Key": ADMIN_KEY}, timeout=30) as client, ThreadPoolExecutor(20) as pool:
        responses = list(pool.map(lambda _: client.post(f"{base}/v1/equivalences/evaluate", json=body), range(20)))
    assert {r.status_code for r in responses} == {200}
    assert len({r.content for r in responses}) == 1
    assert count_rows(request_id) == 1


def test_embedded_runtime_serves_real_decisions(tmp_path: Path) -> None:
    env = base_env(tmp_path)
    database = tmp_path / "var" / "equivalence.db"

    def count_rows(request_id: str) -> int:
        with sqlite3.connect(database) as connection:
            query = "SELECT count(*) FROM evaluation_results WHERE request_id = ?"
            row = connection.execute(query, (request_id,)).fetchone()
            assert row is not None
            return int(row[0])

    for base in serve(env, tmp_path):
        exercise(base, "e2e-embedded-0001")
        concurrent_identical_requests(base, "e2e-embedded-race-01", count_rows)
    assert database.exists()


def test_full_runtime_on_postgresql(tmp_path: Path, pg_url: str) -> None:
    env = base_env(tmp_path) | {"DATABASE_URL": pg_url, "API_KEY_PEPPER": "e2e-pepper-0123456789abcdef"}
    outdated = subprocess.run(
        [sys.executable, "-m", "entrypoints.cli", "serve", "--port", str(free_port())],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )
    assert outdated.returncode == 1 and "equivalence migrate" in outdated.stderr
    assert run_cli(["migrate"], env, tmp_path).returncode == 0
    seeded = run_cli(["seed"], env, tmp_path)
    assert seeded.returncode == 0, seeded.stderr
    def count_rows(request_id: str) -> int:
        with psycopg.connect(pg_url.replace("postgresql+psycopg", "postgresql")) as connection:
            query = "SELECT count(*) FROM evaluation_results WHERE request_id = %s"
            row = connection.execute(query, (request_id,)).fetchone()
            assert row is not None
            return int(row[0])

    for base in serve(env, tmp_path):
        exercise(base, "e2e-postgres-0001")
        concurrent_identical_requests(base, "e2e-postgres-race-01", count_rows)


def test_every_line_serve_writes_is_one_json_object_with_the_request_id(tmp_path: Path) -> None:
    """Uvicorn's, Litestar's and our lines alike (entrypoints/logging_config.py, ADR 0029). The
    API process also says, once its mappers are warm, that it froze its start-up heap (ADR 0044)."""
    import json

    from tests.support.e2e import processes
    from tests.support.waiting import wait_until

    log = tmp_path / "serve-0.log"
    with processes(base_env(tmp_path), tmp_path) as running:
        base = running.serve()
        headers = {"X-API-Key": ADMIN_KEY, "X-Request-Id": "e2e-log-0001"}
        answer = httpx.post(f"{base}/v1/equivalences/evaluate", json={**PAIR, "request_id": "json-log-0001"}, headers=headers, timeout=30)
        assert answer.status_code == 200, answer.text
        wait_until(lambda: "start-up heap frozen" in log.read_text())
    text = log.read_text()
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]  # a text line fails here
    assert any(line.get("logger", "").startswith("uvicorn") for line in lines), text[-2000:]
    [request] = [line for line in lines if line["event"] == "request" and line["request_id"] == "e2e-log-0001"]
    assert request["tenant"] and request["status"] == 200
    [frozen] = [line for line in lines if line["event"].startswith("start-up heap frozen: ")]
    assert int(frozen["event"].split()[3]) > 10_000, frozen  # the modules, the taxonomy index, the word tables


@pytest.mark.parametrize("how", ["flag", "variable"])
def test_serve_log_level_reaches_the_api_process(tmp_path: Path, how: str) -> None:
    """`serve --log-level warning` (or EQV_LOG_LEVEL=warning) quiets the request lines: the app
    factory that uvicorn calls used to reset every API process to info."""
    from tests.support.e2e import processes

    env = base_env(tmp_path) | ({"EQV_LOG_LEVEL": "warning"} if how == "variable" else {})
    extra = ("--log-level", "warning") if how == "flag" else ()
    with processes(env, tmp_path) as running:
        base = running.serve(*extra)
        answer = httpx.post(
            f"{base}/v1/equivalences/evaluate", json={**PAIR, "request_id": f"quiet-log-{how}"},
            headers={"X-API-Key": ADMIN_KEY}, timeout=30,
        )
        assert answer.status_code == 200, answer.text
        unauthorized = httpx.get(f"{base}/v1/equivalences/quiet-log-{how}", timeout=10)
        assert unauthorized.status_code == 401
    text = (tmp_path / "serve-0.log").read_text()
    assert '"event": "request"' not in text, text[-2000:]
    assert '"level": "info"' not in text, text[-2000:]
