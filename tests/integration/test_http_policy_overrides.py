"""Policy overrides and rules_version over the real stack, on SQLite and PostgreSQL (ADR 0013).

A client key's `policy` is refused unless its tenant allows it; an applied override is in the
answer, the stored result and the audit event (effective policy hash, fields, key); every
decision names the rules version it was made with.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient

from core.domain.model import Policy
from core.domain.policy import policy_sha256
from core.domain.rules import RULES_VERSION
from tests.support.http_api import count_jobs, pair, submit, wait_finished
from tests.support.http_api import (
    DESTINO,
    KEYS,
    ORIGEM,
    evaluate,
    make_client,
    unique_id,
)

LOWER_BAR = {"min_score_deferir": 0, "min_score_complemento": 0, "exigir_criticos": False}
WEAK_ORIGEM = {**ORIGEM, "ementa": "Linguagem SQL. Transações."}  # misses the critical concept


@pytest.fixture
def client(db_url: str, tmp_path: Path) -> Iterator[TestClient]:
    yield from make_client(db_url, tmp_path)


def admin(client: TestClient, method: str, path: str, **kwargs: object):  # type: ignore[no-untyped-def]
    return client.request(method, path, headers={"X-API-Key": KEYS["admin"]}, **kwargs)  # type: ignore[arg-type]


def last_seq(client: TestClient) -> int:
    return int(admin(client, "GET", "/admin/audit/verify").json()["last_seq"])


def evaluation_events(client: TestClient, after: int) -> list[dict]:
    page = admin(client, "GET", "/admin/audit", params={"after_seq": after, "event_type": "evaluation"}).json()
    return list(page["events"])


def set_overrides(client: TestClient, allowed: bool) -> dict:
    response = admin(client, "PUT", "/admin/tenant/policy_overrides", json={"allowed": allowed})
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_a_client_override_is_403_and_nothing_is_stored_or_audited(client: TestClient) -> None:
    start = last_seq(client)
    request_id = unique_id("refused")
    body = {"request_id": request_id, "origem": WEAK_ORIGEM, "destino": DESTINO, "policy": LOWER_BAR}
    refused = evaluate(client, body)
    assert refused.status_code == 403, refused.text
    assert refused.json()["extra"][0]["field"] == "policy"
    assert client.get(f"/v1/equivalences/{request_id}", headers={"X-API-Key": KEYS["client"]}).status_code == 404
    assert evaluation_events(client, start) == []
    assert admin(client, "GET", "/admin/tenant").json()["allow_policy_overrides"] is False


def test_an_allowed_tenants_client_override_is_applied_stored_and_audited(client: TestClient) -> None:
    assert set_overrides(client, True)["allow_policy_overrides"] is True
    start = last_seq(client)
    request_id = unique_id("allowed")
    body = {"request_id": request_id, "origem": WEAK_ORIGEM, "destino": DESTINO, "policy": LOWER_BAR}
    answer = evaluate(client, body)
    assert answer.status_code == 200, answer.text
    document = answer.json()

    override = document["policy_override"]
    effective = Policy(min_score_deferir=0.0, min_score_complemento=0.0, exigir_criticos=False)
    assert override["policy_sha256"] == policy_sha256(effective)
    assert override["fields"] == {"min_score_deferir": 0.0, "min_score_complemento": 0.0, "exigir_criticos": False}
    assert override["by"]["role"] == "client" and "key" not in override["by"]
    assert document["policy_version"] == "default-v1" and document["rules_version"] == RULES_VERSION
    stored = client.get(f"/v1/equivalences/{request_id}", headers={"X-API-Key": KEYS["auditor"]}).json()
    assert stored["policy_override"] == override and stored["rules_version"] == RULES_VERSION
    [event] = evaluation_events(client, start)
    assert event["payload"]["policy_override"] == override
    assert event["payload"]["rules_version"] == RULES_VERSION

    set_overrides(client, False)
    again = {**body, "request_id": unique_id("forbidden-again")}
    assert evaluate(client, again).status_code == 403
    kinds = [e["event_type"] for e in admin(client, "GET", "/admin/audit", params={"after_seq": start}).json()["events"]]
    opened = ["review.opened"] if document["decisao"] == "ANALISE_HUMANA" else []  # ADR 0020
    assert kinds == ["evaluation", *opened, "tenant.policy_overrides_forbidden"]


def test_an_admins_override_is_applied_and_audited(client: TestClient) -> None:
    start = last_seq(client)
    body = {"request_id": unique_id("admin-ovr"), "origem": WEAK_ORIGEM, "destino": DESTINO, "policy": {"weights": {"nivel": 0}}}
    answer = evaluate(client, body, key="admin")
    assert answer.status_code == 200, answer.text
    override = answer.json()["policy_override"]
    assert override["fields"] == {"weights.nivel": 0.0} and override["by"]["role"] == "admin"
    effective = Policy()
    effective = dataclasses.replace(effective, weights=dataclasses.replace(effective.weights, nivel=0.0))
    assert override["policy_sha256"] == policy_sha256(effective)
    [event] = evaluation_events(client, start)
    assert event["payload"]["policy_override"] == override


def test_without_an_override_the_answer_says_so_and_names_its_rules(client: TestClient) -> None:
    start = last_seq(client)
    request_id = unique_id("plain")
    document = evaluate(client, {"request_id": request_id, "origem": ORIGEM, "destino": DESTINO}).json()
    assert document["policy_override"] is None and document["rules_version"] == RULES_VERSION
    stored = client.get(f"/v1/equivalences/{request_id}", headers={"X-API-Key": KEYS["client"]}).json()
    assert stored == {**document, "decisao_final": document["decisao"], "decisao_final_origem": "automatica", "revisao": None}
    [event] = evaluation_events(client, start)
    assert event["payload"]["rules_version"] == RULES_VERSION and event["payload"]["policy_override"] is None


def test_a_client_batch_with_an_override_is_403_before_anything_is_stored(client: TestClient, db_url: str) -> None:
    before = count_jobs(db_url)
    refused = submit(client, [pair(), pair(policy=LOWER_BAR)])
    assert refused.status_code == 403, refused.text
    assert count_jobs(db_url) == before

    start = last_seq(client)
    accepted = submit(client, [pair(origem=WEAK_ORIGEM, policy=LOWER_BAR)], key="admin")
    assert accepted.status_code == 202, accepted.text
    wait_finished(client, accepted.json()["job_id"])
    [event] = evaluation_events(client, start)
    assert event["payload"]["policy_override"]["by"]["role"] == "admin"
    assert event["payload"]["rules_version"] == RULES_VERSION


def test_openapi_declares_rules_version_the_override_record_and_the_403(client: TestClient) -> None:
    schema = client.get("/schema/openapi.json").json()
    response = schema["components"]["schemas"]["EvaluateResponse"]["properties"]
    assert {"rules_version", "policy_override"} <= set(response)
    evaluate_op = schema["paths"]["/v1/equivalences/evaluate"]["post"]
    assert "overrides" in evaluate_op["responses"]["403"]["description"]
    assert "/admin/tenant/policy_overrides" in schema["paths"]
