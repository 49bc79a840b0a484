"""Batch end to end: `serve` and `worker` processes over real PostgreSQL and Redis, and the
embedded runtime with nothing else running. Crash, broker loss and poison-item drills."""

from __future__ import annotations

import contextlib
import json
import shutil
import signal
import subprocess
from pathlib import Path

import httpx
import psycopg
import pytest
import redis

from tests.conftest import service_missing
from tests.support.waiting import wait_until
from tests.support.batch_e2e import WEAK, all_results, assert_exactly_once, sql
from tests.support.e2e import HEADERS, PAIR, base_env, finished, free_port, job, processes, run_cli, submit, wait_for

pytestmark = pytest.mark.e2e
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
        def pong() -> bool:
            with contextlib.suppress(redis.RedisError):
                return bool(redis.Redis.from_url(self.url, socket_timeout=0.5).ping())
            return False

        wait_until(pong, timeout_s=30, what="the private redis-server answers")

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
            wait_until(
                lambda: "connection error" in running.output(worker), timeout_s=60, interval_s=0.2,
                what="the worker sees the broker gone",
            )
            private.start()
            state = wait_for(base, job_id, finished, timeout=120)
            assert state["status"] == "done" and state["progress"]["done"] == total
            assert worker.poll() is None, "the worker died with the broker instead of reconnecting"
    finally:
        private.kill()
    assert_exactly_once(pg_url, job_id, total)


POISON = """
CREATE OR REPLACE FUNCTION poison() RETURNS trigger AS $$
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
    # Nothing here is stale: a slow item re-enqueued by the reconciler on a busy machine would be
    # retried more often than the dead-letter assertions expect.
    patient = {**full_env, "EQV_JOB_STALE_AFTER_S": "300"}
    try:
        with processes(patient, tmp_path) as running:
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
            assert [(d["job_id"], d["index"], d["retries"]) for d in letters] == [(job_id, 2, 2)]
            assert "poisoned for the drill" in letters[0]["error"]
            admin = httpx.get(f"{base}/admin/dlq", headers=HEADERS, timeout=10).json()
            assert [d["letter_id"] for d in admin] == [letters[0]["letter_id"]]
            info = json.loads(run_cli(["queue", "info", "--json"], full_env, tmp_path).stdout)
            assert info["queues"][0]["dead"] == 1

            sql(pg_url, "DROP TRIGGER IF EXISTS poison ON evaluation_results")
            requeued = run_cli(["dlq", "requeue", f"{job_id}:2"], full_env, tmp_path)
            assert requeued.returncode == 0 and "requeued 1" in requeued.stdout, requeued.stderr
            state = wait_for(base, job_id, lambda s: s["progress"]["done"] == 3)
            assert state["status"] == "done" and state["progress"]["failed"] == state["progress"]["dead_lettered"] == 0
            assert json.loads(run_cli(["dlq", "list", "--json"], full_env, tmp_path).stdout) == []
        assert sql(pg_url, "SELECT count(*) FROM evaluation_results WHERE request_id = 'poison-item-0001'") == 1
    finally:  # a failed drill must not poison the rest of the session's tests
        sql(pg_url, "DROP TRIGGER IF EXISTS poison ON evaluation_results")


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
