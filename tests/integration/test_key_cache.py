"""Valid keys cached in process (ADR 0028): a revoke or a tenant disable is still refused at once,
in the process that made it and, through LISTEN/NOTIFY, in another one sharing the database."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient
from sqlalchemy import event, text

from adapters.persistence.database import create_engine_for
from adapters.persistence.pg_key_cache import ListeningKeyCache
from core.domain.api_keys import hash_key
from entrypoints.cli_batch import start_decision_services
from entrypoints.container import Container, build_container
from tests.support.http_api import KEYS, PEPPER, make_client
from tests.support.settings import test_settings
from tests.support.waiting import wait_until

pytestmark = pytest.mark.postgres
PROBE = "/v1/equivalences/does-not-exist-key-cache"
ADMIN = {"X-API-Key": KEYS["admin"]}


@pytest.fixture
def two_apps(postgres_url: str, tmp_path: Path) -> Iterator[tuple[TestClient, TestClient, Container]]:
    containers: list[Container] = []
    allow = {"allow_private": True}  # webhook endpoints at example.org, with no DNS in tests (ADR 0049)
    first = make_client(postgres_url, tmp_path / "a", containers=containers, webhooks=allow)
    second = make_client(postgres_url, tmp_path / "b", containers=containers, webhooks=allow)
    a, b = next(first), next(second)
    try:
        yield a, b, containers[1]
    finally:
        for gen in (second, first):
            next(gen, None)


def _cache(container: Container) -> ListeningKeyCache:
    cache = container.adapters.key_cache()
    assert isinstance(cache, ListeningKeyCache)
    wait_until(lambda: cache.listening, what="the key cache listens")
    return cache


def test_a_revoke_in_one_process_is_refused_by_the_next_request_to_another(
    two_apps: tuple[TestClient, TestClient, Container],
) -> None:
    a, b, container_b = two_apps
    cache_b = _cache(container_b)
    created = a.post("/admin/api_keys", json={"role": "client", "name": "cached"}, headers=ADMIN).json()
    key = {"X-API-Key": created["key"]}
    assert b.get(PROBE, headers=key).status_code == 404
    assert cache_b.get(hash_key(created["key"], PEPPER)) is not None  # B now answers it from memory
    seen = cache_b.notifications

    assert a.post(f"/admin/api_keys/{created['key_id']}/revoke", headers=ADMIN).status_code == 200

    wait_until(lambda: cache_b.notifications > seen, what="B's listener saw the change")
    assert b.get(PROBE, headers=key).status_code == 401
    assert a.get(PROBE, headers=key).status_code == 401  # and A, which revoked it, at once


def test_a_revoke_by_the_process_itself_needs_no_notification(
    two_apps: tuple[TestClient, TestClient, Container],
) -> None:
    a, b, container_b = two_apps
    cache_b = _cache(container_b)
    created = b.post("/admin/api_keys", json={"role": "client", "name": "own"}, headers=ADMIN).json()
    key = {"X-API-Key": created["key"]}
    assert b.get(PROBE, headers=key).status_code == 404
    assert b.get(PROBE, headers=key).status_code == 404
    cache_b.stop()  # no notification can arrive now; the cache is off while it does not listen
    cache_b.start()
    wait_until(lambda: cache_b.listening)
    assert b.get(PROBE, headers=key).status_code == 404
    assert b.post(f"/admin/api_keys/{created['key_id']}/revoke", headers=ADMIN).status_code == 200
    assert b.get(PROBE, headers=key).status_code == 401


def _psql(postgres_url: str, statement: str) -> None:
    """Run one statement from another process (as the CLI or psql would): only a NOTIFY can tell us."""
    conninfo = postgres_url.replace("postgresql+psycopg://", "postgresql://")
    script = "import sys, psycopg\nwith psycopg.connect(sys.argv[1], autocommit=True) as c: c.execute(sys.argv[2])"
    subprocess.run([sys.executable, "-c", script, conninfo, statement], check=True, timeout=60)


def test_a_key_revoked_and_a_tenant_disabled_by_another_process_are_refused(
    postgres_url: str, two_apps: tuple[TestClient, TestClient, Container]
) -> None:
    a, b, container_b = two_apps
    cache_b = _cache(container_b)
    created = a.post("/admin/api_keys", json={"role": "client", "name": "elsewhere"}, headers=ADMIN).json()
    key = {"X-API-Key": created["key"]}
    wait_until(lambda: b.get(PROBE, headers=key).status_code == 404 and cache_b.get(hash_key(created["key"], PEPPER)))
    seen = cache_b.notifications
    _psql(postgres_url, f"UPDATE api_keys SET revoked_at = now() WHERE key_id = '{created['key_id']}'")
    wait_until(lambda: cache_b.notifications > seen, what="B's listener saw the revoke")
    assert b.get(PROBE, headers=key).status_code == 401

    other = {"X-API-Key": KEYS["other"]}
    wait_until(lambda: b.get(PROBE, headers=other).status_code == 404 and cache_b.get(hash_key(KEYS["other"], PEPPER)))
    seen = cache_b.notifications
    _psql(postgres_url, "UPDATE tenants SET active = false WHERE tenant_id = 'other'")
    try:
        wait_until(lambda: cache_b.notifications > seen, what="B's listener saw the disable")
        assert b.get(PROBE, headers=other).status_code == 401
    finally:
        _psql(postgres_url, "UPDATE tenants SET active = true WHERE tenant_id = 'other'")


def test_while_not_listening_nothing_is_served_from_memory(postgres_url: str) -> None:
    now = [100.0]
    engine = create_engine_for(postgres_url)
    cache = ListeningKeyCache.for_engine(engine, ttl_s=5.0)
    cache._monotonic = lambda: now[0]  # a fake clock for the staleness bound
    verified = object()
    try:
        assert cache.generation() is None  # not listening yet: every request reads
        cache.start()
        wait_until(lambda: cache.listening)
        generation = cache.generation()
        assert generation is not None
        cache.put("h", generation, verified)  # type: ignore[arg-type]
        assert cache.get("h") is verified
        now[0] += 5.0
        assert cache.get("h") is None  # the staleness bound
        cache.put("h", generation, verified)  # type: ignore[arg-type]
        with engine.begin() as connection:  # a change this process makes
            connection.execute(text("UPDATE tenants SET name = name WHERE tenant_id = 'nobody'"))
        assert cache.get("h") is None
        cache.put("h", generation, verified)  # type: ignore[arg-type]  # read before the change
        assert cache.get("h") is None
        cache.stop()
        assert cache.generation() is None and not cache.listening
    finally:
        cache.stop()
        engine.dispose()


def _subscribed(container: Container) -> list[str]:
    with container.adapters.uow_factory().reading() as uow:
        return [e.url for e in uow.webhooks.subscribed("default", "decisao.automatica")]


def test_webhook_endpoints_are_cached_and_an_endpoint_added_anywhere_is_seen(
    two_apps: tuple[TestClient, TestClient, Container],
) -> None:
    """ADR 0033: the endpoints an automatic decision publishes to are kept with the keys; an
    endpoint added by another process reaches B once its listener is told, and one B adds at once."""
    a, b, container_b = two_apps
    cache_b = _cache(container_b)
    assert _subscribed(container_b) == []
    assert cache_b.get("webhooks:default") == ()  # kept: the next decision reads nothing
    seen = cache_b.notifications
    body = {"url": "https://example.org/a", "event_types": ["decisao.automatica"]}
    assert a.post("/admin/webhooks", json=body, headers=ADMIN).status_code == 201

    wait_until(lambda: cache_b.notifications > seen, what="B's listener saw the new endpoint")
    assert _subscribed(container_b) == ["https://example.org/a"]
    body = {"url": "https://example.org/b", "event_types": ["decisao.automatica"]}
    assert b.post("/admin/webhooks", json=body, headers=ADMIN).status_code == 201
    assert sorted(_subscribed(container_b)) == ["https://example.org/a", "https://example.org/b"]


def test_a_batch_worker_listens_too(postgres_url: str, tmp_path: Path) -> None:
    """`equivalence worker` starts the listener as `serve` does, so its stored decisions take
    the webhook endpoints from memory (ADR 0033), and stops it with the worker."""
    container = build_container(test_settings(var_dir=tmp_path, database_url=postgres_url, api_key_pepper=PEPPER))
    stop = start_decision_services(container)
    try:
        cache = _cache(container)  # waits until it listens
    finally:
        stop()
        container.adapters.engine().dispose()
    assert not cache.listening


def test_cached_knows_a_key_only_while_the_key_cache_holds_it(
    two_apps: tuple[TestClient, TestClient, Container],
) -> None:
    """Authenticate.cached (the event loop's answer, issue 16) never reads the database: it knows
    a key after a request read it, and forgets it the moment a revoke empties the cache."""
    a, b, container_b = two_apps
    _cache(container_b)
    cached = container_b.use_cases.authenticate().cached
    created = a.post("/admin/api_keys", json={"role": "auditor", "name": "loop"}, headers=ADMIN).json()
    assert cached(created["key"]) is None and cached(None) is None and cached("eqv_live_not-a-key") is None
    assert b.get(PROBE, headers={"X-API-Key": created["key"]}).status_code == 404  # read once, in a thread
    principal = cached(created["key"])
    assert principal is not None and principal.key_id == created["key_id"] and principal.role.value == "auditor"
    assert b.post(f"/admin/api_keys/{created['key_id']}/revoke", headers=ADMIN).status_code == 200
    assert cached(created["key"]) is None
    assert b.get(PROBE, headers={"X-API-Key": created["key"]}).status_code == 401


def _current(container: Container, tenant_id: str = "default") -> tuple[str | None, str | None]:
    with container.adapters.uow_factory().reading() as uow:
        tenant = uow.tenants.current(tenant_id)
        assert tenant is not None
        return tenant.default_taxonomy_version, tenant.default_policy_version


def test_the_tenant_a_batch_item_resolves_is_kept_and_a_change_made_anywhere_is_seen(
    postgres_url: str, two_apps: tuple[TestClient, TestClient, Container]
) -> None:
    """A batch item has no API key whose verification brings its tenant: `tenants.current` keeps
    the tenant with the keys, so items read no tenant row each; a change of its default versions
    made by another process reaches B once its listener is told, and one B makes at once."""
    _, _, container_b = two_apps
    cache_b = _cache(container_b)
    engine = container_b.adapters.engine()
    statements: list[str] = []

    def seen_statement(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen_statement)
    try:
        original = _current(container_b)
        assert cache_b.get("tenant:default") is not None
        statements.clear()
        assert _current(container_b) == original
        assert not [s for s in statements if "tenants" in s]  # from memory: no tenant row read

        seen = cache_b.notifications
        _psql(postgres_url, "UPDATE tenants SET default_policy_version = 'elsewhere-v9' WHERE tenant_id = 'default'")
        wait_until(lambda: cache_b.notifications > seen, what="B's listener saw the new defaults")
        assert _current(container_b) == (original[0], "elsewhere-v9")

        with container_b.adapters.uow_factory()() as uow:  # a change B itself makes: no waiting
            uow.tenants.set_defaults("default", original[0], original[1])
            uow.commit()
        assert _current(container_b) == original

        with container_b.adapters.uow_factory().reading() as uow:  # an unknown tenant is never kept
            assert uow.tenants.current("nobody-at-all") is None
        assert cache_b.get("tenant:nobody-at-all") is None
    finally:
        event.remove(engine, "before_cursor_execute", seen_statement)
        _psql(postgres_url, f"UPDATE tenants SET default_policy_version = '{original[1]}' WHERE tenant_id = 'default'")
