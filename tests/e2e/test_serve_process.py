"""`equivalence serve` as a real process, called over a socket, on both runtimes."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

pytestmark = pytest.mark.e2e

ADMIN_KEY = "eqv_live_e2e-bootstrap-key-0123456789abcdef"
PAIR: dict[str, dict[str, Any]] = {
    "origem": {
        "nome": "Banco de Dados I",
        "carga_horaria": 60,
        "aprovado": True,
        "ementa": "Modelo entidade-relacionamento. Modelo relacional. Álgebra relacional. "
        "Linguagem SQL: consultas, junções e subconsultas. Normalização e formas normais. "
        "Transações e controle de concorrência.",
    },
    "destino": {
        "nome": "Banco de Dados",
        "carga_horaria": 60,
        "ementa": "Modelagem de dados com o modelo entidade-relacionamento. Modelo relacional e "
        "álgebra relacional. SQL. Normalização. Transações.",
    },
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_healthy(base: str, process: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"serve exited early with {process.returncode}")
        try:
            if httpx.get(f"{base}/health", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError("serve did not become healthy in time")


def run_cli(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "entrypoints.cli", *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120
    )


def serve(env: dict[str, str], cwd: Path) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "entrypoints.cli", "serve", "--port", str(port)],
        env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(base, process)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


def base_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "PORT")}
    env["EQV_VAR_DIR"] = str(tmp_path / "var")
    env["EQV_BOOTSTRAP_API_KEY"] = ADMIN_KEY
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    return env


def exercise(base: str, request_id: str) -> None:
    headers = {"X-API-Key": ADMIN_KEY}
    body = {**PAIR, "request_id": request_id}
    first = httpx.post(f"{base}/v1/equivalences/evaluate", json=body, headers=headers, timeout=10)
    assert first.status_code == 200, first.text
    decision = first.json()
    assert decision["decisao"] in {"DEFERIDO", "ANALISE_HUMANA", "INDEFERIDO"}
    assert decision["evidence"]["covered_concepts"], decision
    stored = httpx.get(f"{base}/v1/equivalences/{request_id}", headers=headers, timeout=10)
    assert stored.status_code == 200 and stored.json() == decision
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
