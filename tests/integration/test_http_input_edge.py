"""The input edge: authentication before the body, strict bodies reporting every error, limits
before decoding, control characters refused, database data errors as 422 (issue 14)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.routes import HTTPRoute
from litestar.testing import TestClient

from tests.support.http_api import DESTINO, KEYS, ORIGEM, make_client, unique_id

CLIENT_KEY = {"X-API-Key": KEYS["client"]}
ADMIN_KEY = {"X-API-Key": KEYS["admin"]}
JSON = {"Content-Type": "application/json"}
# Every route that takes a body, with a valid one: each gets the hostile bodies below.
BODY_ROUTES: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {
    ("POST", "/v1/equivalences/evaluate"): ("/v1/equivalences/evaluate", {"origem": ORIGEM, "destino": DESTINO}),
    ("POST", "/v1/equivalences/batch"): ("/v1/equivalences/batch", {"items": [{"origem": ORIGEM, "destino": DESTINO}]}),
    ("POST", "/admin/api_keys"): ("/admin/api_keys", {"role": "client", "name": "edge"}),
    ("POST", "/admin/taxonomies"): (
        "/admin/taxonomies",
        {"version": "edge-1", "nodes": [{"node_id": "x.1", "area": "a", "subarea": "s", "conceito": "C", "keywords": ["c"]}]},
    ),
    ("POST", "/admin/policies"): ("/admin/policies", {"version": "edge-policy-1"}),
    ("PUT", "/admin/course_bindings/{course_id:str}"): (
        "/admin/course_bindings/edge-course",
        {"taxonomy_version": "http-test-1", "policy_version": "default-v1"},
    ),
    ("POST", "/admin/dlq/requeue"): ("/admin/dlq/requeue", {"all": True}),
    ("PUT", "/admin/tenant/policy_overrides"): ("/admin/tenant/policy_overrides", {"allowed": False}),
    # Review transitions (an unknown item: the body is refused before the item is looked up).
    ("POST", "/v1/reviews/{review_id:str}/assign"): ("/v1/reviews/rv-edge/assign", {"assignee_key_id": "k-1"}),
    ("POST", "/v1/reviews/{review_id:str}/decide"): (
        "/v1/reviews/rv-edge/decide",
        {"decisao": "DEFERIDO", "motivo": "conteudo_equivalente", "parecer": "Conteúdo equivalente."},
    ),
    ("POST", "/v1/reviews/{review_id:str}/return"): ("/v1/reviews/rv-edge/return", {"motivo": "Rever a carga."}),
    ("POST", "/admin/webhooks"): ("/admin/webhooks", {"url": "https://example.org/h", "event_types": ["decisao.final"]}),
    ("POST", "/admin/webhooks/deliveries/replay"): ("/admin/webhooks/deliveries/replay", {"all": True}),
    ("POST", "/v1/reviews/recursos"): ("/v1/reviews/recursos", {"request_id": "req-edge", "fatos": "novos fatos"}),
    ("PUT", "/admin/tenant/review_reasons"): ("/admin/tenant/review_reasons", {"codes": ["conteudo_insuficiente"]}),
    ("POST", "/v1/precedents/from-review"): ("/v1/precedents/from-review", {"review_id": "rev-edge"}),
    ("POST", "/v1/precedents/{precedent_id:str}/end"): ("/v1/precedents/prec-edge/end", {"motivo": "edge"}),
    ("POST", "/v1/cases"): ("/v1/cases", {
        "historico": [{"codigo": "O1", "nome": "Banco de Dados I", "carga_horaria": 60, "ementa": ORIGEM["ementa"]}],
        "unidades": [{"codigo": "D1", "nome": "Banco de Dados", "carga_horaria": 60, "ementa": [DESTINO["ementa"]]}],
    }),
}
DEEP = b'{"context": ' + b"[" * 1000 + b"]" * 1000 + b"}"  # 2 KB, used to be a RecursionError (500)


@pytest.fixture
def client(sqlite_url: str, tmp_path: Path) -> Iterator[TestClient]:
    yield from make_client(sqlite_url, tmp_path)


@pytest.fixture
def pg_client(postgres_url: str, tmp_path: Path) -> Iterator[TestClient]:
    yield from make_client(postgres_url, tmp_path)


def fields(response: Any) -> list[str]:
    return [error["field"] for error in response.json()["extra"]]


def test_the_table_lists_every_route_with_a_body(client: TestClient) -> None:
    with_body = {
        (method, route.path)
        for route in client.app.routes
        if isinstance(route, HTTPRoute)
        for handler in route.route_handlers
        if "data" in handler.parsed_fn_signature.parameters
        for method in handler.http_methods
    }
    assert with_body == set(BODY_ROUTES)


@pytest.mark.parametrize("route", sorted(BODY_ROUTES))
def test_deeply_nested_body_is_refused_before_decoding_with_or_without_a_key(client: TestClient, route: tuple[str, str]) -> None:
    method, path = route[0], BODY_ROUTES[route][0]
    key = CLIENT_KEY if path.startswith("/v1/equivalences") else ADMIN_KEY
    refused = client.request(method, path, content=DEEP, headers={**JSON, **key})
    assert refused.status_code == 422, refused.text
    assert "nested 1001 levels" in refused.json()["extra"][0]["message"]
    anonymous = client.request(method, path, content=DEEP, headers=JSON)
    assert anonymous.status_code == 401, anonymous.text


@pytest.mark.parametrize("route", sorted(BODY_ROUTES))
def test_every_body_refuses_unknown_fields_text_plain_and_control_characters(client: TestClient, route: tuple[str, str]) -> None:
    method, (path, body) = route[0], BODY_ROUTES[route]
    key = CLIENT_KEY if path.startswith("/v1/equivalences") else ADMIN_KEY
    unknown = client.request(method, path, json={**body, "typo_field": 1}, headers=key)
    assert unknown.status_code == 422 and "typo_field" in fields(unknown), unknown.text
    plain = client.request(method, path, content=json.dumps(body), headers={**key, "Content-Type": "text/plain"})
    assert plain.status_code == 415 and plain.json()["extra"][0]["field"] == "Content-Type", plain.text
    form = client.request(method, path, data={"a": "b"}, headers=key)
    assert form.status_code == 415
    empty = client.request(method, path, content=b"", headers={**key, **JSON})
    assert empty.status_code == 422 and "empty" in empty.json()["extra"][0]["message"], empty.text
    nul = client.request(method, path, json={**body, "ctl\u0000": "x"}, headers=key)
    assert nul.status_code == 422 and "U+0000" in nul.json()["extra"][0]["message"], nul.text
    assert client.request(method, path, content=b"x", headers={"Content-Type": "text/plain"}).status_code == 401


def test_typos_and_coercions_are_422_and_every_error_is_reported_at_once(client: TestClient) -> None:
    body = {
        "request_id": unique_id("many"),
        "origem": {**ORIGEM, "aprovdo": False, "carga_horaria": "60", "aprovado": 0},
        "destino": {**DESTINO, "ementa": "   \n\t   ", "nivel": "doutorado"},
        "polcy": {"min_score_deferir": 0},
        "options": {"return_evidence": "true"},
    }
    response = client.post("/v1/equivalences/evaluate", json=body, headers=CLIENT_KEY)
    assert response.status_code == 422 and response.json()["detail"] == "Validation failed"
    errors = {e["field"]: e["message"] for e in response.json()["extra"]}
    assert errors == {
        "origem.aprovdo": errors["origem.aprovdo"],
        "origem.carga_horaria": "expected integer, got string",
        "origem.aprovado": "expected boolean or null, got integer",
        "destino.ementa": "must not be blank (it has only whitespace)",
        "destino.nivel": "must be one of: avancado, basico, intermediario",
        "polcy": errors["polcy"],
        "options.return_evidence": "expected boolean, got string",
    }
    assert errors["origem.aprovdo"].startswith("unknown field (allowed: ") and "aprovado" in errors["origem.aprovdo"]
    assert all(e["source"] == "body" for e in response.json()["extra"])


def test_batch_items_are_strict_too_and_name_their_index(client: TestClient) -> None:
    good = {"origem": ORIGEM, "destino": DESTINO}
    bad = {"origem": {**ORIGEM, "ementa": "Limites\u0000 e derivadas"}, "destino": {**DESTINO, "extra": 1}}
    response = client.post("/v1/equivalences/batch", json={"items": [good, bad]}, headers=CLIENT_KEY)
    assert response.status_code == 422
    assert set(fields(response)) == {"items[1].origem.ementa", "items[1].destino.extra"}


def test_single_line_fields_refuse_line_breaks_and_blanks(client: TestClient) -> None:
    body = {"origem": {**ORIGEM, "nome": "Banco\nde Dados"}, "destino": {**DESTINO, "nome": "   "}}
    response = client.post("/v1/equivalences/evaluate", json=body, headers=CLIENT_KEY)
    assert response.status_code == 422 and set(fields(response)) == {"origem.nome", "destino.nome"}
    free_text = {"origem": {**ORIGEM, "ementa": ORIGEM["ementa"] + "\n\tMais\r\n"}, "destino": DESTINO}
    assert client.post("/v1/equivalences/evaluate", json=free_text, headers=CLIENT_KEY).status_code == 200


def test_idempotency_key_obeys_the_request_id_pattern(client: TestClient) -> None:
    body = {"origem": ORIGEM, "destino": DESTINO}
    for bad in ("has/slash-1", "<script>x</script>", "short"):
        response = client.post("/v1/equivalences/evaluate", json=body, headers={**CLIENT_KEY, "Idempotency-Key": bad})
        assert response.status_code == 422, (bad, response.text)
        assert response.json()["extra"][0]["source"] == "header"
    good = unique_id("idem-key")
    ok = client.post("/v1/equivalences/evaluate", json=body, headers={**CLIENT_KEY, "Idempotency-Key": good})
    assert ok.status_code == 200 and ok.json()["request_id"] == good


def test_bodies_over_the_route_limit_are_413_and_unauthenticated_ones_are_never_read(client: TestClient) -> None:
    big = b'{"origem": {"nome": "' + b"x" * (3 * 1024 * 1024) + b'"}}'
    assert client.post("/v1/equivalences/evaluate", content=big, headers={**CLIENT_KEY, **JSON}).status_code == 413
    small_route = client.post("/admin/api_keys", content=b'{"name": "' + b"x" * 70_000 + b'"}', headers={**ADMIN_KEY, **JSON})
    assert small_route.status_code == 413
    assert client.post("/v1/equivalences/evaluate", content=big, headers=JSON).status_code == 401


@pytest.mark.parametrize(
    "path",
    [
        "/v1/equivalences/abc%00def", "/v1/jobs/abc%00def", "/v1/jobs/abc%01def/results", "/v1/equivalences/abc%0Adefgh",
        "/v1/cases/abc%00def/parecer", "/v1/cases/abc%0Adef/parecer?format=pdf",
    ],
)
def test_control_characters_in_path_ids_are_422(client: TestClient, path: str) -> None:
    response = client.get(path, headers=CLIENT_KEY)
    assert response.status_code == 422, response.text


def test_a_case_parecer_format_is_html_or_pdf(client: TestClient) -> None:
    response = client.get("/v1/cases/some-case/parecer?format=docx", headers=CLIENT_KEY)
    assert response.status_code == 422 and fields(response) == ["format"], response.text


def test_control_characters_in_key_ids_are_422(client: TestClient) -> None:
    assert client.post("/admin/api_keys/abc%00def/revoke", headers=ADMIN_KEY).status_code == 422


@pytest.mark.postgres
def test_nul_reproducers_on_postgresql_are_422_not_503(pg_client: TestClient) -> None:
    item = {"origem": {"nome": "Calculo I", "carga_horaria": 60, "ementa": "Limites\u0000 e derivadas"}, "destino": DESTINO}
    batch = pg_client.post("/v1/equivalences/batch", json={"items": [item]}, headers=CLIENT_KEY)
    assert batch.status_code == 422 and fields(batch) == ["items[0].origem.ementa"], batch.text
    assert "Retry-After" not in batch.headers
    single = pg_client.post("/v1/equivalences/evaluate", json=item, headers=CLIENT_KEY)
    assert single.status_code == 422 and fields(single) == ["origem.ementa"]
    path = pg_client.get("/v1/equivalences/abc%00def", headers=CLIENT_KEY)
    assert path.status_code == 422 and fields(path) == ["request_id"], path.text


def test_path_id_errors_say_what_is_allowed(client: TestClient) -> None:
    response = client.post("/admin/api_keys/has%20space/rotate", headers=ADMIN_KEY)
    assert response.status_code == 422
    assert response.json()["extra"] == [{"field": "key_id", "message": "may contain only A-Z a-z 0-9 . _ : -", "source": "path"}]


@pytest.mark.parametrize("value", ["0.5", "1700000000", "yesterday"])
def test_audit_bounds_must_be_iso_datetimes(client: TestClient, value: str) -> None:
    response = client.get("/admin/audit", params={"until": value}, headers=ADMIN_KEY)
    assert response.status_code == 422 and fields(response) == ["until"], response.text
    assert client.get("/admin/audit", params={"since": "2026-01-31T12:00:00Z"}, headers=ADMIN_KEY).status_code == 200


def test_every_console_post_is_a_bounded_urlencoded_form(client: TestClient) -> None:
    """Console pages take HTML forms, not JSON (ADR 0021/0037): each POST is marked FORM_BODY, so
    the guard refuses other media types (415) and bodies over the route's limit (413)."""
    from adapters.http.body_guard import FORM_BODY
    from tests.support.console import sign_in as console_sign_in

    posts = {
        route.path: handler
        for route in client.app.routes
        if isinstance(route, HTTPRoute) and route.path.startswith("/console")
        for handler in route.route_handlers
        if "POST" in handler.http_methods
    }
    assert posts and all(handler.opt.get(FORM_BODY) for handler in posts.values()), [p for p, h in posts.items() if not h.opt.get(FORM_BODY)]
    csrf = console_sign_in(client, KEYS["admin"])
    for path in ("/console/chaves", "/console/catalogo/vinculos", "/console/catalogo/curriculos", "/console/chaves/k-1/revogar"):
        assert client.post(path, json={"csrf_token": csrf, "nome": "x"}).status_code == 415, path
    assert client.post("/console/chaves", data={"csrf_token": csrf, "nome": "x" * 70_000}).status_code == 413
    too_big = {"csrf_token": csrf, "formato": "json", "conteudo": "x" * (17 * 1024 * 1024)}
    assert client.post("/console/catalogo/curriculos", data=too_big).status_code == 413


def test_a_client_leaving_before_its_whole_body_is_a_499_not_a_server_error(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    """Under saturation clients time out and leave mid-body (issue 16): Litestar's "client
    disconnected prematurely" was logged as an unhandled exception and counted as a 500."""
    body = json.dumps({"origem": ORIGEM, "destino": DESTINO}).encode()
    headers = [(b"content-type", b"application/json"), (b"x-api-key", CLIENT_KEY["X-API-Key"].encode()),
               (b"content-length", str(len(body)).encode())]
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": "/v1/equivalences/evaluate", "raw_path": b"/v1/equivalences/evaluate", "query_string": b"",
             "root_path": "", "headers": headers, "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80)}
    incoming: list[dict[str, Any]] = [{"type": "http.request", "body": body[:10], "more_body": True}, {"type": "http.disconnect"}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    assert client.blocking_portal is not None
    client.blocking_portal.call(client.app, scope, receive, send)
    assert sent[0]["type"] == "http.response.start" and sent[0]["status"] == 499
    assert "unhandled_exception" not in caplog.text
