"""The admin catalog over HTTP (real stack, SQLite and PostgreSQL): taxonomy and policy versions,
course bindings, immutability of used versions, tenant isolation, roles and audit events."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from adapters.mappers.taxonomy_json import taxonomy_to_dict
from adapters.persistence.database import create_engine_for, session_factory
from adapters.persistence.sqla_unit_of_work import SqlaUnitOfWorkFactory
from core.domain.api_keys import hash_key, key_prefix
from core.domain.records import ApiKeyRecord, Role, Tenant
from tests.support.http_api import DESTINO, ORIGEM, PEPPER, TAXONOMY, make_client

SHARED_TAXONOMY, SHARED_POLICY = TAXONOMY.version, "default-v1"


@dataclass
class Catalog:
    """A fresh tenant (admin, client, auditor keys) and a second tenant with an admin key."""

    client: TestClient
    tenant: str
    keys: dict[str, str]
    uows: SqlaUnitOfWorkFactory

    def call(self, method: str, path: str, key: str = "admin", **kwargs: Any) -> Any:
        headers = {"X-API-Key": self.keys[key]} if key else {}
        return self.client.request(method, path, headers=headers, **kwargs)

    def events(self, prefix: str) -> list[Any]:
        with self.uows.reading() as uow:
            return [e for e in uow.audit.list_events(self.tenant, limit=1000) if e.event_type.startswith(prefix)]


@pytest.fixture
def cat(db_url: str, tmp_path: Path) -> Iterator[Catalog]:
    tag = uuid.uuid4().hex[:10]
    tenant, other = f"cat-{tag}", f"cat2-{tag}"
    keys = {name: f"eqv_live_{secrets.token_urlsafe(24)}" for name in ("admin", "client", "auditor", "other")}
    engine = create_engine_for(db_url)
    uows = SqlaUnitOfWorkFactory(session_factory(engine))
    for client in make_client(db_url, tmp_path):
        with uows() as uow:
            uow.tenants.add(Tenant(tenant, "Universidade A", True, SHARED_TAXONOMY, SHARED_POLICY))
            uow.tenants.add(Tenant(other, "Universidade B", True, SHARED_TAXONOMY, SHARED_POLICY))
            for name, owner, role in (
                ("admin", tenant, Role.ADMIN),
                ("client", tenant, Role.CLIENT),
                ("auditor", tenant, Role.AUDITOR),
                ("other", other, Role.ADMIN),
            ):
                key = keys[name]
                record = ApiKeyRecord(uuid.uuid4().hex, owner, key_prefix(key), hash_key(key, PEPPER), role, name, _now())
                uow.api_keys.add(record)
            uow.commit()
        yield Catalog(client, tenant, keys, uows)
    engine.dispose()


def _now() -> Any:
    import datetime as dt

    return dt.datetime.now(dt.timezone.utc)


def document(version: str, drop: int = 0) -> dict[str, Any]:
    """The shared test taxonomy under another name (optionally without its last `drop` nodes)."""
    doc = taxonomy_to_dict(TAXONOMY) | {"version": version}
    doc["nodes"] = doc["nodes"][: len(doc["nodes"]) - drop]
    return doc


def evaluate(cat: Catalog, request_id: str, key: str = "client", **fields: Any) -> Any:
    body = {"request_id": request_id, "origem": ORIGEM, "destino": DESTINO, **fields}
    return cat.call("POST", "/v1/equivalences/evaluate", key=key, json=body)


def test_taxonomy_import_list_show_activate_deprecate(cat: Catalog) -> None:
    imported = cat.call("POST", "/admin/taxonomies", json=document("own-1"))
    assert imported.status_code == 201, imported.text
    assert imported.json() | {"created_at": None} == {
        "version": "own-1", "concepts": 4, "status": "active", "scope": "own", "is_default": False, "created_at": None
    }
    listed = {t["version"]: t for t in cat.call("GET", "/admin/taxonomies").json()}
    assert listed[SHARED_TAXONOMY]["scope"] == "shared" and listed[SHARED_TAXONOMY]["is_default"]
    assert listed["own-1"]["scope"] == "own" and not listed["own-1"]["is_default"]

    summary = cat.call("GET", "/admin/taxonomies/own-1").json()
    assert summary["areas"] == {"computacao": 4} and summary["critical"] == 1 and summary["nodes"] is None
    full = cat.call("GET", "/admin/taxonomies/own-1", params={"full": "true"}).json()
    exported = document("own-1")
    exported["nodes"].sort(key=lambda node: node["node_id"])  # stored and exported by node_id
    assert {"version": full["version"], "nodes": full["nodes"]} == exported  # the export format

    activated = cat.call("POST", "/admin/taxonomies/own-1/activate")
    assert activated.status_code == 200 and activated.json() == {"taxonomy_version": "own-1", "policy_version": SHARED_POLICY}
    assert evaluate(cat, "cat-default-1").json()["taxonomy_version"] == "own-1"
    refused = cat.call("POST", "/admin/taxonomies/own-1/deprecate")
    assert refused.status_code == 409 and "active default" in refused.json()["detail"]
    shared = cat.call("POST", f"/admin/taxonomies/{SHARED_TAXONOMY}/deprecate")
    assert shared.status_code == 409 and "shared" in shared.json()["detail"]

    cat.call("POST", f"/admin/taxonomies/{SHARED_TAXONOMY}/activate")
    deprecated = cat.call("POST", "/admin/taxonomies/own-1/deprecate")
    assert deprecated.status_code == 200 and deprecated.json()["status"] == "deprecated"
    again = cat.call("POST", "/admin/taxonomies/own-1/activate")
    assert again.status_code == 409 and "deprecated" in again.json()["detail"]
    named = evaluate(cat, "cat-deprecated-1", taxonomy_version="own-1")
    assert named.status_code == 422 and named.json()["extra"][0]["field"] == "taxonomy_version"
    bound = cat.call("PUT", "/admin/course_bindings/BD-1", json={"taxonomy_version": "own-1", "policy_version": SHARED_POLICY})
    assert bound.status_code == 422 and bound.json()["extra"][0]["field"] == "taxonomy_version"
    assert cat.call("GET", "/admin/taxonomies/own-1").json()["status"] == "deprecated"
    assert cat.call("GET", "/admin/taxonomies/missing-1").status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"version": "x-1"}, "nodes"),
        ({"version": "x-1", "nodes": []}, "nodes"),
        ({"version": "has space", "nodes": document("x")["nodes"]}, "version"),
        ({"version": "x-1", "nodes": [{**document("x")["nodes"][0], "keywords": []}]}, "nodes[0].keywords"),
        ({"version": "x-1", "nodes": [{**document("x")["nodes"][0], "nivel": "expert"}]}, "nodes[0].nivel"),
        ({"version": "x-1", "nodes": [{**document("x")["nodes"][0], "conceito": "  "}]}, "nodes[0].conceito"),
        ({"version": "x-1", "nodes": [{**document("x")["nodes"][0], "area": "a\u0000b"}]}, "nodes[0].area"),
        ({"version": "x-1", "nodes": [document("x")["nodes"][0]] * 2}, "nodes[1].node_id"),
        ([1, 2], "body"),
    ],
)
def test_an_invalid_taxonomy_document_is_422_with_the_field_path(cat: Catalog, body: Any, field: str) -> None:
    response = cat.call("POST", "/admin/taxonomies", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["extra"][0]["field"] == field


def test_policy_create_list_show_activate(cat: Catalog) -> None:
    created = cat.call("POST", "/admin/policies", json={"version": "strict-1", "min_score_deferir": 95, "weights": {"nivel": 0.2}})
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["min_score_deferir"], body["min_score_complemento"], body["weights"]) == (
        95.0, 70.0, {"cobertura": 0.6, "critica": 0.4, "nivel": 0.2}
    )
    assert body["scope"] == "own" and not body["is_default"]
    conflict = cat.call("POST", "/admin/policies", json={"version": "strict-1", "min_score_deferir": 90})
    assert conflict.status_code == 409 and "new version" in conflict.json()["detail"]
    invalid = cat.call("POST", "/admin/policies", json={"version": "bad-1", "weights": {"cobertura": 2}})
    assert invalid.status_code == 422 and invalid.json()["extra"][0]["field"] == "weights.cobertura"
    unnamed = cat.call("POST", "/admin/policies", json={"min_score_deferir": 90})
    assert unnamed.status_code == 422 and unnamed.json()["extra"][0]["field"] == "version"
    assert [p["version"] for p in cat.call("GET", "/admin/policies").json()][-1] == "strict-1"
    assert cat.call("GET", "/admin/policies/strict-1").json() == body
    assert cat.call("GET", "/admin/policies/missing-1").status_code == 404
    activated = cat.call("POST", "/admin/policies/strict-1/activate")
    assert activated.json() == {"taxonomy_version": SHARED_TAXONOMY, "policy_version": "strict-1"}
    assert cat.call("GET", "/admin/policies/strict-1").json()["is_default"] is True
    assert evaluate(cat, "cat-policy-1").json()["policy_version"] == "strict-1"


def test_inverted_thresholds_are_422_for_stored_policies_and_for_overrides(cat: Catalog) -> None:
    inverted = cat.call("POST", "/admin/policies", json={"version": "bad-v2", "min_score_deferir": 50, "min_score_complemento": 80})
    assert inverted.status_code == 422, inverted.text
    [error] = inverted.json()["extra"]
    assert error["field"] == "min_score_complemento" and "must not exceed min_score_deferir" in error["message"]
    assert cat.call("GET", "/admin/policies/bad-v2").status_code == 404
    binding = {"taxonomy_version": SHARED_TAXONOMY, "policy_version": "bad-v2"}
    assert cat.call("PUT", "/admin/course_bindings/BAD-1", json=binding).status_code == 422

    # an admin key may override the tenant's policy (a client key of this tenant may not: 403)
    overridden = evaluate(cat, "cat-invert-1", "admin", policy={"min_score_deferir": 50, "min_score_complemento": 80})
    assert overridden.status_code == 422, overridden.text
    assert overridden.json()["extra"][0]["field"] == "policy.min_score_complemento"
    merged = evaluate(cat, "cat-invert-2", "admin", policy={"min_score_deferir": 60})  # default-v1 keeps 70
    assert merged.status_code == 422 and merged.json()["extra"][0]["field"] == "policy.min_score_complemento"
    assert cat.call("GET", "/v1/equivalences/cat-invert-2").status_code == 404

    assert cat.call("POST", "/admin/policies", json={"version": "high-1", "min_score_deferir": 95}).status_code == 201
    within = evaluate(cat, "cat-invert-3", "admin", policy_version="high-1", policy={"min_score_complemento": 90})
    assert within.status_code == 200, within.text  # 90 > the default 85, but checked against high-1's 95


def test_a_course_binding_drives_evaluate_end_to_end(cat: Catalog) -> None:
    assert cat.call("POST", "/admin/taxonomies", json=document("course-tax-1")).status_code == 201
    assert cat.call("POST", "/admin/policies", json={"version": "course-pol-1", "min_score_deferir": 99.5}).status_code == 201
    binding = {"taxonomy_version": "course-tax-1", "policy_version": "course-pol-1"}
    put = cat.call("PUT", "/admin/course_bindings/BD-101", json=binding)
    assert put.status_code == 200 and put.json() == {"course_id": "BD-101", **binding}
    assert cat.call("GET", "/admin/course_bindings/BD-101").json() == put.json()
    assert cat.call("GET", "/admin/course_bindings").json() == [put.json()]

    decided = evaluate(cat, "cat-course-1", course_id="BD-101")
    assert decided.status_code == 200, decided.text
    body = decided.json()
    assert (body["taxonomy_version"], body["policy_version"], body["meta"]["course_id"]) == ("course-tax-1", "course-pol-1", "BD-101")
    unbound = evaluate(cat, "cat-course-2")
    assert (unbound.json()["taxonomy_version"], unbound.json()["policy_version"]) == (SHARED_TAXONOMY, SHARED_POLICY)

    unknown = cat.call("PUT", "/admin/course_bindings/BD-102", json={**binding, "policy_version": "nope-1"})
    assert unknown.status_code == 422 and unknown.json()["extra"][0]["field"] == "policy_version"
    assert cat.call("DELETE", "/admin/course_bindings/BD-101").status_code == 204
    assert cat.call("GET", "/admin/course_bindings/BD-101").status_code == 404
    assert cat.call("DELETE", "/admin/course_bindings/BD-101").status_code == 404
    gone = evaluate(cat, "cat-course-3", course_id="BD-101")
    assert gone.status_code == 422 and gone.json()["extra"][0]["field"] == "course_id"


def test_a_version_used_by_a_decision_cannot_change(cat: Catalog) -> None:
    assert cat.call("POST", "/admin/taxonomies", json=document("used-1")).status_code == 201
    first = evaluate(cat, "cat-used-1", taxonomy_version="used-1")
    assert first.status_code == 200
    stored = cat.call("GET", "/v1/equivalences/cat-used-1", key="client")
    assert stored.status_code == 200 and stored.json()["taxonomy_version"] == "used-1"

    changed = cat.call("POST", "/admin/taxonomies", json=document("used-1", drop=1))
    assert changed.status_code == 409
    assert "different content" in changed.json()["detail"] and "new version" in changed.json()["detail"]
    same = cat.call("POST", "/admin/taxonomies", json=document("used-1"))
    assert same.status_code == 409 and "same content" in same.json()["detail"]
    assert cat.call("GET", "/admin/taxonomies/used-1").json()["concepts"] == 4
    assert cat.call("GET", "/v1/equivalences/cat-used-1", key="client").content == stored.content

    assert cat.call("POST", "/admin/taxonomies/used-1/deprecate").status_code == 200
    assert cat.call("GET", "/v1/equivalences/cat-used-1", key="auditor").content == stored.content
    replay = evaluate(cat, "cat-used-1", taxonomy_version="used-1")
    assert replay.status_code == 200 and replay.headers["Idempotent-Replayed"] == "true"
    assert replay.content == first.content
    for method in ("PUT", "PATCH"):
        assert cat.call(method, "/admin/taxonomies/used-1", json=document("used-1")).status_code == 405


def test_another_tenants_own_versions_and_bindings_are_404_and_shared_ones_visible(cat: Catalog) -> None:
    assert cat.call("POST", "/admin/taxonomies", json=document("mine-1")).status_code == 201
    assert cat.call("POST", "/admin/policies", json={"version": "mine-pol-1"}).status_code == 201
    bind = {"taxonomy_version": "mine-1", "policy_version": "mine-pol-1"}
    assert cat.call("PUT", "/admin/course_bindings/MINE-1", json=bind).status_code == 200
    routes = [
        ("GET", "/admin/taxonomies/{}", "mine-1", "missing-1"),
        ("POST", "/admin/taxonomies/{}/activate", "mine-1", "missing-1"),
        ("POST", "/admin/taxonomies/{}/deprecate", "mine-1", "missing-1"),
        ("GET", "/admin/policies/{}", "mine-pol-1", "missing-1"),
        ("POST", "/admin/policies/{}/activate", "mine-pol-1", "missing-1"),
        ("GET", "/admin/course_bindings/{}", "MINE-1", "MISSING-1"),
        ("DELETE", "/admin/course_bindings/{}", "MINE-1", "MISSING-1"),
    ]
    for method, template, mine, missing in routes:
        foreign = cat.call(method, template.format(mine), key="other")
        absent = cat.call(method, template.format(missing), key="other")
        assert (foreign.status_code, absent.status_code) == (404, 404), (method, template)
        assert foreign.json()["detail"].replace(mine, "X") == absent.json()["detail"].replace(missing, "X")
    foreign_bind = cat.call("PUT", "/admin/course_bindings/THEIRS-1", key="other", json=bind)
    assert foreign_bind.status_code == 422
    assert "mine-1" not in {t["version"] for t in cat.call("GET", "/admin/taxonomies", key="other").json()}
    assert cat.call("GET", "/admin/course_bindings", key="other").json() == []
    assert cat.call("GET", f"/admin/taxonomies/{SHARED_TAXONOMY}", key="other").status_code == 200
    assert cat.call("GET", f"/admin/policies/{SHARED_POLICY}", key="other").status_code == 200
    assert cat.call("GET", "/admin/course_bindings/MINE-1").status_code == 200  # untouched by the other tenant


CATALOG_ROUTES = [
    ("POST", "/admin/taxonomies", document("role-1")),
    ("GET", "/admin/taxonomies", None),
    ("GET", f"/admin/taxonomies/{SHARED_TAXONOMY}", None),
    ("POST", f"/admin/taxonomies/{SHARED_TAXONOMY}/activate", None),
    ("POST", "/admin/taxonomies/role-1/deprecate", None),
    ("POST", "/admin/policies", {"version": "role-pol-1"}),
    ("GET", "/admin/policies", None),
    ("GET", f"/admin/policies/{SHARED_POLICY}", None),
    ("POST", f"/admin/policies/{SHARED_POLICY}/activate", None),
    ("PUT", "/admin/course_bindings/C-1", {"taxonomy_version": SHARED_TAXONOMY, "policy_version": SHARED_POLICY}),
    ("GET", "/admin/course_bindings", None),
    ("GET", "/admin/course_bindings/C-1", None),
    ("DELETE", "/admin/course_bindings/C-1", None),
]


def test_only_admins_may_use_the_catalog(cat: Catalog) -> None:
    for method, path, body in CATALOG_ROUTES:
        for key, status in (("client", 403), ("auditor", 403), ("", 401)):
            response = cat.call(method, path, key=key, json=body)
            assert response.status_code == status, (method, path, key)
    assert cat.events("") == []  # nothing was done


def test_every_admin_action_is_audited_with_its_actor(cat: Catalog) -> None:
    for method, path, body in CATALOG_ROUTES:
        if method != "GET" and path != "/admin/taxonomies/role-1/deprecate":
            response = cat.call(method, path, json=body)
            assert response.status_code < 300, (method, path, response.text)
    cat.call("POST", "/admin/taxonomies/role-1/deprecate")
    events = cat.events("")
    assert [e.event_type for e in events] == [
        "taxonomy.imported",
        "taxonomy.activated",
        "policy.created",
        "policy.activated",
        "binding.set",
        "binding.deleted",
        "taxonomy.deprecated",
    ]
    actors = {tuple(sorted(e.payload["actor"].items())) for e in events}
    assert len(actors) == 1 and dict(next(iter(actors)))["role"] == "admin" and "key_id" in dict(next(iter(actors)))
    assert events[0].payload["version"] == "role-1" and events[4].payload["course_id"] == "C-1"
    assert all(cat.keys["admin"] not in str(e.payload) for e in events)
