"""Processes the load benchmark starts (service, floor) and where their CPU goes (psutil)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil
import psycopg

ROOT = Path(__file__).resolve().parents[1]
BENCH_KEY = "eqv_live_bench-key-0123456789abcdefghij"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
FLOOR_APPLICATION = "bench-floor"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_healthy(url: str, process: subprocess.Popen[bytes], timeout: float = 180.0) -> None:
    """Up to 3 minutes: on a shared 2-core machine under load, a 2-worker start can take over one."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} never became healthy")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


@contextmanager
def throwaway_database() -> Iterator[str]:
    name = f"eqv_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def started_service(
    runtime: str, workers: int, db_name: str | None, redis_url: str | None, log_path: Path | None = None
) -> Iterator[tuple[str, int]]:
    """`equivalence serve --workers N` over a migrated, seeded database (PostgreSQL db_name, or SQLite).
    `log_path`: where its log (JSON lines, warnings and errors) goes; none is kept without it."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env |= {"EQV_BOOTSTRAP_API_KEY": BENCH_KEY, "API_KEY_PEPPER": "bench-pepper-0123456789", "PYTHONPATH": str(ROOT)}
    tmp = Path(f"/tmp/eqv-bench-{uuid.uuid4().hex[:8]}")
    env["EQV_VAR_DIR"] = str(tmp / "var")
    cli = [sys.executable, "-m", "entrypoints.cli"]
    if runtime == "postgres":
        env["DATABASE_URL"] = f"postgresql+psycopg://postgres@127.0.0.1:5432/{db_name}"
        if redis_url:  # the full runtime as deployed: Redis is the broker and the mapping cache
            env |= {"REDIS_URL": redis_url, "EQV_QUEUE_NAMESPACE": f"eqv-bench-{uuid.uuid4().hex[:8]}"}
        subprocess.run([*cli, "migrate"], env=env, check=True, capture_output=True)
        subprocess.run([*cli, "seed"], env=env, check=True, capture_output=True)
    port = free_port()
    log = open(log_path, "ab") if log_path is not None else subprocess.DEVNULL  # noqa: SIM115 - closed below
    server = subprocess.Popen(
        [*cli, "serve", "--port", str(port), "--workers", str(workers), "--log-level", "warning"],
        env=env, stdout=log, stderr=log,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, server)
        yield url, server.pid
    finally:
        _stop(server)
        if log_path is not None:
            log.close()  # type: ignore[union-attr]
        subprocess.run(["rm", "-rf", str(tmp)], check=False)


@contextmanager
def started_floor(db_name: str, workers: int) -> Iterator[tuple[str, int]]:
    """bench/floor_app.py under uvicorn with the service's server settings (workers, no access log)."""
    if str(ROOT) not in sys.path:
        sys.path.append(str(ROOT))  # floor_app imports the service's dto
    from floor_app import TABLE_DDL

    database_url = f"postgresql://postgres@127.0.0.1:5432/{db_name}"
    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute(TABLE_DDL)
    env = {**os.environ, "FLOOR_DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)}
    port = free_port()
    command = [
        sys.executable, "-m", "uvicorn", "floor_app:create_app", "--factory", "--app-dir", str(ROOT / "bench"),
        "--port", str(port), "--workers", str(workers), "--log-level", "warning", "--no-access-log",
    ]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, server)
        yield url, server.pid
    finally:
        _stop(server)


def _tree(pid: int) -> list[psutil.Process]:
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def _cpu(processes: list[psutil.Process]) -> dict[int, float]:
    seconds = {}
    for process in processes:
        try:
            times = process.cpu_times()
            seconds[process.pid] = times.user + times.system
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    return seconds


@dataclass
class CpuMeter:
    """CPU seconds of a server's process tree and of its PostgreSQL backends (by database and
    application_name; the floor's connections are named bench-floor, every other one is the
    service's). PostgreSQL's shared background processes (WAL writer, checkpointer) are left out."""

    server_pid: int | None
    db_name: str | None = None
    floor: bool = False
    _before: tuple[dict[int, float], dict[int, float]] = field(default_factory=lambda: ({}, {}))

    def _backends(self) -> list[psutil.Process]:
        if self.db_name is None:
            return []
        clause = "application_name = %s" if self.floor else "application_name <> %s"
        with psycopg.connect(PG_ADMIN, autocommit=True) as connection:
            rows = connection.execute(
                f"SELECT pid FROM pg_stat_activity WHERE datname = %s AND {clause}", (self.db_name, FLOOR_APPLICATION)
            ).fetchall()
        processes = []
        for (pid,) in rows:
            try:
                processes.append(psutil.Process(pid))
            except psutil.NoSuchProcess:
                pass
        return processes

    def _sample(self) -> tuple[dict[int, float], dict[int, float]]:
        server = _cpu(_tree(self.server_pid)) if self.server_pid is not None else {}
        return server, _cpu(self._backends())

    def start(self) -> None:
        self._before = self._sample()

    def stop(self) -> dict[str, float]:
        """CPU seconds used since start(): {'app': ..., 'postgres': ...}."""
        after = self._sample()
        used = [sum(v - before.get(pid, 0.0) for pid, v in now.items()) for now, before in zip(after, self._before)]
        return {"app": used[0], "postgres": used[1]}


def rss_mb(pid: int) -> dict[str, float]:
    sizes = []
    for process in _tree(pid):
        try:
            sizes.append(process.memory_info().rss / 2**20)
        except psutil.NoSuchProcess:
            pass
    return {"max_process_rss_mb": round(max(sizes), 1), "total_rss_mb": round(sum(sizes), 1), "processes": len(sizes)}
