"""The OpenAPI document teaches: real examples that validate against their schemas and that the
service really answers, field descriptions on the evaluate request, and every error declared."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from litestar.testing import TestClient

from adapters.http.openapi_examples import examples
from adapters.mappers.taxonomy_json import load_default_taxonomy
from adapters.system import SystemClock, UuidGenerator
from core.domain.model import Policy
from core.usecases.bootstrap import Seed
from entrypoints.asgi import create_app
from entrypoints.container import build_container
from tests.support.settings import test_settings

PEPPER = b"openapi-examples-pepper-0123456789"
KEY = "eqv_live_openapi-examples-admin-key-0001"
ROUTES = [
    ("/v1/equivalences/evaluate", "post"),
    ("/v1/equivalences/{request_id}", "get"),
    ("/v1/equivalences/batch", "post"),
    ("/v1/jobs/{job_id}", "get"),
    ("/v1/jobs/{job_id}/results", "get"),
]


@pytest.fixture
def client(sqlite_url: str, tmp_path: Path) -> Iterator[TestClient]:
    """The embedded runtime with the shipped taxonomy and default policy, as `equivalence serve` runs."""
    settings = test_settings(var_dir=tmp_path, database_url=sqlite_url, api_key_pepper=PEPPER, bootstrap_api_key=KEY)
    container = build_container(settings)
    Seed(container.adapters.uow_factory(), PEPPER, SystemClock(), UuidGenerator())(load_default_taxonomy(), Policy(), KEY)
    with TestClient(create_app(container)) as test_client:
        yield test_client
    container.adapters.engine().dispose()


@pytest.fixture
def schema(client: TestClient) -> dict[str, Any]:
    document: dict[str, Any] = client.get("/schema/openapi.json").json()
    return document


def validate(document: dict[str, Any], schema: dict[str, Any], value: Any) -> None:
    Draft202012Validator({**schema, "components": document["components"]}).validate(value)


@pytest.mark.parametrize(("path", "method"), ROUTES)
def test_every_declared_answer_has_a_real_example_that_matches_its_schema(
    schema: dict[str, Any], path: str, method: str
) -> None:
    operation = schema["paths"][path][method]
    for status, response in operation["responses"].items():
        content = response["content"]["application/json"]
        shown = content.get("examples") or {}
        assert shown, f"{method} {path} {status} has no example"
        for example in shown.values():
            validate(schema, content["schema"], example["value"])
            if status.startswith(("4", "5")):
                assert example["value"]["status_code"] == int(status)
    if "requestBody" in operation:
        body = operation["requestBody"]["content"]["application/json"]["schema"]
        assert body["examples"], f"{method} {path} has no request example"
        for value in body["examples"]:
            validate(schema, body, value)


@pytest.mark.parametrize(("path", "method"), ROUTES)
def test_every_authenticated_route_declares_401_403_429_and_503(schema: dict[str, Any], path: str, method: str) -> None:
    assert {"401", "403", "429", "503"} <= set(schema["paths"][path][method]["responses"])


def test_no_generated_random_examples_are_left(schema: dict[str, Any]) -> None:
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            for status, response in operation.get("responses", {}).items():
                for content in (response.get("content") or {}).values():
                    for example in (content.get("examples") or {}).values():
                        value = example["value"]
                        if isinstance(value, dict) and "status_code" in value:
                            assert value["status_code"] == int(status), (path, method, status, value)


def test_evaluate_request_fields_are_described(schema: dict[str, Any]) -> None:
    components = schema["components"]["schemas"]
    for name in ("EvaluateRequest", "CourseIn", "PolicyIn", "WeightsIn", "OptionsIn"):
        for field, spec in components[name]["properties"].items():
            assert spec.get("description"), f"{name}.{field} has no description"
    course = components["CourseIn"]["properties"]
    assert "clock hours" in course["carga_horaria"]["description"]
    assert "unknown" in course["aprovado"]["description"] and "ANALISE_HUMANA" in course["aprovado"]["description"]
    assert "basico" in course["nivel"]["description"]
    assert "5 to 20,000" in course["ementa"]["description"]
    assert course["ementa"]["minLength"] == 5 and course["ementa"]["maxLength"] == 20000
    assert "Default 85" in components["PolicyIn"]["properties"]["min_score_deferir"]["description"]
    assert components["CourseIn"]["properties"]["ano_conclusao"]["minimum"] == 1900  # bounds kept beside descriptions


def test_the_evaluate_example_is_what_the_service_answers(client: TestClient) -> None:
    shown = examples()
    answer = client.post("/v1/equivalences/evaluate", json=shown["evaluate_request"], headers={"X-API-Key": KEY})
    assert answer.status_code == 200, answer.text
    got, expected = answer.json(), shown["evaluate_response"]
    for field in ("decisao", "score", "breakdown", "hard_rules", "faltantes", "criticos_faltantes", "justificativa_curta"):
        assert got[field] == expected[field], field
    assert got["taxonomy_version"] == expected["taxonomy_version"]
    assert got["rules_version"] == expected["rules_version"], "the example shows an older rules_version"
    assert client.get(f"/v1/equivalences/{got['request_id']}", headers={"X-API-Key": KEY}).json()["decisao"] == "DEFERIDO"


@pytest.mark.parametrize(
    ("name", "call"),
    [
        ("401", lambda c: c.get("/v1/equivalences/pedido-2026-0999")),
        ("404_result", lambda c: c.get("/v1/equivalences/pedido-2026-0999", headers={"X-API-Key": KEY})),
        ("404_job", lambda c: c.get("/v1/jobs/0f6d2b1c9a8e4d7f8b3a2c1d0e9f8a7b", headers={"X-API-Key": KEY})),
        ("422_cursor", lambda c: c.get("/v1/jobs/x/results?cursor=abc", headers={"X-API-Key": KEY})),
        (
            "422_batch",
            lambda c: c.post(
                "/v1/equivalences/batch",
                json={"items": [{**examples()["batch_request"]["items"][0], "destino": {"nome": "X", "carga_horaria": 60, "ementa": "abc"}}]},
                headers={"X-API-Key": KEY},
            ),
        ),
    ],
)
def test_error_examples_are_the_bodies_the_service_writes(client: TestClient, name: str, call: Any) -> None:
    answer = call(client)
    expected = examples()["errors"][name]
    assert answer.status_code == expected["status_code"]
    assert answer.json() == expected


def test_no_operation_lists_400_and_each_one_taking_input_lists_422(schema: dict[str, Any]) -> None:
    """The app answers invalid input with 422 (adapters/http/error_table.py), never Litestar's 400."""
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            declared = set(operation.get("responses", {}))
            assert "400" not in declared, (method, path)
            if operation.get("parameters") or operation.get("requestBody"):
                assert "422" in declared, (method, path)


def test_post_cases_lists_its_202_with_the_body_the_service_writes(client: TestClient, schema: dict[str, Any]) -> None:
    from tests.support.case_world import realistic

    post = schema["paths"]["/v1/cases"]["post"]["responses"]
    running = schema["paths"]["/v1/cases/{case_id}"]["get"]["responses"]
    assert {"200", "202", "422"} <= set(post) and {"200", "202", "404"} <= set(running)
    for response in (post["202"], running["202"]):
        content = response["content"]["application/json"]
        assert content["examples"]
        for example in content["examples"].values():
            validate(schema, content["schema"], example["value"])
    created = client.post("/admin/curricula", json={**realistic()["curriculo"], "version": "oas-case"}, headers={"X-API-Key": KEY})
    assert created.status_code == 201, created.text
    body = {"historico": realistic()["transcript"], "curriculo": {"versao": "oas-case"}, "assincrono": True}
    accepted = client.post("/v1/cases", json=body, headers={"X-API-Key": KEY})
    assert accepted.status_code == 202, accepted.text
    validate(schema, post["202"]["content"]["application/json"]["schema"], accepted.json())
    shown = client.get(f"/v1/cases/{accepted.json()['case_id']}", headers={"X-API-Key": KEY})
    if shown.status_code == 202:  # still queued or running
        validate(schema, running["202"]["content"]["application/json"]["schema"], shown.json())
