"""/admin/api_keys over the real stack: create (plaintext once), list, rotate, revoke, tenant isolation.

The fixed keys of test_http_api are shared by every test of a PostgreSQL session: these tests
only rotate or revoke keys they created themselves.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient

from adapters.persistence.database import create_engine_for, session_factory
from adapters.persistence.sqla_unit_of_work import SqlaUnitOfWorkFactory
from adapters.system import SystemClock, UuidGenerator
from core.domain.actors import cli_actor
from core.domain.records import Role
from core.usecases.keys import ApiKeyAdmin
from core.usecases.tenants import TenantAdmin
from tests.support.http_api import KEYS, PEPPER, make_client
from tests.support.waiting import wait_until

URL = "/admin/api_keys"


@pytest.fixture
def client(db_url: str, tmp_path: Path) -> Iterator[TestClient]:
    yield from make_client(db_url, tmp_path)


def as_key(key: str) -> dict[str, str]:
    return {"X-API-Key": KEYS.get(key, key)}


def create(client: TestClient, role: str = "client", name: str = "portal", key: str = "admin"):  # type: ignore[no-untyped-def]
    return client.post(URL, json={"role": role, "name": name}, headers=as_key(key))


def test_create_shows_the_key_once_and_it_works(client: TestClient) -> None:
    created = create(client, role="admin", name="ops team")

    assert created.status_code == 201, created.text
    body = created.json()
    assert body["key"].startswith(body["prefix"]) and body["status"] == "active" and body["role"] == "admin"
    assert created.headers["Cache-Control"] == "no-store"
    listed = client.get(URL, headers=as_key(body["key"]))
    assert listed.status_code == 200
    mine = next(k for k in listed.json() if k["key_id"] == body["key_id"])
    assert "key" not in mine and body["key"] not in listed.text
    assert mine["name"] == "ops team" and mine["revoked_at"] is None


def test_last_use_is_recorded(client: TestClient) -> None:
    body = create(client, role="admin", name="last use").json()
    assert client.get(URL, headers=as_key(body["key"])).status_code == 200
    def last_used() -> str | None:  # recorded off the request path
        listed = {k["key_id"]: k for k in client.get(URL, headers=as_key("admin")).json()}
        return listed[body["key_id"]]["last_used_at"]

    wait_until(last_used, what="last_used_at is recorded")


def test_rotation_gives_a_new_key_and_refuses_the_old_one(client: TestClient) -> None:
    old = create(client, role="client", name="rotating").json()

    rotated = client.post(f"{URL}/{old['key_id']}/rotate", headers=as_key("admin"))

    assert rotated.status_code == 201, rotated.text
    new = rotated.json()
    assert new["replaces"] == old["key_id"] and new["key"] != old["key"]
    assert (new["role"], new["name"]) == ("client", "rotating")
    evaluate = "/v1/equivalences/does-not-exist-123"
    assert client.get(evaluate, headers=as_key(old["key"])).status_code == 401
    assert client.get(evaluate, headers=as_key(new["key"])).status_code == 404  # authenticated
    again = client.post(f"{URL}/{old['key_id']}/rotate", headers=as_key("admin"))
    assert again.status_code == 409


def test_revocation_is_immediate(client: TestClient) -> None:
    body = create(client, role="client", name="to revoke").json()
    probe = "/v1/equivalences/does-not-exist-123"
    assert client.get(probe, headers=as_key(body["key"])).status_code == 404

    revoked = client.post(f"{URL}/{body['key_id']}/revoke", headers=as_key("admin"))

    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    refused = client.get(probe, headers=as_key(body["key"]))
    assert refused.status_code == 401 and refused.json()["detail"] == "Invalid API key"
    assert client.post(f"{URL}/{body['key_id']}/revoke", headers=as_key("admin")).status_code == 200


def test_an_admin_may_revoke_its_own_key(client: TestClient) -> None:
    body = create(client, role="admin", name="self").json()
    revoked = client.post(f"{URL}/{body['key_id']}/revoke", headers=as_key(body["key"]))
    assert revoked.status_code == 200
    assert client.get(URL, headers=as_key(body["key"])).status_code == 401


def test_another_tenants_key_is_not_found(client: TestClient) -> None:
    theirs = create(client, role="client", name="theirs", key="other").json()
    for action in ("rotate", "revoke"):
        foreign = client.post(f"{URL}/{theirs['key_id']}/{action}", headers=as_key("admin"))
        missing = client.post(f"{URL}/no-such-key/{action}", headers=as_key("admin"))
        assert foreign.status_code == missing.status_code == 404
        assert foreign.json()["detail"].replace(theirs["key_id"], "X") == missing.json()["detail"].replace("no-such-key", "X")
    assert theirs["key_id"] not in client.get(URL, headers=as_key("admin")).text
    assert client.get("/v1/equivalences/does-not-exist-123", headers=as_key(theirs["key"])).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [({"role": "root", "name": "x"}, "role"), ({"role": "client", "name": "  "}, "name"), ({"role": "client"}, "name"),
     ({"role": "client", "name": "x" * 201}, "name"), ({"name": "x"}, "role")],
)
def test_bad_role_or_name_is_422(client: TestClient, body: dict, field: str) -> None:
    response = client.post(URL, json=body, headers=as_key("admin"))
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["extra"]]


@pytest.mark.parametrize("role", ["client", "auditor"])
def test_only_admins_manage_keys(client: TestClient, role: str) -> None:
    assert create(client, key=role).status_code == 403
    assert client.get(URL, headers=as_key(role)).status_code == 403
    assert client.post(f"{URL}/whatever/revoke", headers=as_key(role)).status_code == 403


def test_a_disabled_tenants_keys_are_refused_until_it_is_enabled(client: TestClient, db_url: str, tenant_id: str) -> None:
    engine = create_engine_for(db_url)
    try:
        uows = SqlaUnitOfWorkFactory(session_factory(engine))
        tenants = TenantAdmin(uows, SystemClock())
        tenants.create(tenant_id, "Universidade desligada", cli_actor())
        key = ApiKeyAdmin(uows, PEPPER, SystemClock(), UuidGenerator()).create(tenant_id, Role.ADMIN, "a", cli_actor()).plaintext
        assert client.get(URL, headers=as_key(key)).status_code == 200
        tenants.disable(tenant_id, cli_actor())
        assert client.get(URL, headers=as_key(key)).status_code == 401
        tenants.enable(tenant_id, cli_actor())
        assert client.get(URL, headers=as_key(key)).status_code == 200
    finally:
        engine.dispose()


def test_the_key_routes_are_documented(client: TestClient) -> None:
    paths = client.get("/schema/openapi.json").json()["paths"]
    assert set(paths[URL]) == {"get", "post"}
    assert {"401", "403", "422"} <= set(paths[URL]["post"]["responses"])
    assert {"401", "403", "404", "409"} <= set(paths[URL + "/{key_id}/rotate"]["post"]["responses"])
    assert {"401", "403", "404"} <= set(paths[URL + "/{key_id}/revoke"]["post"]["responses"])


def test_options_lists_every_method_of_the_collection(client: TestClient) -> None:
    """litestar#4169: Litestar 2's own OPTIONS answer would list only one of GET and POST."""
    allowed = client.options(URL).headers["Allow"]
    assert {m.strip() for m in allowed.split(",")} == {"GET", "OPTIONS", "POST"}
