"""Two `equivalence serve` processes on PostgreSQL + Redis: one rate limit budget for both."""

from __future__ import annotations

import uuid
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import redis

from tests.support.e2e import ADMIN_KEY, base_env, run_cli, serve

pytestmark = pytest.mark.e2e


@pytest.mark.postgres
@pytest.mark.redis
def test_the_limit_is_global_across_api_processes(tmp_path: Path, pg_url: str, redis_url: str) -> None:
    namespace = f"eqv-test-rl-{uuid.uuid4().hex[:12]}"
    env = base_env(tmp_path) | {
        "DATABASE_URL": pg_url,
        "API_KEY_PEPPER": "e2e-pepper-0123456789abcdef",
        "REDIS_URL": redis_url,
        "EQV_RATE_LIMIT_NAMESPACE": namespace,
        "EQV_RATE_LIMIT_READ": "6/hour",
    }
    assert run_cli(["migrate"], env, tmp_path).returncode == 0
    assert run_cli(["seed"], env, tmp_path).returncode == 0
    try:
        with contextmanager(serve)(env, tmp_path) as first, contextmanager(serve)(env, tmp_path) as second:
            statuses = [
                httpx.get(f"{base}/v1/equivalences/missing-{i:04d}", headers={"X-API-Key": ADMIN_KEY}, timeout=10).status_code
                for i in range(6)
                for base in (first, second)
            ]
        # per-process counting would let all 12 through (6 in each process)
        assert statuses.count(404) == 6 and statuses.count(429) == 6, statuses
    finally:
        store = redis.Redis.from_url(redis_url)
        store.delete(*store.keys(f"{namespace}:*") or [f"{namespace}:none"])
        store.close()


def test_serve_refuses_a_bad_rate_limit_setting_before_starting(tmp_path: Path) -> None:
    env = base_env(tmp_path) | {"EQV_RATE_LIMIT_EVALUATE": "lots"}
    result = run_cli(["serve", "--port", "1"], env, tmp_path)
    assert result.returncode == 2 and "EQV_RATE_LIMIT_EVALUATE" in result.stderr
