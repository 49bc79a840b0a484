"""Batch end to end: `serve` and `worker` processes over real PostgreSQL and Redis, and the
embedded runtime with nothing else running. Crash, broker loss and poison-item drills."""

from __future__ import annotations

import contextlib
import json
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import redis

from tests.conftest import service_missing
from tests.e2e.test_serve_process import ADMIN_KEY, PAIR, base_env, free_port, run_cli, wait_until_healthy

pytestmark = pytest.mark.e2e
HEADERS = {"X-API-Key": ADMIN_KEY}
WEAK = {**PAIR, "origem": {**PAIR["origem"], "ementa": "Linguagem SQL: consultas. Transações."}}


class Processes:
    """Processes of one test, output in files (a full pipe would block them); all stopped at the end."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.env, self.cwd = env, cwd
        self.started: list[subprocess.Popen[bytes]] = []

    def start(self, *args: str) -> subprocess.Popen[bytes]:
        log = open(self.cwd / f"{args[0]}-{len(self.started)}.log", "wb")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            [sys.executable, "-m", "entrypoints.cli", *args], env=self.env, cwd=self.cwd, stdout=log, stderr=log
        )
        self.started.append(process)
        return process

    def serve(self) -> str:
        port = free_port()
        process = self.start("serve", "--port", str(port))
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


@pytest.fixture
def full_env(tmp_path: Path, pg_url: str, redis_url: str) -> Iterator[dict[str, str]]:
    """A migrated, seeded PostgreSQL database and a Redis namespace of this test's own."""
    namespace = f"eqv-test-{uuid.uuid4().hex[:12]}"
    env = base_env(tmp_path) | {
        "DATABASE_URL": pg_url,
        "REDIS_URL": redis_url,
        "API_KEY_PEPPER": "e2e-pepper-0123456789abcdef",
        "EQV_QUEUE_NAMESPACE": namespace,
        "EQV_JOB_STALE_AFTER_S": "3",
        "EQV_RECONCILE_INTERVAL_S": "1",
        "EQV_JOB_MAX_RETRIES": "2",
        "EQV_JOB_MIN_BACKOFF_MS": "100",
        "EQV_JOB_MAX_BACKOFF_MS": "300",
    }
    assert run_cli(["migrate"], env, tmp_path).returncode == 0
    seeded = run_cli(["seed"], env, tmp_path)
    assert seeded.returncode == 0, seeded.stderr
    yield env
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(f"{namespace}:*"))
    if keys:
        client.delete(*keys)
    client.close()


def submit(base: str, items: list[dict[str, Any]]) -> str:
    response = httpx.post(f"{base}/v1/equivalences/batch", json={"items": items}, headers=HEADERS, timeout=60)
    assert response.status_code == 202, response.text
    return str(response.json()["job_id"])


def job(base: str, job_id: str) -> dict[str, Any]:
    return httpx.get(f"{base}/v1/jobs/{job_id}", headers=HEADERS, timeout=10).json()


def wait_for(base: str, job_id: str, condition: Callable[[dict[str, Any]], bool], timeout: float = 90.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    state = job(base, job_id)
    while time.monotonic() < deadline:
        if condition(state):
            return state
        time.sleep(0.1)
        state = job(base, job_id)
    raise AssertionError(f"job {job_id} never reached the condition: {state}")


def finished(state: dict[str, Any]) -> bool:
    """Every item finished, and the job's end recorded (just after the last item's commit)."""
    return state["status"] in ("done", "failed", "dead_lettered") and bool(state["timings"]["finished_at"])


def all_results(base: str, job_id: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params = {"limit": "500", **({"cursor": cursor} if cursor else {})}
        page = httpx.get(f"{base}/v1/jobs/{job_id}/results", params=params, headers=HEADERS, timeout=30).json()
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


def sql(pg_url: str, query: str, *params: Any) -> Any:
    with psycopg.connect(pg_url.replace("postgresql+psycopg", "postgresql"), autocommit=True) as connection:
        cursor = connection.execute(query, params)
        row = cursor.fetchone() if cursor.description else None
        return row[0] if row else None


def assert_exactly_once(pg_url: str, job_id: str, total: int) -> None:
    """One stored result and one audit event per item: nothing lost, nothing done twice."""
    pattern = f"{job_id}-%"
    assert sql(pg_url, "SELECT count(*) FROM evaluation_results WHERE request_id LIKE %s", pattern) == total
    assert sql(pg_url, "SELECT count(DISTINCT request_id) FROM evaluation_results WHERE request_id LIKE %s", pattern) == total
    audited = "SELECT count(*) FROM audit_events WHERE event_type = 'evaluation' AND payload->>'request_id' LIKE %s"
    assert sql(pg_url, audited, pattern) == total


def test_batch_over_http_with_worker_processes(full_env: dict[str, str], tmp_path: Path, pg_url: str) -> None:
    items = [PAIR if i % 3 else WEAK for i in range(40)]
    with processes(full_env, tmp_path) as running:
        base = running.serve()
        job_id = submit(base, items)
        running.start("worker", "--processes", "2", "--threads", "2")
        running.start("worker", "--threads", "2")
        state = wait_for(base, job_id, finished)
        assert state["status"] == "done" and state["progress"]["done"] == 40 and state["timings"]["finished_at"]
        results = all_results(base, job_id)
        assert [r["index"] for r in results] == list(range(40))
        for result in results:
            assert result["status"] == "done" and result["request_id"] == f"{job_id}-{result['index']}"
            assert result["result"]["decisao"] in {"DEFERIDO", "ANALISE_HUMANA", "INDEFERIDO"}
        assert {r["result"]["decisao"] for r in results[1:3]} == {"DEFERIDO"}
        assert results[0]["result"]["decisao"] != "DEFERIDO"
        info = run_cli(["queue", "info", "--json"], full_env, tmp_path)
        assert info.returncode == 0, info.stderr
        assert json.loads(info.stdout)["backlog"]["jobs"] == 0
    assert_exactly_once(pg_url, job_id, 40)


def test_worker_killed_mid_batch_another_finishes_it(full_env: dict[str, str], tmp_path: Path, pg_url: str) -> None:
    total = 600
    with processes(full_env, tmp_path) as running:
        base = running.serve()
        job_id = submit(base, [PAIR] * total)
        first = running.start("worker", "--threads", "1")
        wait_for(base, job_id, lambda s: s["progress"]["done"] >= 20)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        assert job(base, job_id)["progress"]["done"] < total, "the batch finished before the crash drill"
        running.start("worker", "--threads", "4")
        state = wait_for(base, job_id, finished)
        assert state["status"] == "done" and state["progress"]["done"] == total
    assert_exactly_once(pg_url, job_id, total)


def test_redis_flushed_mid_batch_the_reconciler_recovers(
    full_env: dict[str, str], tmp_path: Path, pg_url: str, redis_url: str
) -> None:
    total = 600
    with processes(full_env, tmp_path) as running:
        base = running.serve()
        job_id = submit(base, [PAIR] * total)
        running.start("worker", "--threads", "1")
        wait_for(base, job_id, lambda s: s["progress"]["done"] >= 20)
        client = redis.Redis.from_url(redis_url)
        lost = list(client.scan_iter(f"{full_env['EQV_QUEUE_NAMESPACE']}:*"))
        assert lost and client.delete(*lost)
        client.close()
        assert job(base, job_id)["progress"]["done"] < total, "the batch finished before the flush drill"
        state = wait_for(base, job_id, finished)
        assert state["status"] == "done" and state["progress"]["done"] == total
    assert_exactly_once(pg_url, job_id, total)


class PrivateRedis:
    """A redis-server of this test's own (it keeps nothing on disk, like the shared one), so the
    test can kill and restart it without touching the Redis every other test uses."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            service_missing("redis-server is not installed")
        args = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen([*args, "--dir", str(self.workdir)], stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(redis.RedisError):
                if redis.Redis.from_url(self.url, socket_timeout=0.5).ping():
                    return
            time.sleep(0.05)
        raise AssertionError("private redis-server did not start")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


def test_redis_restarted_mid_batch_every_item_still_done_once(full_env: dict[str, str], tmp_path: Path, pg_url: str) -> None:
    """The manual's broker outage: Redis dies (losing every queued message) and comes back empty."""
    total = 600
    private = PrivateRedis(tmp_path)
    private.start()
    env = full_env | {"REDIS_URL": private.url}
    try:
        with processes(env, tmp_path) as running:
            base = running.serve()
            job_id = submit(base, [PAIR] * total)
            worker = running.start("worker", "--threads", "2")
            wait_for(base, job_id, lambda s: s["progress"]["done"] >= 20)
            private.kill()
            assert job(base, job_id)["progress"]["done"] < total, "the batch finished before the restart drill"
            time.sleep(2)  # the worker sees the broker gone
            private.start()
            state = wait_for(base, job_id, finished, timeout=120)
            assert state["status"] == "done" and state["progress"]["done"] == total
            assert worker.poll() is None, "the worker died with the broker instead of reconnecting"
    finally:
        private.kill()
    assert_exactly_once(pg_url, job_id, total)


POISON = """
CREATE FUNCTION poison() RETURNS trigger AS $$
BEGIN
  IF NEW.request_id = 'poison-item-0001' THEN RAISE EXCEPTION 'poisoned for the drill'; END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER poison BEFORE INSERT ON evaluation_results FOR EACH ROW EXECUTE FUNCTION poison();
"""


def test_poison_item_is_dead_lettered_and_requeue_completes_it(
    full_env: dict[str, str], tmp_path: Path, pg_url: str
) -> None:
    with psycopg.connect(pg_url.replace("postgresql+psycopg", "postgresql"), autocommit=True) as connection:
        connection.execute(POISON)
    with processes(full_env, tmp_path) as running:
        base = running.serve()
        job_id = submit(base, [PAIR, WEAK, {**PAIR, "request_id": "poison-item-0001"}])
        running.start("worker", "--threads", "2")
        state = wait_for(base, job_id, finished)
        assert state["status"] == "dead_lettered"
        assert state["progress"] == {"done": 2, "failed": 1, "total": 3, "queued": 0, "running": 0, "dead_lettered": 1}
        poisoned = all_results(base, job_id)[2]
        assert poisoned["status"] == "dead_lettered" and "poisoned for the drill" in poisoned["error"]

        listed = run_cli(["dlq", "list", "--json"], full_env, tmp_path)
        letters = json.loads(listed.stdout)
        assert [(l["job_id"], l["index"], l["retries"]) for l in letters] == [(job_id, 2, 2)]
        assert "poisoned for the drill" in letters[0]["error"]
        admin = httpx.get(f"{base}/admin/dlq", headers=HEADERS, timeout=10).json()
        assert [l["letter_id"] for l in admin] == [letters[0]["letter_id"]]
        info = json.loads(run_cli(["queue", "info", "--json"], full_env, tmp_path).stdout)
        assert info["queues"][0]["dead"] == 1

        sql(pg_url, "DROP TRIGGER poison ON evaluation_results")
        requeued = run_cli(["dlq", "requeue", f"{job_id}:2"], full_env, tmp_path)
        assert requeued.returncode == 0 and "requeued 1" in requeued.stdout, requeued.stderr
        state = wait_for(base, job_id, lambda s: s["progress"]["done"] == 3)
        assert state["status"] == "done" and state["progress"]["failed"] == state["progress"]["dead_lettered"] == 0
        assert json.loads(run_cli(["dlq", "list", "--json"], full_env, tmp_path).stdout) == []
    assert sql(pg_url, "SELECT count(*) FROM evaluation_results WHERE request_id = 'poison-item-0001'") == 1


def test_embedded_runtime_runs_a_batch_with_nothing_else_started(tmp_path: Path) -> None:
    env = base_env(tmp_path)
    with processes(env, tmp_path) as running:
        base = running.serve()
        job_id = submit(base, [PAIR, WEAK] * 5)
        state = wait_for(base, job_id, finished, timeout=60)
        assert state["status"] == "done" and state["progress"]["done"] == 10
        results = all_results(base, job_id)
        assert all(r["result"]["request_id"] == r["request_id"] for r in results)
        assert httpx.get(f"{base}/admin/queue", headers=HEADERS, timeout=10).json()["backlog"]["jobs"] == 0
