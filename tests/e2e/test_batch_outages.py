"""Batch operations through outages, end to end (real PostgreSQL and Redis, `serve` and
`worker` processes, the CLI): Redis refused or hung, a database outage longer than every
retry, and a dead-letter queue longer than one page."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
import redis
from dramatiq.message import Message
from tenacity import Retrying, retry_if_exception_type, stop_after_delay, wait_fixed

from tests.support.batch_e2e import WEAK, assert_exactly_once
from tests.support.e2e import PAIR, finished, processes, run_cli, submit, wait_for
from tests.tcp_proxy import TcpProxy

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.redis]


def eventually(check: Callable[[], None], timeout: float = 90.0) -> None:
    """Retry an assertion until it holds (generous deadline: the CI machine is busy)."""
    for attempt in Retrying(
        stop=stop_after_delay(timeout), wait=wait_fixed(0.2), retry=retry_if_exception_type(AssertionError), reraise=True
    ):
        with attempt:
            check()


@pytest.fixture(params=["refused", "hung"])
def queue_down_env(request: pytest.FixtureRequest, full_env: dict[str, str]) -> Iterator[dict[str, str]]:  # noqa: F811
    with TcpProxy("127.0.0.1", 6379) as proxy:
        proxy.cut() if request.param == "refused" else proxy.blackhole()
        yield full_env | {"REDIS_URL": f"redis://127.0.0.1:{proxy.port}/0", "EQV_QUEUE_REDIS_TIMEOUT_S": "1"}


@pytest.mark.parametrize("command", [["queue", "info"], ["dlq", "list"], ["dlq", "requeue", "--all"], ["queue", "reconcile"]])
def test_queue_commands_with_redis_down_print_one_line_and_exit_75(
    queue_down_env: dict[str, str], tmp_path: Path, command: list[str]
) -> None:
    done = run_cli(command, queue_down_env, tmp_path)
    assert done.returncode == 75, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr and done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: batch queue unavailable"), done.stderr


def queue_drained(client: redis.Redis, namespace: str) -> bool:
    key = f"{namespace}:batch"
    return client.llen(key) + client.hlen(f"{key}.msgs") + client.hlen(f"{key}.DQ.msgs") == 0


def test_a_database_outage_longer_than_every_retry_leaves_no_dead_letter_for_done_items(
    full_env: dict[str, str], tmp_path: Path, pg_url: str, redis_url: str  # noqa: F811
) -> None:
    """Every retry of the in-flight items fails and so does give_up (the database is gone):
    their messages die. Once it is back, the reconciler finishes the items — and their dead
    letters go too (listed never, discarded by the reconciler)."""
    namespace, total = full_env["EQV_QUEUE_NAMESPACE"], 120
    client = redis.Redis.from_url(redis_url)
    with TcpProxy("127.0.0.1", 5432) as pg_proxy:
        env = full_env | {"DATABASE_URL": pg_proxy.url_for(pg_url, 5432)}
        with processes(env, tmp_path) as running:
            base = running.serve()
            running.start("worker", "--threads", "2")
            worker_log = tmp_path / "worker-1.log"
            eventually(lambda: _assert("worker: 2 threads" in worker_log.read_text()))
            job_id = submit(base, [PAIR if i % 2 else WEAK for i in range(total)])
            pg_proxy.cut()
            eventually(lambda: _assert(queue_drained(client, namespace)))
            assert client.zcard(f"{namespace}:batch.XQ") > 0, "no message died: the drill tested nothing"
            pg_proxy.restore()

            state = wait_for(base, job_id, finished, timeout=120)
            assert state["status"] == "done" and state["progress"]["done"] == total
            listed = run_cli(["dlq", "list", "--json"], env, tmp_path)
            assert listed.returncode == 0 and json.loads(listed.stdout) == [], listed.stdout[:500]
            eventually(lambda: _assert(client.zcard(f"{namespace}:batch.XQ") == 0))  # the reconciler discarded them
        assert_exactly_once(pg_url, job_id, total)
    client.close()
    assert_log_lines_are_json_without_per_attempt_tracebacks(worker_log.read_text())


def assert_log_lines_are_json_without_per_attempt_tracebacks(log: str) -> None:
    """One JSON line per failed attempt (type and message); no multi-line traceback anywhere."""
    attempts = [json.loads(line) for line in log.splitlines() if '"batch item attempt failed"' in line]
    assert attempts, log[-2000:]
    assert all(a["error_type"] and a["error"] and "\n" not in a["error"] and "job_id" in a for a in attempts)
    assert not any(line.startswith("Traceback") for line in log.splitlines())


def _assert(condition: bool) -> None:
    assert condition


def test_requeue_all_pages_through_more_letters_than_one_page(
    full_env: dict[str, str], tmp_path: Path, pg_url: str, redis_url: str  # noqa: F811
) -> None:
    """1,200 dead-lettered items (the letters written as Dramatiq's Redis broker writes them):
    one `dlq requeue --all` requeues every one, then nothing is left."""
    namespace, total, job_id = full_env["EQV_QUEUE_NAMESPACE"], 1_200, f"job-{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_url.replace("postgresql+psycopg", "postgresql"), autocommit=True) as connection:
        connection.execute(
            "INSERT INTO jobs (job_id, tenant_id, status, total, done, failed, created_at, finished_at) "
            "VALUES (%s, 'default', 'dead_lettered', %s, 0, %s, now(), now())",
            (job_id, total, total),
        )
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO job_items (job_id, idx, request_id, payload, status, attempts, error, updated_at) "
                "VALUES (%s, %s, %s, '{}', 'dead_lettered', 3, 'dead-lettered after retries: X', now())",
                [(job_id, i, f"{job_id}-{i}") for i in range(total)],
            )
    client = redis.Redis.from_url(redis_url)
    key = f"{namespace}:batch.XQ"
    for i in range(total):
        message: Message[Any] = Message(queue_name="batch", actor_name="process_job_item", args=(job_id, i), kwargs={},
                          options={"retries": 2, "traceback": "Traceback ...\nConnectionError: down"})
        letter_id = str(uuid.uuid4())
        client.zadd(key, {letter_id: time.time() * 1000 + i})
        client.hset(f"{key}.msgs", letter_id, message.encode())

    listed = run_cli(["dlq", "list", "--json", "--limit", "5000"], full_env, tmp_path)
    assert len(json.loads(listed.stdout)) == total
    requeued = run_cli(["dlq", "requeue", "--all"], full_env, tmp_path)
    assert requeued.returncode == 0 and requeued.stdout.strip() == f"requeued {total} items", requeued.stderr
    assert client.zcard(key) == 0 and client.llen(f"{namespace}:batch") == total
    again = run_cli(["dlq", "requeue", "--all"], full_env, tmp_path)
    assert again.stdout.strip() == "requeued 0 items"
    client.close()
