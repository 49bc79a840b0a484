"""POST /v1/cases with a MEC Histórico Escolar Digital (XML in a JSON envelope), on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from tests.support.case_world import realistic
from tests.support.historico_documents import XmlDisciplina, historico_xml, realistic_historico
from tests.support.http_api import KEYS, make_client

CLIENT = {"X-API-Key": KEYS["client"]}
ADMIN = {"X-API-Key": KEYS["admin"]}
POLICY = {"validade_anos": 15, "limiar_carga": 0.9, "limite_percentual": 50}


@pytest.fixture
def client(db_url: str, tmp_path: Path) -> Iterator[TestClient]:
    yield from make_client(db_url, tmp_path)


def _curriculum(client: TestClient) -> str:
    version = f"case-{uuid.uuid4().hex[:8]}"
    created = client.post("/admin/curricula", json={**realistic()["curriculo"], "version": version}, headers=ADMIN)
    assert created.status_code == 201, created.text
    return version


def _errors(response: Any) -> dict[str, str]:
    assert response.status_code == 422, response.text
    return {e["field"]: e["message"] for e in response.json()["extra"]}


def _decisions(document: dict[str, Any]) -> list[tuple[str, str, list[str]]]:
    return [(d["codigo"], d["decisao"], d["origens"]) for d in document["destinos"]]


def test_a_historico_xml_decides_like_the_same_courses_sent_as_json(client: TestClient) -> None:
    version = _curriculum(client)
    xml, ementas = realistic_historico()
    body = {"historico_xml": xml, "ementas": ementas, "historico_minutos_hora_aula": 50, "curriculo": {"versao": version}, "politica": POLICY}
    answer = client.post("/v1/cases", json=body, headers=CLIENT)
    assert answer.status_code == 200, answer.text
    doc = answer.json()
    as_json = client.post("/v1/cases", json={"historico": realistic()["transcript"], "curriculo": {"versao": version}, "politica": POLICY}, headers=CLIENT)
    assert _decisions(doc) == _decisions(as_json.json())
    assert doc["historico_documento"]["assinatura_presente"] is False
    assert doc["historico_documento"]["formato"] == "mec_historico_escolar_digital_v1.05"
    assert doc["historico_documento"]["disciplinas"] == len(ementas) and doc["historico_documento"]["sem_ementa"] == []
    assert {o["codigo"]: o["motivo"] for o in doc["origens_nao_usadas"]}["REDES-UNIRIO"] == "NOT_APPROVED"
    stored = client.get(f"/v1/cases/{doc['case_id']}", headers=CLIENT)
    assert stored.json()["historico_documento"] == doc["historico_documento"]


def test_a_signed_historico_is_reported_signed(client: TestClient) -> None:
    version = _curriculum(client)
    xml = historico_xml().decode()
    answer = client.post("/v1/cases", json={"historico_xml": xml, "historico_minutos_hora_aula": 50, "curriculo": {"versao": version}}, headers=CLIENT)
    assert answer.status_code == 200, answer.text
    assert answer.json()["historico_documento"]["assinatura_presente"] is True
    assert answer.json()["historico_documento"]["sem_ementa"] == ["MAT-101", "INF-201", "INF-301"]


def test_bad_historico_documents_are_422_naming_the_element_or_field(client: TestClient) -> None:
    version = _curriculum(client)
    xml, ementas = realistic_historico()
    base = {"curriculo": {"versao": version}, "historico_minutos_hora_aula": 50}
    broken = xml.replace("<PeriodoLetivo>2022/2</PeriodoLetivo>", "")
    errors = _errors(client.post("/v1/cases", json={**base, "historico_xml": broken}, headers=CLIENT))
    assert "Disciplina[2]" in errors["historico_xml"] and errors["historico_xml"].startswith("line ")
    errors = _errors(client.post("/v1/cases", json={**base, "historico_xml": xml, "ementas": {**ementas, "NOPE-1": "x"}}, headers=CLIENT))
    assert "CodigoDisciplina 'NOPE-1'" in errors["ementas.NOPE-1"]
    errors = _errors(client.post("/v1/cases", json={"historico_xml": xml, "curriculo": {"versao": version}}, headers=CLIENT))
    assert "HoraAula" in errors["historico_minutos_hora_aula"]
    errors = _errors(client.post("/v1/cases", json={**base, "historico_xml": xml, "historico": realistic()["transcript"]}, headers=CLIENT))
    assert "not both" in errors["historico_xml"]
    errors = _errors(client.post("/v1/cases", json={"curriculo": {"versao": version}}, headers=CLIENT))
    assert "historico_xml" in errors["historico"]
    errors = _errors(client.post("/v1/cases", json={"historico": realistic()["transcript"], "ementas": {"A": "x"}, "curriculo": {"versao": version}}, headers=CLIENT))
    assert "historico_xml" in errors["ementas"]
    errors = _errors(client.post("/v1/cases", json={**base, "historico_xml": "<a>"}, headers=CLIENT))
    assert "not well-formed" in errors["historico_xml"]
    errors = _errors(client.post("/v1/cases", json={**base, "historico_xml": xml, "ementas": {"bad code!": "x"}}, headers=CLIENT))
    assert any(k.startswith("ementas") for k in errors)
    errors = _errors(client.post("/v1/cases", json={**base, "historico_xml": 12}, headers=CLIENT))
    assert "historico_xml" in errors


def test_a_historico_too_large_or_with_values_out_of_range_is_422_with_the_disciplina_line(client: TestClient) -> None:
    version = _curriculum(client)
    base = {"curriculo": {"versao": version}}
    huge = historico_xml(tuple(XmlDisciplina(f"D-{i}", f"Disciplina {i}") for i in range(201))).decode()
    assert "at most 200" in _errors(client.post("/v1/cases", json={**base, "historico_xml": huge}, headers=CLIENT))["historico_xml"]
    too_long = historico_xml((XmlDisciplina("D-1", "Estágio longo", hora_relogio="5000"),)).decode()
    message = _errors(client.post("/v1/cases", json={**base, "historico_xml": too_long}, headers=CLIENT))["historico_xml"]
    assert message.startswith("line 20: Disciplina") and "carga_horaria" in message
