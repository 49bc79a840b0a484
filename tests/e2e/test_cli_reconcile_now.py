"""The runbook's Incident 2: items stored while Redis was down are sent by `queue reconcile --now`.

Plain `queue reconcile` only takes items older than EQV_JOB_STALE_AFTER_S (300 s here), so right
after the outage it re-enqueued nothing, though the runbook said "To do it now".
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import redis

from core.usecases.batch import UNSENT_GRACE
from core.usecases.bootstrap import DEFAULT_TENANT
from entrypoints.container import build_container
from entrypoints.settings import load_settings
from tests.support.batch_world import command
from tests.support.e2e import run_cli
from tests.tcp_proxy import TcpProxy

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.redis]


def test_reconcile_now_sends_the_items_stored_while_redis_was_down(
    full_env: dict[str, str], tmp_path: Path, redis_url: str
) -> None:
    env = full_env | {"EQV_JOB_STALE_AFTER_S": "300"}
    with TcpProxy("127.0.0.1", 6379) as proxy:
        proxy.cut()
        down = load_settings(env | {"REDIS_URL": f"redis://127.0.0.1:{proxy.port}/0", "EQV_QUEUE_REDIS_TIMEOUT_S": "1"})
        container = build_container(down)
        try:
            container.use_cases.submit_batch()(DEFAULT_TENANT, [command(), command(), command()])  # stored, not enqueued
        finally:
            container.adapters.engine().dispose()
    client, queue = redis.Redis.from_url(redis_url), f"{env['EQV_QUEUE_NAMESPACE']}:batch"
    time.sleep(UNSENT_GRACE.total_seconds() + 1)

    plain = run_cli(["queue", "reconcile"], env, tmp_path)
    assert plain.returncode == 0 and plain.stdout == "re-enqueued 0 stale items\n", plain.stderr
    assert client.llen(queue) == 0

    now = run_cli(["queue", "reconcile", "--now"], env, tmp_path)
    assert now.returncode == 0, now.stderr
    assert now.stdout.splitlines()[0] == "re-enqueued 3 items stored but never enqueued"
    assert client.llen(queue) == 3

    again = run_cli(["queue", "reconcile", "--now"], env, tmp_path)  # their messages wait: not sent twice
    assert again.stdout.splitlines()[0] == "re-enqueued 0 items stored but never enqueued"
    assert client.llen(queue) == 3
