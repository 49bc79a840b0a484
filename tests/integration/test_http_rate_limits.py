"""Rate limits over HTTP: 429 with Retry-After and X-RateLimit-*, budgets per tenant, role and
route group, public routes untouched; in the full runtime one budget for every app instance."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
import redis
from litestar.testing import TestClient

from adapters.system import SystemClock, UuidGenerator
from core.domain.model import Policy
from core.usecases.bootstrap import Seed
from entrypoints.asgi import create_app
from entrypoints.container import build_container
from entrypoints.settings import FULL
from tests.support.settings import test_settings
from tests.support.http_api import DESTINO, KEYS, ORIGEM, PEPPER, TAXONOMY, make_client
from tests.support.network import closed_port

BODY = {"request_id": "rate-limit-pair-0001", "origem": ORIGEM, "destino": DESTINO}
@pytest.fixture
def client(sqlite_url: str, tmp_path: Path) -> Iterator[TestClient]:
    """Embedded runtime (memory limiter) with low limits."""
    limits = {"evaluate": "3/minute", "read": "2/minute", "batch": "1/minute", "admin": "1/minute"}
    yield from make_client(sqlite_url, tmp_path, rate_limits=limits)


def evaluate(client: TestClient, key: str = "client"):  # type: ignore[no-untyped-def]
    return client.post("/v1/equivalences/evaluate", json=BODY, headers={"X-API-Key": KEYS[key]})


def rate_headers(response) -> tuple[str | None, str | None]:  # type: ignore[no-untyped-def]
    return response.headers.get("X-RateLimit-Limit"), response.headers.get("X-RateLimit-Remaining")


def test_evaluate_answers_429_with_retry_after_once_the_budget_is_spent(client: TestClient) -> None:
    allowed = [evaluate(client) for _ in range(3)]
    assert [r.status_code for r in allowed] == [200, 200, 200]
    assert [rate_headers(r) for r in allowed] == [("3", "2"), ("3", "1"), ("3", "0")]

    refused = evaluate(client)
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("application/json")
    assert refused.json()["status_code"] == 429 and "Rate limit exceeded" in refused.json()["detail"]
    assert int(refused.headers["Retry-After"]) >= 1
    assert rate_headers(refused) == ("3", "0")
    assert refused.headers.get("X-Request-Id")


def test_other_tenants_roles_and_route_groups_keep_their_own_budgets(client: TestClient) -> None:
    for _ in range(4):
        evaluate(client)
    assert evaluate(client).status_code == 429
    other_tenant = evaluate(client, "other")
    assert other_tenant.status_code == 200 and rate_headers(other_tenant) == ("3", "2")
    other_role = evaluate(client, "admin")
    assert other_role.status_code == 200 and rate_headers(other_role) == ("3", "2")
    read = client.get(f"/v1/equivalences/{BODY['request_id']}", headers={"X-API-Key": KEYS["client"]})
    assert read.status_code == 200 and rate_headers(read) == ("2", "1")


def test_batch_and_admin_routes_have_groups_of_their_own(client: TestClient) -> None:
    headers = {"X-API-Key": KEYS["admin"]}
    assert evaluate(client, "admin").status_code == 200
    batch = [client.post("/v1/equivalences/batch", json={"items": [BODY]}, headers=headers) for _ in range(2)]
    assert [r.status_code for r in batch] == [202, 429] and rate_headers(batch[0]) == ("1", "0")
    admin = [client.get("/admin/api_keys", headers=headers) for _ in range(2)]  # group from the /admin path
    assert [r.status_code for r in admin] == [200, 429]


def test_public_routes_and_refused_credentials_are_not_counted(client: TestClient) -> None:
    for path in ("/health", "/schema/openapi.json"):
        responses = [client.get(path) for _ in range(5)]
        assert {r.status_code for r in responses} == {200}
        assert all(rate_headers(r) == (None, None) for r in responses)
    for _ in range(5):
        invalid = client.post("/v1/equivalences/evaluate", json=BODY, headers={"X-API-Key": "eqv_live_nope"})
        assert invalid.status_code == 401 and rate_headers(invalid) == (None, None)
        wrong_role = evaluate(client, "auditor")
        assert wrong_role.status_code == 403 and rate_headers(wrong_role) == (None, None)
    assert rate_headers(evaluate(client)) == ("3", "2")


def test_openapi_declares_429_on_every_authenticated_route(client: TestClient) -> None:
    paths = client.get("/schema/openapi.json").json()["paths"]
    for path, operations in paths.items():
        for method, operation in operations.items():
            public = path in ("/health", "/ready") or path.startswith("/schema") or path == "/metrics"
            assert ("429" in operation["responses"]) != public, f"{method.upper()} {path}"


def test_rate_limits_can_be_switched_off(sqlite_url: str, tmp_path: Path) -> None:
    for test_client in make_client(sqlite_url, tmp_path, rate_limits={"enabled": False, "evaluate": "1/minute"}):
        responses = [evaluate(test_client) for _ in range(4)]
        assert {r.status_code for r in responses} == {200}
        assert all(rate_headers(r) == (None, None) for r in responses)


# --- full runtime: Redis ---------------------------------------------------------------------------


def full_runtime_client(
    stack: ExitStack, postgres_url: str, redis_url: str, tmp_path: Path, **limits: str
) -> TestClient:
    settings = test_settings(
        runtime=FULL, var_dir=tmp_path, database_url=postgres_url, redis_url=redis_url,
        api_key_pepper=PEPPER, bootstrap_api_key=KEYS["admin"], rate_limits=limits,
    )
    container = build_container(settings)
    Seed(container.adapters.uow_factory(), PEPPER, SystemClock(), UuidGenerator())(TAXONOMY, Policy(), KEYS["admin"])
    stack.callback(container.adapters.engine().dispose)
    return stack.enter_context(TestClient(create_app(container)))


@pytest.mark.postgres
@pytest.mark.redis
def test_two_app_instances_share_one_budget_through_redis(
    postgres_url: str, redis_url: str, tmp_path: Path
) -> None:
    """Each instance has its own container and Redis pool, like two API processes: the limit is
    global (Litestar's own limiter would give each process the whole budget, litestar#4700)."""
    namespace = f"eqv-test-rl-{uuid.uuid4().hex[:12]}"
    try:
        with ExitStack() as stack:
            first, second = (
                full_runtime_client(stack, postgres_url, redis_url, tmp_path / n, namespace=namespace, evaluate="5/minute")
                for n in "ab"
            )
            statuses = [evaluate(app, "admin").status_code for _ in range(5) for app in (first, second)]
        assert statuses.count(200) == 5 and statuses.count(429) == 5
    finally:
        store = redis.Redis.from_url(redis_url)
        store.delete(*store.keys(f"{namespace}:*") or [f"{namespace}:none"])
        store.close()


@pytest.mark.postgres
def test_redis_down_fails_open_without_errors(postgres_url: str, tmp_path: Path) -> None:
    with ExitStack() as stack:
        redis_down = f"redis://127.0.0.1:{closed_port()}/0"
        app = full_runtime_client(stack, postgres_url, redis_down, tmp_path, evaluate="1/minute")
        responses = [evaluate(app, "admin") for _ in range(3)]
    assert {r.status_code for r in responses} == {200}
    assert all(rate_headers(r) == (None, None) for r in responses)  # nothing was counted, so no claim
