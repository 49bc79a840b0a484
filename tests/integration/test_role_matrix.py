"""Who may call what: every route of the app × every role, and every kind of bad key.

The expected matrix is written out here, not read from the routes' own declarations, so a
route given the wrong roles fails; a route missing from the table fails too, so a new route
cannot ship without deciding who may call it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.routes import HTTPRoute
from litestar.testing import TestClient

from adapters.persistence.migrate import upgrade_to_head
from tests.support.console import csrf_of, sign_in as console_sign_in
from tests.support.http_api import DESTINO, KEYS, ORIGEM, make_client, unique_id
from tests.support.precedents import csv_table

ADMIN, AUDITOR, CLIENT, REVIEWER, COORDINATOR = "admin", "auditor", "client", "reviewer", "coordinator"
EVALUATORS = {CLIENT, ADMIN}
READERS = {CLIENT, AUDITOR, ADMIN}
RESULT_READERS = READERS | {REVIEWER, COORDINATOR}
REVIEW_READERS = {REVIEWER, COORDINATOR, AUDITOR, ADMIN}
REVIEWERS = {REVIEWER, ADMIN}  # claim, decide
COORDINATORS = {COORDINATOR, ADMIN}  # assign, homologate, return
ADMIN_ONLY = {ADMIN}
AUDIT_READERS = {ADMIN, AUDITOR}
PUBLIC = None

# (method, path template) -> roles allowed, or PUBLIC (no key needed).
MATRIX: dict[tuple[str, str], set[str] | None] = {
    ("GET", "/health"): PUBLIC,
    ("GET", "/ready"): PUBLIC,
    ("GET", "/metrics"): PUBLIC,  # EQV_METRICS_TOKEN can require a bearer token instead
    ("POST", "/v1/equivalences/evaluate"): EVALUATORS,
    ("GET", "/v1/equivalences/{request_id:str}"): RESULT_READERS,
    ("POST", "/v1/equivalences/batch"): EVALUATORS,
    ("GET", "/v1/jobs/{job_id:str}"): READERS,
    ("GET", "/v1/jobs/{job_id:str}/results"): READERS,
    ("GET", "/admin/api_keys"): ADMIN_ONLY,
    ("POST", "/admin/api_keys"): ADMIN_ONLY,
    ("POST", "/admin/api_keys/{key_id:str}/rotate"): ADMIN_ONLY,
    ("POST", "/admin/api_keys/{key_id:str}/revoke"): ADMIN_ONLY,
    ("GET", "/admin/queue"): ADMIN_ONLY,
    ("GET", "/admin/dlq"): ADMIN_ONLY,
    ("POST", "/admin/dlq/requeue"): ADMIN_ONLY,
    ("POST", "/admin/taxonomies"): ADMIN_ONLY,
    ("GET", "/admin/taxonomies"): ADMIN_ONLY,
    ("GET", "/admin/taxonomies/{version:str}"): ADMIN_ONLY,
    ("POST", "/admin/taxonomies/{version:str}/activate"): ADMIN_ONLY,
    ("POST", "/admin/taxonomies/{version:str}/deprecate"): ADMIN_ONLY,
    ("POST", "/admin/policies"): ADMIN_ONLY,
    ("GET", "/admin/policies"): ADMIN_ONLY,
    ("GET", "/admin/policies/{version:str}"): ADMIN_ONLY,
    ("POST", "/admin/policies/{version:str}/activate"): ADMIN_ONLY,
    ("GET", "/admin/course_bindings"): ADMIN_ONLY,
    ("GET", "/admin/course_bindings/{course_id:str}"): ADMIN_ONLY,
    ("PUT", "/admin/course_bindings/{course_id:str}"): ADMIN_ONLY,
    ("DELETE", "/admin/course_bindings/{course_id:str}"): ADMIN_ONLY,
    ("GET", "/admin/tenant"): ADMIN_ONLY,
    ("PUT", "/admin/tenant/policy_overrides"): ADMIN_ONLY,
    ("POST", "/admin/curricula"): ADMIN_ONLY,
    ("GET", "/admin/curricula"): ADMIN_ONLY,
    ("GET", "/admin/curricula/{version:str}"): ADMIN_ONLY,
    ("POST", "/admin/curricula/{version:str}/activate"): ADMIN_ONLY,
    ("POST", "/admin/curricula/{version:str}/deprecate"): ADMIN_ONLY,
    ("GET", "/admin/audit"): AUDIT_READERS,
    ("GET", "/admin/audit/verify"): AUDIT_READERS,
    ("GET", "/v1/reviews"): REVIEW_READERS,
    ("GET", "/v1/reviews/{review_id:str}"): REVIEW_READERS,
    ("POST", "/v1/reviews/{review_id:str}/claim"): REVIEWERS,
    ("POST", "/v1/reviews/{review_id:str}/decide"): REVIEWERS,
    ("POST", "/v1/reviews/{review_id:str}/assign"): COORDINATORS,
    ("POST", "/v1/reviews/{review_id:str}/homologate"): COORDINATORS,
    ("POST", "/v1/reviews/{review_id:str}/return"): COORDINATORS,
    ("POST", "/admin/webhooks"): ADMIN_ONLY,
    ("GET", "/admin/webhooks"): ADMIN_ONLY,
    ("POST", "/admin/webhooks/{endpoint_id:str}/disable"): ADMIN_ONLY,
    ("POST", "/admin/webhooks/{endpoint_id:str}/rotate_secret"): ADMIN_ONLY,
    ("GET", "/admin/webhooks/deliveries"): ADMIN_ONLY,
    ("GET", "/admin/webhooks/deliveries/{delivery_id:str}"): ADMIN_ONLY,
    ("POST", "/admin/webhooks/deliveries/replay"): ADMIN_ONLY,
    # Precedents (ADR 0024): coordinators and admins write, reviewers and auditors read.
    ("GET", "/v1/precedents"): REVIEW_READERS,
    ("GET", "/v1/precedents/{precedent_id:str}"): REVIEW_READERS,
    ("POST", "/v1/precedents/from-review"): COORDINATORS,
    ("POST", "/v1/precedents/import"): COORDINATORS,
    ("POST", "/v1/precedents/{precedent_id:str}/end"): COORDINATORS,
    ("POST", "/v1/cases"): EVALUATORS,  # cases (ADR 0027)
    ("GET", "/v1/cases/{case_id:str}"): READERS,
    ("GET", "/v1/cases/{case_id:str}/parecer"): READERS,  # ADR 0034
    # ADR 0026
    ("POST", "/v1/reviews/recursos"): {CLIENT, COORDINATOR, ADMIN},
    ("GET", "/admin/tenant/review_reasons"): ADMIN_ONLY,
    ("PUT", "/admin/tenant/review_reasons"): ADMIN_ONLY,
    ("GET", "/v1/reviews/{review_id:str}/parecer.html"): REVIEW_READERS,
    ("GET", "/v1/reviews/{review_id:str}/parecer.pdf"): REVIEW_READERS,
}
# The web console (adapters/http/console) authenticates with a session, not X-API-Key: its pages
# are listed here, each with the roles whose *session* may use it (SESSION_PUBLIC: no session).
# A page asked for without a session goes back to sign-in (303), never 401.
SESSION_PUBLIC = None
CONSOLE: dict[tuple[str, str], set[str] | None] = {
    ("GET", "/console/entrar"): SESSION_PUBLIC,
    ("POST", "/console/entrar"): SESSION_PUBLIC,
    ("GET", "/console"): RESULT_READERS,  # every role signs in
    ("POST", "/console/sair"): RESULT_READERS,
    ("GET", "/console/avaliar"): EVALUATORS,
    ("POST", "/console/avaliar"): EVALUATORS,
    # Fila de revisão (ADR 0030): the review API's readers; each transition its API route's roles.
    ("GET", "/console/revisao"): REVIEW_READERS,
    ("GET", "/console/revisao/{review_id:str}"): REVIEW_READERS,
    ("GET", "/console/revisao/{review_id:str}/parecer.pdf"): REVIEW_READERS,
    ("POST", "/console/revisao/{review_id:str}/assumir"): REVIEWERS,
    ("POST", "/console/revisao/{review_id:str}/parecer"): REVIEWERS,
    ("POST", "/console/revisao/{review_id:str}/homologar"): COORDINATORS,
    ("POST", "/console/revisao/{review_id:str}/devolver"): COORDINATORS,
    ("POST", "/console/revisao/{review_id:str}/atribuir"): COORDINATORS,
    ("POST", "/console/revisao/{review_id:str}/recurso"): COORDINATORS,  # a client files through the API
    # Catálogo, Auditoria, Chaves (ADR 0037): the roles of the admin API routes they stand for.
    ("GET", "/console/catalogo"): ADMIN_ONLY,
    ("GET", "/console/catalogo/{tipo:str}/{versao:str}"): ADMIN_ONLY,
    ("GET", "/console/catalogo/{tipo:str}/{versao:str}/{acao:str}"): ADMIN_ONLY,  # the Descontinuar confirmation
    ("POST", "/console/catalogo/{tipo:str}/{versao:str}/{acao:str}"): ADMIN_ONLY,
    ("POST", "/console/catalogo/curriculos"): ADMIN_ONLY,
    ("POST", "/console/catalogo/vinculos"): ADMIN_ONLY,
    ("GET", "/console/auditoria"): AUDIT_READERS,
    ("GET", "/console/auditoria/verificar"): AUDIT_READERS,
    ("GET", "/console/chaves"): ADMIN_ONLY,
    ("POST", "/console/chaves"): ADMIN_ONLY,
    ("GET", "/console/chaves/{key_id:str}/revogar"): ADMIN_ONLY,
    ("POST", "/console/chaves/{key_id:str}/revogar"): ADMIN_ONLY,
    ("GET", "/console/chaves/{key_id:str}/rotacionar"): ADMIN_ONLY,
    ("POST", "/console/chaves/{key_id:str}/rotacionar"): ADMIN_ONLY,
    # Caso and Precedentes (ADR 0036): the roles of POST/GET /v1/cases and of /v1/precedents.
    ("GET", "/console/caso"): EVALUATORS,
    ("POST", "/console/caso"): EVALUATORS,
    ("GET", "/console/caso/{case_id:str}"): READERS,
    ("GET", "/console/caso/{case_id:str}/caso.csv"): READERS,
    ("GET", "/console/caso/{case_id:str}/parecer.pdf"): READERS,
    ("GET", "/console/precedentes"): REVIEW_READERS,
    ("POST", "/console/precedentes/importar"): COORDINATORS,
    ("GET", "/console/precedentes/{precedent_id:str}/encerrar"): COORDINATORS,
    ("POST", "/console/precedentes/{precedent_id:str}/encerrar"): COORDINATORS,
}
NOT_OURS = re.compile(r"^/(schema|static/)")  # the OpenAPI document, its UIs and their vendored assets: public


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    tmp: Path = tmp_path_factory.mktemp("matrix")
    url = f"sqlite:///{tmp / 'matrix.db'}"
    upgrade_to_head(url)
    # allow_private: the scoped webhook endpoints point at 127.0.0.1 (ADR 0049)
    yield from make_client(url, tmp, webhooks={"allow_private": True})


def operations(client: TestClient) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for route in client.app.routes:
        if isinstance(route, HTTPRoute) and not NOT_OURS.match(route.path):
            for handler in route.route_handlers:
                found |= {(method, route.path) for method in handler.http_methods if method not in ("OPTIONS", "HEAD")}
    return found


def call(client: TestClient, method: str, template: str, key: str | None) -> int:
    """A request naming resources that do not exist, with an empty JSON body."""
    path = re.sub(r"\{[^}]+\}", "no-such-thing-123", template)
    headers = {"X-API-Key": key} if key else {}
    body: dict[str, object] | None = {} if method in ("POST", "PUT", "PATCH") else None
    return client.request(method, path, headers=headers, json=body).status_code


def test_every_route_is_in_the_matrix(client: TestClient) -> None:
    assert operations(client) == set(MATRIX) | set(CONSOLE), "decide who may call each new route, in MATRIX"


@pytest.mark.parametrize("operation", sorted(CONSOLE), ids=lambda o: f"{o[0]} {o[1]}")
@pytest.mark.parametrize("role", [ADMIN, AUDITOR, CLIENT, REVIEWER, COORDINATOR])
def test_each_roles_console_session_is_allowed_or_forbidden(client: TestClient, operation: tuple[str, str], role: str) -> None:
    method, path = operation[0], re.sub(r"\{[^}]+\}", "no-such-thing-123", operation[1])
    client.cookies.clear()
    csrf = console_sign_in(client, KEYS[role])
    if operation == ("POST", "/console/entrar"):  # signing in again: the form's own (double-submit) token
        csrf = csrf_of(client.get(path).text)
    form = {"csrf_token": csrf, "chave": KEYS[role]}
    status = client.request(method, path, data=form if method == "POST" else None, follow_redirects=False).status_code
    client.cookies.clear()
    allowed = CONSOLE[operation]
    if allowed is SESSION_PUBLIC or role in allowed:
        assert status not in (401, 403), f"{role} must be allowed: got {status}"
    else:
        assert status == 403, f"{role} must be forbidden: got {status}"


@pytest.mark.parametrize("operation", sorted(op for op, roles in CONSOLE.items() if roles is not SESSION_PUBLIC))
@pytest.mark.parametrize("key", [None, KEYS[ADMIN]], ids=["nothing", "an-api-key-header"])
def test_console_pages_want_a_session_not_a_key(client: TestClient, operation: tuple[str, str], key: str | None) -> None:
    method, path = operation[0], re.sub(r"\{[^}]+\}", "no-such-thing-123", operation[1])
    client.cookies.clear()
    headers = {"X-API-Key": key} if key else {}
    answer = client.request(method, path, headers=headers, data={"a": "b"} if method == "POST" else None, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/console/entrar"


@pytest.mark.parametrize("operation", sorted(MATRIX), ids=lambda o: f"{o[0]} {o[1]}")
@pytest.mark.parametrize("role", [ADMIN, AUDITOR, CLIENT, REVIEWER, COORDINATOR])
def test_each_role_is_allowed_or_forbidden(client: TestClient, operation: tuple[str, str], role: str) -> None:
    allowed = MATRIX[operation]
    status = call(client, *operation, KEYS[role])
    if allowed is PUBLIC or role in allowed:
        assert status not in (401, 403), f"{role} must be allowed: got {status}"
    else:
        assert status == 403, f"{role} must be forbidden (before any validation): got {status}"


@pytest.mark.parametrize("operation", sorted(op for op, roles in MATRIX.items() if roles is not PUBLIC))
@pytest.mark.parametrize(
    "key",
    [None, "", "not-a-key", "eqv_live_made-up-key-0123456789abcdefghij", KEYS["revoked"]],
    ids=["missing", "empty", "garbage", "unknown", "revoked"],
)
def test_a_missing_invalid_or_revoked_key_is_401(client: TestClient, operation: tuple[str, str], key: str | None) -> None:
    method, template = operation
    path = re.sub(r"\{[^}]+\}", "no-such-thing-123", template)
    headers = {"X-API-Key": key} if key is not None else {}
    response = client.request(method, path, headers=headers, json={} if method == "POST" else None)
    assert response.status_code == 401 and response.json()["detail"] == "Invalid API key"


# Tenant scoping: each route naming a resource, with how to make one in the default tenant.
# The other tenant's admin asks for it by its real id and must get exactly what a missing id gets.
def _evaluation(client: TestClient) -> str:
    request_id = "scoped-evaluation-0001"
    body = {"request_id": request_id, "origem": ORIGEM, "destino": DESTINO}
    assert client.post("/v1/equivalences/evaluate", json=body, headers={"X-API-Key": KEYS[CLIENT]}).status_code == 200
    return request_id


def _job(client: TestClient) -> str:
    body = {"items": [{"origem": ORIGEM, "destino": DESTINO}]}
    response = client.post("/v1/equivalences/batch", json=body, headers={"X-API-Key": KEYS[CLIENT]})
    assert response.status_code == 202, response.text
    return str(response.json()["job_id"])


def _admin(client: TestClient, method: str, path: str, body: dict) -> None:
    response = client.request(method, path, json=body, headers={"X-API-Key": KEYS[ADMIN]})
    assert response.status_code in (200, 201, 409), response.text  # 409: made by an earlier case


def _taxonomy(client: TestClient) -> str:
    node = {"node_id": "x.1", "area": "a", "subarea": "s", "conceito": "Conceito", "keywords": ["conceito"]}
    _admin(client, "POST", "/admin/taxonomies", {"version": "scoped-tax-1", "nodes": [node]})
    return "scoped-tax-1"


def _policy(client: TestClient) -> str:
    _admin(client, "POST", "/admin/policies", {"version": "scoped-pol-1"})
    return "scoped-pol-1"


def _binding(client: TestClient) -> str:
    body = {"taxonomy_version": _taxonomy(client), "policy_version": _policy(client)}
    _admin(client, "PUT", "/admin/course_bindings/SCOPED-101", body)
    return "SCOPED-101"


def _curriculum(client: TestClient) -> str:
    unit = {"codigo": "SC1", "nome": "Unidade", "carga_horaria": 60}
    _admin(client, "POST", "/admin/curricula", {"version": "scoped-cur-1", "units": [unit]})
    return "scoped-cur-1"


def _api_key(client: TestClient) -> str:
    response = client.post("/admin/api_keys", json={"role": "client", "name": "scoped"}, headers={"X-API-Key": KEYS[ADMIN]})
    assert response.status_code == 201, response.text
    return str(response.json()["key_id"])


def _review(client: TestClient) -> str:
    """A review item: an evaluation that does not say whether the origem was passed goes to review."""
    request_id = unique_id("scoped-review")
    origem = {k: v for k, v in ORIGEM.items() if k != "aprovado"}
    body = {"request_id": request_id, "origem": origem, "destino": DESTINO}
    answer = client.post("/v1/equivalences/evaluate", json=body, headers={"X-API-Key": KEYS[CLIENT]})
    assert answer.status_code == 200 and answer.json()["decisao"] == "ANALISE_HUMANA", answer.text
    stored = client.get(f"/v1/equivalences/{request_id}", headers={"X-API-Key": KEYS[ADMIN]}).json()
    return str(stored["revisao"]["review_id"])


def _webhook(client: TestClient) -> str:
    body = {"url": "http://127.0.0.1:9/scoped", "event_types": ["caso.concluido"]}
    response = client.post("/admin/webhooks", json=body, headers={"X-API-Key": KEYS[ADMIN]})
    assert response.status_code == 201, response.text
    return str(response.json()["endpoint_id"])


def _webhook_delivery(client: TestClient) -> str:
    """A delivery: an automatic decision announced to an endpoint subscribed to decisao.automatica."""
    body = {"url": "http://127.0.0.1:9/scoped", "event_types": ["decisao.automatica"]}
    endpoint = client.post("/admin/webhooks", json=body, headers={"X-API-Key": KEYS[ADMIN]}).json()["endpoint_id"]
    request = {"request_id": unique_id("scoped-webhook"), "origem": ORIGEM, "destino": DESTINO}
    assert client.post("/v1/equivalences/evaluate", json=request, headers={"X-API-Key": KEYS[CLIENT]}).status_code == 200
    client.post(f"/admin/webhooks/{endpoint}/disable", headers={"X-API-Key": KEYS[ADMIN]})
    page = client.get("/admin/webhooks/deliveries", headers={"X-API-Key": KEYS[ADMIN]}).json()["items"]
    return str(next(d["delivery_id"] for d in page if d["endpoint_id"] == endpoint))


def _precedent(client: TestClient) -> str:
    """A precedent of the default tenant, imported from a one-row table (ADR 0024)."""
    table = csv_table(f"UFPB,{unique_id('SC')},Limites e derivadas.,CALC-A,,binding,2026-01-01,,,")  # a file is imported once
    headers = {"X-API-Key": KEYS[ADMIN], "Content-Type": "text/csv"}
    answer = client.post("/v1/precedents/import", content=table.encode("utf-8"), headers=headers)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["precedent_ids"][0])


def _case(client: TestClient) -> str:
    body = {"historico": [{"codigo": "O1", "nome": "Banco de Dados", "carga_horaria": 60, "ementa": ORIGEM["ementa"]}],
            "unidades": [{"codigo": "D1", "nome": "Banco de Dados", "carga_horaria": 60, "ementa": [DESTINO["ementa"]]}]}
    response = client.post("/v1/cases", json=body, headers={"X-API-Key": KEYS[CLIENT]})
    assert response.status_code == 200, response.text
    return str(response.json()["case_id"])


SCOPED: dict[tuple[str, str], object] = {
    ("POST", "/admin/webhooks/{endpoint_id:str}/disable"): _webhook,
    ("POST", "/admin/webhooks/{endpoint_id:str}/rotate_secret"): _webhook,
    ("GET", "/admin/webhooks/deliveries/{delivery_id:str}"): _webhook_delivery,
    ("GET", "/v1/precedents/{precedent_id:str}"): _precedent,
    ("POST", "/v1/precedents/{precedent_id:str}/end"): _precedent,
    ("GET", "/v1/cases/{case_id:str}"): _case,
    ("GET", "/v1/cases/{case_id:str}/parecer"): _case,
    ("POST", "/admin/api_keys/{key_id:str}/rotate"): _api_key,
    ("POST", "/admin/api_keys/{key_id:str}/revoke"): _api_key,
    ("GET", "/v1/equivalences/{request_id:str}"): _evaluation,
    ("GET", "/v1/jobs/{job_id:str}"): _job,
    ("GET", "/v1/jobs/{job_id:str}/results"): _job,
    ("GET", "/admin/taxonomies/{version:str}"): _taxonomy,
    ("POST", "/admin/taxonomies/{version:str}/activate"): _taxonomy,
    ("POST", "/admin/taxonomies/{version:str}/deprecate"): _taxonomy,
    ("GET", "/admin/policies/{version:str}"): _policy,
    ("POST", "/admin/policies/{version:str}/activate"): _policy,
    ("GET", "/admin/course_bindings/{course_id:str}"): _binding,
    ("GET", "/admin/curricula/{version:str}"): _curriculum,
    ("POST", "/admin/curricula/{version:str}/activate"): _curriculum,
    ("POST", "/admin/curricula/{version:str}/deprecate"): _curriculum,
    ("DELETE", "/admin/course_bindings/{course_id:str}"): _binding,
    ("GET", "/v1/reviews/{review_id:str}"): _review,
    ("POST", "/v1/reviews/{review_id:str}/claim"): _review,
    ("POST", "/v1/reviews/{review_id:str}/assign"): _review,
    ("POST", "/v1/reviews/{review_id:str}/decide"): _review,
    ("POST", "/v1/reviews/{review_id:str}/homologate"): _review,
    ("POST", "/v1/reviews/{review_id:str}/return"): _review,
    ("GET", "/v1/reviews/{review_id:str}/parecer.html"): _review,  # ADR 0026
    ("GET", "/v1/reviews/{review_id:str}/parecer.pdf"): _review,
}
# A valid body for the scoped routes that take one (without it the answer would be 415, not 404).
SCOPED_BODIES: dict[tuple[str, str], dict[str, str]] = {
    ("POST", "/v1/reviews/{review_id:str}/assign"): {"assignee_key_id": "some-key"},
    ("POST", "/v1/reviews/{review_id:str}/decide"): {"decisao": "DEFERIDO", "motivo": "outro", "parecer": "Parecer."},
    ("POST", "/v1/reviews/{review_id:str}/return"): {"motivo": "Rever."},
    ("POST", "/v1/precedents/{precedent_id:str}/end"): {"motivo": "Fim."},
}
# Routes with an id that names no other tenant's resource: a course_id is a name within the
# caller's own tenant, so PUT creates the caller's own binding.
NOT_SCOPED = {("PUT", "/admin/course_bindings/{course_id:str}")}
# Console pages naming a resource (ADR 0030): checked with another tenant's console session.
CONSOLE_SCOPED = {op for op in CONSOLE if "{" in op[1]}


def test_every_route_with_an_id_is_checked_for_tenant_scoping(client: TestClient) -> None:
    with_ids = {op for op in operations(client) if "{" in op[1]}
    assert with_ids == set(SCOPED) | NOT_SCOPED | CONSOLE_SCOPED, "add each route naming a resource to SCOPED"


@pytest.mark.parametrize("operation", sorted(CONSOLE_SCOPED), ids=lambda o: f"{o[0]} {o[1]}")
def test_another_tenants_item_is_a_404_in_the_console_too(client: TestClient, operation: tuple[str, str]) -> None:
    method, template = operation
    real_id = _review(client)
    client.cookies.clear()
    csrf = console_sign_in(client, KEYS["other"])  # the other tenant's admin session
    statuses = [
        client.request(method, re.sub(r"\{[^}]+\}", review_id, template), data={"csrf_token": csrf, "motivo": "x"} if method == "POST" else None)
        .status_code
        for review_id in (real_id, "no-such-id-0000")
    ]
    client.cookies.clear()
    assert statuses == [404, 404]


@pytest.mark.parametrize("operation", sorted(SCOPED), ids=lambda o: f"{o[0]} {o[1]}")
def test_another_tenants_resource_is_a_404_like_a_missing_one(client: TestClient, operation: tuple[str, str]) -> None:
    method, template = operation
    real_id = SCOPED[operation](client)  # type: ignore[operator]
    if method == "GET":
        own = client.request(method, re.sub(r"\{[^}]+\}", real_id, template), headers={"X-API-Key": KEYS[ADMIN]})
        assert own.status_code == 200, own.text
    other = {"X-API-Key": KEYS["other"]}
    body = SCOPED_BODIES.get(operation)
    foreign = client.request(method, re.sub(r"\{[^}]+\}", real_id, template), headers=other, json=body)
    missing = client.request(method, re.sub(r"\{[^}]+\}", "no-such-id-0000", template), headers=other, json=body)
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json()["detail"].replace(real_id, "ID") == missing.json()["detail"].replace("no-such-id-0000", "ID")
