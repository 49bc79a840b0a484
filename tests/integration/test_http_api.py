"""The HTTP contract over the real stack (Litestar test client, real databases, lexical mapper)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient

from entrypoints.asgi import create_app
from entrypoints.container import build_container
from tests.support.settings import test_settings
from tests.support.http_api import DESTINO, KEYS, ORIGEM, PEPPER, evaluate, forget_cached_mappings, make_client, unique_id


@pytest.fixture
def client(db_url: str, tmp_path: Path) -> Iterator[TestClient]:
    yield from make_client(db_url, tmp_path)


def test_health_and_ready(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "alive"}
    ready = client.get("/ready")
    assert ready.status_code == 200 and ready.json()["checks"]["database"] == "ok"


def test_evaluate_decides_and_explains(client: TestClient) -> None:
    response = evaluate(client, {"request_id": unique_id("ok"), "origem": ORIGEM, "destino": DESTINO})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["decisao"] == "DEFERIDO" and body["score"] == 100.0
    assert {c["conceito"] for c in body["evidence"]["covered_concepts"]} >= {"Linguagem SQL", "Normalização"}
    assert all(c["evidence"] for c in body["evidence"]["covered_concepts"])
    assert "Normalização" in body["justificativa_detalhada"]
    assert body["taxonomy_version"] == "http-test-1" and body["policy_version"] == "default-v1"
    assert [r["rule"] for r in body["hard_rules"]] == ["input_minimo", "aprovacao", "carga_horaria", "validade_temporal", "nivel"]
    assert body["timings_ms"]["total"] >= 0


def test_missing_critical_concept_is_rejected_with_its_name(client: TestClient) -> None:
    origem = {**ORIGEM, "ementa": "Linguagem SQL. Normalização e formas normais. Transações."}
    body = evaluate(client, {"request_id": unique_id("crit"), "origem": origem, "destino": DESTINO}).json()
    assert body["decisao"] == "INDEFERIDO"
    assert body["criticos_faltantes"] == ["Modelo entidade-relacionamento"]


def test_failed_hard_rule_rejects_without_mapping(client: TestClient) -> None:
    origem = {**ORIGEM, "aprovado": False}
    body = evaluate(client, {"request_id": unique_id("hard"), "origem": origem, "destino": DESTINO}).json()
    assert body["decisao"] == "INDEFERIDO" and body["model_version"] == "none"
    assert not next(r for r in body["hard_rules"] if r["rule"] == "aprovacao")["ok"]


def test_stored_result_is_readable_and_tenant_scoped(client: TestClient) -> None:
    request_id = unique_id("get")
    decided = evaluate(client, {"request_id": request_id, "origem": ORIGEM, "destino": DESTINO}).json()
    stored = client.get(f"/v1/equivalences/{request_id}", headers={"X-API-Key": KEYS["auditor"]})
    final = {"decisao_final": decided["decisao"], "decisao_final_origem": "automatica", "revisao": None}  # ADR 0020
    assert stored.status_code == 200 and stored.json() == {**decided, **final}
    foreign = client.get(f"/v1/equivalences/{request_id}", headers={"X-API-Key": KEYS["other"]})
    missing = client.get("/v1/equivalences/does-not-exist-123", headers={"X-API-Key": KEYS["client"]})
    assert foreign.status_code == 404 and missing.status_code == 404
    assert foreign.json()["detail"].replace(request_id, "X") == missing.json()["detail"].replace("does-not-exist-123", "X")


def test_idempotency_replays_and_conflicts(client: TestClient) -> None:
    request_id = unique_id("idem")
    body = {"request_id": request_id, "origem": ORIGEM, "destino": DESTINO}
    first = evaluate(client, body)
    again = evaluate(client, body)
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    changed = evaluate(client, {**body, "destino": {**DESTINO, "carga_horaria": 61}})
    assert changed.status_code == 409 and request_id in changed.json()["detail"]


def test_idempotency_key_header(client: TestClient) -> None:
    key = unique_id("hdr")
    body = {"origem": ORIGEM, "destino": DESTINO}
    first = evaluate(client, body, **{"Idempotency-Key": key})
    assert first.status_code == 200 and first.json()["request_id"] == key
    assert evaluate(client, body, **{"Idempotency-Key": key}).headers["Idempotent-Replayed"] == "true"
    clash = evaluate(client, {**body, "request_id": unique_id("other")}, **{"Idempotency-Key": key})
    assert clash.status_code == 422 and clash.json()["extra"][0]["field"] == "request_id"


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda b: b["origem"].pop("ementa"), "origem.ementa"),
        (lambda b: b["destino"].update(carga_horaria=0), "destino.carga_horaria"),
        (lambda b: b["destino"].update(carga_horaria=2001), "destino.carga_horaria"),
        (lambda b: b["origem"].update(ementa="abc"), "origem.ementa"),
        (lambda b: b["origem"].update(nivel="doutorado"), "origem.nivel"),
        (lambda b: b.update(policy={"tolerancia_carga": 0}), "policy.tolerancia_carga"),
        (lambda b: b.update(request_id="short"), "request_id"),
        (lambda b: b.update(taxonomy_version="no-such-version"), "taxonomy_version"),
        (lambda b: b.update(course_id="no-such-course"), "course_id"),
    ],
)
def test_invalid_payload_is_422_naming_the_field(client: TestClient, mutate, field) -> None:  # type: ignore[no-untyped-def]
    body = {"request_id": unique_id("bad"), "origem": dict(ORIGEM), "destino": dict(DESTINO)}
    mutate(body)
    response = evaluate(client, body)
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["extra"]], response.json()


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b""])
def test_malformed_body_is_422_on_the_body(client: TestClient, raw: bytes) -> None:
    headers = {"X-API-Key": KEYS["client"], "Content-Type": "application/json"}
    response = client.post("/v1/equivalences/evaluate", content=raw, headers=headers)
    assert response.status_code == 422
    assert response.json()["extra"][0]["field"] == "body"


@pytest.mark.parametrize("key", [None, "eqv_live_unknown-key-000000000000000", "revoked"])
def test_missing_invalid_or_revoked_key_is_401(client: TestClient, key: str | None) -> None:
    headers = {} if key is None else {"X-API-Key": KEYS.get(key, key)}
    response = client.post("/v1/equivalences/evaluate", json={"origem": ORIGEM, "destino": DESTINO}, headers=headers)
    assert response.status_code == 401 and response.json()["detail"] == "Invalid API key"


def test_role_matrix(client: TestClient) -> None:
    body = {"origem": ORIGEM, "destino": DESTINO}
    assert evaluate(client, body, key="auditor").status_code == 403
    assert evaluate(client, body, key="admin").status_code == 200
    assert client.get("/admin/api_keys", headers={"X-API-Key": KEYS["client"]}).status_code == 403
    keys = client.get("/admin/api_keys", headers={"X-API-Key": KEYS["admin"]})
    assert keys.status_code == 200
    listed = keys.json()
    assert {k["role"] for k in listed} >= {"admin", "client", "auditor"}
    assert all(KEYS["client"] not in str(k) for k in listed)


def test_openapi_and_ui_are_served(client: TestClient) -> None:
    schema = client.get("/schema/openapi.json").json()
    assert "/v1/equivalences/evaluate" in schema["paths"]
    assert "422" in schema["paths"]["/v1/equivalences/evaluate"]["post"]["responses"]
    assert client.get("/schema/swagger").status_code == 200


def test_tenant_policy_override_is_applied(client: TestClient) -> None:
    origem = {**ORIGEM, "ementa": "Modelo entidade-relacionamento. Linguagem SQL."}
    strict = evaluate(client, {"request_id": unique_id("pol"), "origem": origem, "destino": DESTINO}).json()
    lenient = evaluate(
        client,
        {"request_id": unique_id("pol"), "origem": origem, "destino": DESTINO, "policy": {"min_score_deferir": 50, "min_score_complemento": 40}},
        key="admin",  # a client key's override needs its tenant's permission (test_http_policy_overrides.py)
    ).json()
    assert strict["decisao"] != "DEFERIDO" and lenient["decisao"] == "DEFERIDO"
    assert lenient["meta"]["policy_overrides"] is True


def test_ready_checks_redis_when_configured(sqlite_url: str, tmp_path: Path, redis_url: str) -> None:
    for client in make_client(sqlite_url, tmp_path, redis_url):
        ready = client.get("/ready")
        assert ready.status_code == 200 and ready.json()["checks"] == {"database": "ok", "redis": "ok"}
    forget_cached_mappings(redis_url)  # what start-up warmed


def test_redis_down_makes_ready_503_but_evaluate_still_answers(sqlite_url: str, tmp_path: Path) -> None:
    for client in make_client(sqlite_url, tmp_path, "redis://127.0.0.1:1/0"):
        ready = client.get("/ready")
        assert ready.status_code == 503 and ready.json()["checks"]["redis"].startswith("error")
        answer = evaluate(client, {"request_id": unique_id("noredis"), "origem": ORIGEM, "destino": DESTINO})
        assert answer.status_code == 200 and answer.json()["decisao"] == "DEFERIDO"


def test_database_down_is_a_clear_503_not_a_crash(tmp_path: Path) -> None:
    url = "postgresql+psycopg://postgres@127.0.0.1:1/unreachable?connect_timeout=1"
    settings = test_settings(var_dir=tmp_path, database_url=url, api_key_pepper=PEPPER)
    container = build_container(settings)
    with TestClient(create_app(container)) as client:
        assert client.get("/health").status_code == 200
        ready = client.get("/ready")
        assert ready.status_code == 503 and ready.json()["checks"]["database"].startswith("error")
        answer = evaluate(client, {"origem": ORIGEM, "destino": DESTINO})
        assert answer.status_code == 503 and answer.headers["Retry-After"]
        assert answer.json()["detail"] == "Database unavailable; retry shortly"
