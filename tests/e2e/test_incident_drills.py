"""Incident drills on a real `equivalence serve` (full runtime): a store goes away and comes back.

The shared PostgreSQL and Redis cannot be stopped, so the served app reaches each through a
TcpProxy (tests/tcp_proxy.py) that a drill cuts (listener closed, live connections reset, as
when the server crashes) and restores on the same port. The app is never restarted: it must
answer clearly while the store is down and recover by itself when it is back.
(Redis or the database unreachable from the start, and a mapper service down, are drilled in
tests/integration/test_http_api.py and tests/e2e/test_external_mappers.py.)
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
import redis

from adapters.persistence.database import CONNECT_TIMEOUT_S
from tests.support.e2e import ADMIN_KEY, PAIR, as_posted, base_env, processes, run_cli
from tests.support.waiting import wait_until
from tests.tcp_proxy import TcpProxy

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.redis]
HEADERS = {"X-API-Key": ADMIN_KEY}
# Generous deadlines (the CI machine is busy): the app recovers without a restart, and a silent
# host costs a request about one connect timeout, not the minutes TCP takes to give up.
RECOVERY_S = 30.0
SILENT_HOST_S = 2 * CONNECT_TIMEOUT_S + 30


@pytest.fixture(scope="module")
def stack(
    tmp_path_factory: pytest.TempPathFactory, pg_database_factory: Callable[[], str], redis_url: str
) -> Iterator[tuple[str, TcpProxy, TcpProxy]]:
    """(base URL, PostgreSQL proxy, Redis proxy) of a served app that reaches both stores through
    proxies. One app for the module: each drill ends with both stores back and the app healthy."""
    tmp_path, pg_url = tmp_path_factory.mktemp("drills"), pg_database_factory()
    namespace = f"eqv-drill-{uuid.uuid4().hex[:12]}"
    with TcpProxy("127.0.0.1", 5432) as pg_proxy, TcpProxy("127.0.0.1", 6379) as redis_proxy:
        env = base_env(tmp_path) | {
            "DATABASE_URL": pg_proxy.url_for(pg_url, 5432),
            "REDIS_URL": redis_proxy.url_for(redis_url, 6379),
            "API_KEY_PEPPER": "drill-pepper-0123456789abcdef",
            "EQV_QUEUE_NAMESPACE": namespace,
        }
        for command in (["migrate"], ["seed"]):
            done = run_cli(command, env, tmp_path)
            assert done.returncode == 0, done.stderr
        with processes(env, tmp_path) as running:
            yield running.serve(), pg_proxy, redis_proxy
            assert all(p.poll() is None for p in running.started), "the app crashed during the drill"
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(f"{namespace}:*"))
    if keys:
        client.delete(*keys)
    client.close()


def evaluate(base: str, request_id: str | None = None, timeout: float = 15) -> httpx.Response:
    body = {**PAIR, "request_id": request_id or f"drill-{uuid.uuid4().hex[:16]}"}
    return httpx.post(f"{base}/v1/equivalences/evaluate", json=body, headers=HEADERS, timeout=timeout)


def ready(base: str) -> httpx.Response:
    return httpx.get(f"{base}/ready", timeout=15)


def recovers(condition: Callable[[], bool]) -> None:
    """condition() comes to hold by itself within RECOVERY_S (polling every 0.1 s), or the test fails."""
    wait_until(condition, timeout_s=RECOVERY_S, interval_s=0.1, what="recovery")


def assert_healthy(base: str) -> dict[str, Any]:
    answer = evaluate(base)
    assert answer.status_code == 200, answer.text
    checks = ready(base)
    assert checks.status_code == 200 and checks.json()["checks"] == {"database": "ok", "redis": "ok"}
    return answer.json()


def test_postgresql_down_is_a_clear_503_and_the_app_recovers_by_itself(stack: tuple[str, TcpProxy, TcpProxy]) -> None:
    base, pg_proxy, _ = stack
    assert_healthy(base)
    assert pg_proxy.live_connections > 0, "the app should hold pooled connections before the cut"

    pg_proxy.cut()
    down = ready(base)
    assert down.status_code == 503
    assert down.json()["checks"]["database"].startswith("error") and down.json()["checks"]["redis"] == "ok"
    with ThreadPoolExecutor(8) as pool:  # every handler thread meets the outage at once: none may hang or crash
        answers = list(pool.map(lambda _: evaluate(base), range(16)))
    assert {a.status_code for a in answers} == {503}
    assert all(a.json()["detail"] == "Database unavailable; retry shortly" and a.headers["Retry-After"] for a in answers)
    assert httpx.get(f"{base}/health", timeout=5).status_code == 200, "liveness must not depend on the database"

    pg_proxy.restore()
    recovers(lambda: evaluate(base).status_code == 200)
    stored = assert_healthy(base)
    again = httpx.get(f"{base}/v1/equivalences/{stored['request_id']}", headers=HEADERS, timeout=10)
    assert again.status_code == 200 and as_posted(again.json()) == stored


def test_postgresql_lost_while_idle_the_first_requests_after_it_returns_succeed(
    stack: tuple[str, TcpProxy, TcpProxy],
) -> None:
    """The outage happens between requests: the pool holds connections that are dead, and no
    request noticed. When the server is back the very next requests must not fail on them."""
    base, pg_proxy, _ = stack
    with ThreadPoolExecutor(8) as pool:  # fill the pool with several connections
        assert {r.status_code for r in pool.map(lambda _: evaluate(base), range(16))} == {200}
    pg_proxy.cut()
    pg_proxy.restore()
    answers = [evaluate(base) for _ in range(5)]
    assert [a.status_code for a in answers] == [200] * 5, [a.text for a in answers if a.status_code != 200]
    assert ready(base).status_code == 200


def test_postgresql_host_gone_silent_requests_fail_within_the_connect_timeout(
    stack: tuple[str, TcpProxy, TcpProxy],
) -> None:
    """Packets dropped instead of refused: without a connect timeout every request would wait
    for TCP to give up (minutes) while holding a handler thread."""
    base, pg_proxy, _ = stack
    assert_healthy(base)
    pg_proxy.blackhole()
    down = httpx.get(f"{base}/ready", timeout=SILENT_HOST_S)  # raises if it waits longer
    assert down.status_code == 503 and down.json()["checks"]["database"].startswith("error")
    answer = evaluate(base, timeout=SILENT_HOST_S)
    assert answer.status_code == 503 and answer.headers["Retry-After"]
    pg_proxy.restore()
    recovers(lambda: evaluate(base).status_code == 200)
    assert_healthy(base)


def test_redis_down_ready_names_it_evaluate_answers_and_it_recovers(stack: tuple[str, TcpProxy, TcpProxy]) -> None:
    base, _, redis_proxy = stack
    assert_healthy(base)

    redis_proxy.cut()
    down = ready(base)
    assert down.status_code == 503
    assert down.json()["checks"] == {"database": "ok", "redis": "error: unreachable"}
    answer = evaluate(base)
    assert answer.status_code == 200, "synchronous evaluation must not need Redis"

    redis_proxy.restore()
    recovers(lambda: ready(base).status_code == 200)
    assert_healthy(base)
