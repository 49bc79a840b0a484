"""/admin/curricula over the real stack on both databases: JSON, CSV and MEC XML imports, lifecycle, errors."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient

from tests.support.curriculum_documents import curriculo_xml
from tests.support.http_api import KEYS, make_client

ADMIN = {"X-API-Key": KEYS["admin"]}
OTHER = {"X-API-Key": KEYS["other"]}
UNITS = [
    {"codigo": "MAT1", "nome": "Cálculo I", "carga_horaria": 72, "unidade_carga": "hora_aula", "minutos_hora_aula": 50,
     "ementa": ["Limites.", "Derivadas."], "fase": "1"},
    {"codigo": "MAT2", "nome": "Cálculo II", "carga_horaria": 60, "pre_requisitos": ["MAT1"],
     "equivalencias": [["OLD1", "OLD2"], ["OLD3"]]},
    {"codigo": "EST1", "nome": "Estágio Supervisionado", "tipo": "Estágio", "carga_horaria": 200},
]
CSV = (
    "codigo;nome;tipo;carga_horaria;unidade_carga;minutos_hora_aula;fase;ementa;pre_requisitos;equivalencias\n"
    "MAT1;Cálculo I;Disciplina;72;hora_aula;50;1;Limites|Derivadas;;\n"
    "MAT2;Cálculo II;;60;;;2;;MAT1;OLD1+OLD2|OLD3\n"
    "TCC1;Trabalho de Conclusão;TCC;108;;;8;;;\n"
)


@pytest.fixture
def client(db_url: str, tmp_path: Path) -> Iterator[TestClient]:
    yield from make_client(db_url, tmp_path)


def _name(tag: str) -> str:
    return f"{tag}-{uuid.uuid4().hex[:8]}"


def _post(client: TestClient, body: bytes | dict, content_type: str = "application/json", headers: dict | None = None, **params: str):  # type: ignore[no-untyped-def]
    kwargs = {"json": body} if isinstance(body, dict) else {"content": body}
    return client.post("/admin/curricula", params=params, headers={**(headers or ADMIN), "Content-Type": content_type}, **kwargs)


def test_json_import_list_show_activate_deprecate(client: TestClient) -> None:
    first, second = _name("cur-a"), _name("cur-b")
    created = _post(client, {"version": first, "nome_curso": "Matemática", "units": UNITS})
    assert created.status_code == 201, created.text
    summary = created.json()
    assert summary["unit_count"] == 3 and summary["clock_hours"] == 320 and summary["status"] == "active"
    assert summary["source_format"] == "json" and summary["signature_present"] is None

    shown = client.get(f"/admin/curricula/{first}", params={"full": "true"}, headers=ADMIN).json()
    assert shown["units"][0]["clock_hours"] == 60 and shown["units"][0]["unidade_carga"] == "hora_aula"
    assert shown["units"][1]["equivalencias"] == [["OLD1", "OLD2"], ["OLD3"]]
    assert shown["units"][2]["tipo"] == "Estágio"
    assert client.get(f"/admin/curricula/{first}", headers=ADMIN).json()["units"] is None

    assert client.post(f"/admin/curricula/{first}/activate", headers=ADMIN).json()["is_default"] is True
    refused = client.post(f"/admin/curricula/{first}/deprecate", headers=ADMIN)
    assert refused.status_code == 409 and "activate another version first" in refused.json()["detail"]

    assert _post(client, {"version": second, "units": UNITS[:1]}).status_code == 201
    assert client.post(f"/admin/curricula/{second}/activate", headers=ADMIN).status_code == 200
    deprecated = client.post(f"/admin/curricula/{first}/deprecate", headers=ADMIN)
    assert deprecated.status_code == 200 and deprecated.json()["status"] == "deprecated"
    assert client.post(f"/admin/curricula/{first}/activate", headers=ADMIN).status_code == 409

    listed = {c["version"]: c for c in client.get("/admin/curricula", headers=ADMIN).json()}
    assert listed[first]["status"] == "deprecated" and listed[second]["is_default"] is True
    events = client.get("/admin/audit", params={"limit": 500}, headers=ADMIN).json()["events"]
    mine = [(e["event_type"], e["payload"]["version"]) for e in events if e["event_type"].startswith("curriculum.")]
    assert ("curriculum.imported", first) in mine and ("curriculum.deprecated", first) in mine
    assert ("curriculum.activated", second) in mine


def test_a_reused_version_name_is_409(client: TestClient) -> None:
    name = _name("cur-dup")
    assert _post(client, {"version": name, "units": UNITS}).status_code == 201
    same = _post(client, {"version": name, "units": UNITS})
    changed = _post(client, {"version": name, "units": UNITS[:2]})
    assert same.status_code == changed.status_code == 409
    assert "nothing to do" in same.json()["detail"] and "immutable" in changed.json()["detail"]


def test_csv_import_one_row_per_unit(client: TestClient) -> None:
    name = _name("cur-csv")
    created = _post(client, CSV.encode(), "text/csv", version=name)
    assert created.status_code == 201, created.text
    units = client.get(f"/admin/curricula/{name}", params={"full": "true"}, headers=ADMIN).json()["units"]
    assert [u["codigo"] for u in units] == ["MAT1", "MAT2", "TCC1"]
    assert units[1]["equivalencias"] == [["OLD1", "OLD2"], ["OLD3"]] and units[1]["pre_requisitos"] == ["MAT1"]
    assert units[2]["tipo"] == "Trabalho de Conclusão de Curso" and units[0]["ementa"] == ["Limites", "Derivadas"]


def test_mec_xml_import_reports_the_signature(client: TestClient) -> None:
    signed, unsigned = _name("cur-xml"), _name("cur-xml-unsigned")
    created = _post(client, curriculo_xml(), "application/xml", version=signed)
    assert created.status_code == 201, created.text
    assert created.json()["signature_present"] is True and created.json()["codigo_curriculo"] == "CCO-2024.1"
    assert created.json()["nome_curso"] == "Ciência da Computação" and created.json()["source_format"] == "xml"
    plain = _post(client, curriculo_xml(signed=False), "text/xml", version=unsigned)
    assert plain.status_code == 201 and plain.json()["signature_present"] is False


@pytest.mark.parametrize(
    ("body", "content_type", "params", "field", "says"),
    [
        ({"version": "x-1", "units": [{**UNITS[0], "minutos_hora_aula": None}]}, "application/json", {}, "units[0].minutos_hora_aula", "required"),
        ({"version": "x-1", "units": [{**UNITS[0], "tipo": "Seminário"}]}, "application/json", {}, "units[0].tipo", "must be one of: Artigo"),
        ({"version": "x-1", "units": [{**UNITS[1]}]}, "application/json", {}, "units[0].pre_requisitos", "MAT1"),
        ({"version": "x-1", "units": [UNITS[0], UNITS[0]]}, "application/json", {}, "units[1].codigo", "more than once"),
        (b"{not json", "application/json", {}, "body", "malformed JSON"),
        (b"codigo,nome,carga_horaria\nA1,Um,60\nA2,Dois,muito\n", "text/csv", {"version": "x-1"}, "units[1].carga_horaria", "CSV line 3"),
        (b"codigo,nome,creditos\nA1,Um,4\n", "text/csv", {"version": "x-1"}, "header", "creditos"),
        (b"codigo,nome,carga_horaria\nA1,Um,60\n", "text/csv", {}, "version", "?version="),
        (curriculo_xml().replace(b"<Tipo>Disciplina</Tipo>", b"<Tipo>Seminario</Tipo>", 1), "application/xml", {},
         "CurriculoEscolar/infCurriculoEscolar/infEstruturaCurricular/UnidadeCurricular[1]/Tipo", "line 23"),
        (b"<CurriculoEscolar><oops></CurriculoEscolar>", "application/xml", {}, "body", "not well-formed"),
        (b"whatever", "application/pdf", {}, "Content-Type", "unsupported"),
    ],
)
def test_bad_documents_are_422_naming_the_field(client: TestClient, body, content_type, params, field, says) -> None:  # type: ignore[no-untyped-def]
    response = _post(client, body, content_type, **params)
    assert response.status_code == 422, response.text
    first = response.json()["extra"][0]
    assert first["field"] == field and says in first["message"], first


def test_a_json_document_lists_every_error_in_the_services_format_like_other_json_bodies(client: TestClient) -> None:
    units = [{**UNITS[2], "carga_horaria": "200"}, {**UNITS[1], "codigo": "MAT 2", "creditos": 4}]
    response = _post(client, {"version": _name("bad"), "units": units})
    assert response.status_code == 422, response.text
    assert [(e["field"], e["source"]) for e in response.json()["extra"]] == [
        ("units[0].carga_horaria", "body"), ("units[1].codigo", "body"), ("units[1].creditos", "body")
    ]
    assert response.json()["extra"][0]["message"] == "expected number, got string"  # not msgspec's "Expected `float`..."
    nested = _post(client, b"[" * 100 + b"]" * 100)
    assert nested.status_code == 422 and "nested 100 levels" in nested.json()["extra"][0]["message"]


def test_another_tenants_curriculum_is_a_404_like_a_missing_one(client: TestClient) -> None:
    name = _name("cur-scoped")
    assert _post(client, {"version": name, "units": UNITS}).status_code == 201
    for method, path in (("GET", ""), ("POST", "/activate"), ("POST", "/deprecate")):
        foreign = client.request(method, f"/admin/curricula/{name}{path}", headers=OTHER)
        missing = client.request(method, f"/admin/curricula/no-such-cur{path}", headers=OTHER)
        assert foreign.status_code == missing.status_code == 404
        assert foreign.json()["detail"].replace(name, "X") == missing.json()["detail"].replace("no-such-cur", "X")
    assert name not in {c["version"] for c in client.get("/admin/curricula", headers=OTHER).json()}
    # the other tenant may use the same name for its own curriculum
    assert _post(client, {"version": name, "units": UNITS}, headers=OTHER).status_code == 201
