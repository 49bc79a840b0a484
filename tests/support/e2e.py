"""Helpers of the end-to-end tests: real `equivalence` processes, their environment, and waits on them."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx

from tests.support.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]
ADMIN_KEY = "eqv_live_e2e-bootstrap-key-0123456789abcdef"
HEADERS = {"X-API-Key": ADMIN_KEY}
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


def wait_until_healthy(base: str, process: subprocess.Popen[bytes], timeout: float = 120.0) -> None:
    def healthy() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"serve exited early with {process.returncode}")  # not retried
        return answers(f"{base}/health")

    wait_until(healthy, timeout_s=timeout, interval_s=0.2, what=f"serve at {base} is healthy")


def answers(url: str) -> bool:
    """Whether `url` answers 200 now (a refused connection is just not yet)."""
    try:
        return httpx.get(url, timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False


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


class Processes:
    """Processes of one test, output in files (a full pipe would block them); all stopped at the end."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.env, self.cwd = env, cwd
        self.started: list[subprocess.Popen[bytes]] = []
        self._logs: dict[int, Path] = {}

    def start(self, *args: str) -> subprocess.Popen[bytes]:
        path = self.cwd / f"{args[0]}-{len(self.started)}.log"
        log = open(path, "wb")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            [sys.executable, "-m", "entrypoints.cli", *args], env=self.env, cwd=self.cwd, stdout=log, stderr=log
        )
        self.started.append(process)
        self._logs[process.pid] = path
        return process

    def output(self, process: subprocess.Popen[bytes]) -> str:
        """What the process has written so far (stdout and stderr, one file)."""
        return self._logs[process.pid].read_text(errors="replace")

    def serve(self, *extra: str) -> str:
        port = free_port()
        process = self.start("serve", "--port", str(port), *extra)
        base = f"http://127.0.0.1:{port}"
        wait_until_healthy(base, process)
        return base

    def stop_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                process.terminate()
        for process in self.started:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)


@contextlib.contextmanager
def processes(env: dict[str, str], cwd: Path) -> Iterator[Processes]:
    running = Processes(env, cwd)
    try:
        yield running
    finally:
        running.stop_all()


def submit(base: str, items: list[dict[str, Any]]) -> str:
    response = httpx.post(f"{base}/v1/equivalences/batch", json={"items": items}, headers=HEADERS, timeout=60)
    assert response.status_code == 202, response.text
    return str(response.json()["job_id"])


def job(base: str, job_id: str) -> dict[str, Any]:
    return httpx.get(f"{base}/v1/jobs/{job_id}", headers=HEADERS, timeout=10).json()


def wait_for(base: str, job_id: str, condition: Callable[[dict[str, Any]], bool], timeout: float = 200.0) -> dict[str, Any]:
    def reached() -> dict[str, Any] | None:
        state = job(base, job_id)
        return state if condition(state) else None

    return wait_until(reached, timeout_s=timeout, interval_s=0.1, what=f"job {job_id} reaches {condition.__name__}")


def finished(state: dict[str, Any]) -> bool:
    """Every item finished, and the job's end recorded (just after the last item's commit)."""
    return state["status"] in ("done", "failed", "dead_lettered") and bool(state["timings"]["finished_at"])


def cli(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "entrypoints.cli", *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120
    )


def embedded_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "EQV_BOOTSTRAP_API_KEY", "API_KEY_PEPPER")}
    return env | {"EQV_VAR_DIR": str(tmp_path / "var"), "PYTHONPATH": str(ROOT)}


REVIEW_OUTCOME = ("decisao_final", "decisao_final_origem", "revisao")


def as_posted(stored: dict[str, Any]) -> dict[str, Any]:
    """A GET of a stored result without the review outcome it adds: the answer the POST gave."""
    return {k: v for k, v in stored.items() if k not in REVIEW_OUTCOME}
