"""Fixtures shared by the end-to-end tests."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.support.e2e import base_env, run_cli


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
