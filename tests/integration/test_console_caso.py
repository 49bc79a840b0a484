"""The console's *Caso* over the real HTTP stack (issue 13, ADR 0036): a histórico uploaded as
JSON, CSV or MEC XML against a stored or inline curriculum, the waiver table, the CSV export,
a job's progress; CSRF, roles, and each error next to its field — through the same
`to_case_command` / `EvaluateCase` / `SubmitCase` as POST /v1/cases."""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from tests.support.case_world import realistic
from tests.support.console import csrf_of, sign_in
from tests.support.historico_documents import realistic_historico
from tests.support.http_api import KEYS, make_client
from tests.support.waiting import wait_until

POLICY = {"validade_anos": "15"}
INVALID_XML = (
    b'<?xml version="1.0"?>\n<DocumentoHistoricoEscolarFinal xmlns="http://portal.mec.gov.br/diplomadigital/arquivos-em-xsd">'
    b"<infHistoricoEscolar><Foo/></infHistoricoEscolar></DocumentoHistoricoEscolarFinal>"
)


@pytest.fixture
def client(sqlite_url: str, tmp_path: Path) -> Iterator[TestClient]:
    yield from make_client(sqlite_url, tmp_path)


def _curriculum(client: TestClient) -> str:
    version = f"caso-{uuid.uuid4().hex[:8]}"
    created = client.post("/admin/curricula", json={**realistic()["curriculo"], "version": version}, headers={"X-API-Key": KEYS["admin"]})
    assert created.status_code == 201, created.text
    return version


def _transcript_csv(delimiter: str = ";") -> bytes:
    rows = realistic()["transcript"]
    columns = sorted({k for row in rows for k in row})
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, delimiter=delimiter)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def _post(client: TestClient, csrf: str, content: bytes, filename: str, **fields: str) -> Any:
    files = {"arquivo": (filename, content, "application/octet-stream")}
    return client.post("/console/caso", data={"csrf_token": csrf, **fields}, files=files, follow_redirects=False)


def _case_id(answer: Any) -> str:
    assert answer.status_code == 303, answer.text
    found = re.fullmatch(r"/console/caso/([A-Za-z0-9_.-]+)", answer.headers["location"])
    assert found, answer.headers["location"]
    return found.group(1)


def test_a_json_histórico_gives_the_waiver_table_and_its_csv_like_the_api(client: TestClient) -> None:
    version = _curriculum(client)
    csrf = sign_in(client, KEYS["client"])
    form = client.get("/console/caso")
    assert form.status_code == 200 and f'<option value="{version}"' in form.text
    assert '<label for="arquivo">' in form.text and '<a href="/console/caso">Caso</a>' in form.text
    upload = json.dumps(realistic()["transcript"]).encode()
    case_id = _case_id(_post(client, csrf, upload, "historico.json", curriculo=version, **POLICY))
    page = client.get(f"/console/caso/{case_id}")
    assert page.status_code == 200
    api = client.get(f"/v1/cases/{case_id}", headers={"X-API-Key": KEYS["client"]}).json()
    for d in api["destinos"]:
        assert f"<code>{d['codigo']}</code>" in page.text
    for o in api["origens_nao_usadas"]:
        assert o["justificativa"].replace("'", "&#39;") in page.text
    assert "Horas dispensadas" in page.text and "Parte dispensada" in page.text
    exported = client.get(f"/console/caso/{case_id}/caso.csv")
    assert exported.status_code == 200 and exported.headers["content-type"] == "text/csv; charset=utf-8"
    assert exported.text == client.get(f"/v1/cases/{case_id}?format=csv", headers={"X-API-Key": KEYS["client"]}).text
    assert f'attachment; filename="caso-{case_id}.csv"' == exported.headers["content-disposition"]
    parecer = client.get(f"/console/caso/{case_id}/parecer.pdf")  # the API's document, for a browser with no key
    assert parecer.status_code == 200 and parecer.headers["content-type"] == "application/pdf", parecer.text
    assert parecer.content.startswith(b"%PDF-") and f"parecer-caso-{case_id}.pdf" in parecer.headers["content-disposition"]


def test_a_csv_histórico_and_a_mec_xml_one_are_read_by_the_same_case(client: TestClient) -> None:
    version = _curriculum(client)
    csrf = sign_in(client, KEYS["admin"])
    from_csv = _case_id(_post(client, csrf, _transcript_csv(), "historico.csv", curriculo=version, **POLICY))
    from_json = _case_id(_post(client, csrf, json.dumps(realistic()["transcript"]).encode(), "h.json", curriculo=version, **POLICY))
    admin = {"X-API-Key": KEYS["admin"]}
    decisions = [
        [(d["codigo"], d["decisao"], d["origens"]) for d in client.get(f"/v1/cases/{c}", headers=admin).json()["destinos"]]
        for c in (from_csv, from_json)
    ]
    assert decisions[0] == decisions[1]
    xml, ementas = realistic_historico()
    from_xml = _post(client, csrf, xml.encode(), "historico.xml", curriculo=version, ementas=json.dumps(ementas), minutos_hora_aula="50", **POLICY)
    assert client.get(f"/console/caso/{_case_id(from_xml)}").status_code == 200


def test_errors_are_shown_next_to_their_field_in_portuguese(client: TestClient) -> None:
    version = _curriculum(client)
    csrf = sign_in(client, KEYS["client"])
    nothing = _post(client, csrf, b"", "vazio.json", curriculo=version)
    assert nothing.status_code == 422 and 'id="arquivo-erro"' in nothing.text and "Escolha o arquivo do histórico" in nothing.text
    malformed = _post(client, csrf, b"<HistoricoEscolar><Disciplina></HistoricoEscolar>", "h.xml", curriculo=version)
    assert malformed.status_code == 422 and "linha 1: XML is not well-formed" in malformed.text
    bad_xml = _post(client, csrf, INVALID_XML, "h.xml", curriculo=version)  # the element at fault, by name and line
    assert bad_xml.status_code == 422 and "linha 2: DocumentoHistoricoEscolarFinal/infHistoricoEscolar/Foo" in bad_xml.text
    assert 'aria-describedby="arquivo-dica arquivo-erro"' in bad_xml.text
    bad_csv = _post(client, csrf, b"codigo;nome;carga_horaria\nA1;Algebra;sessenta\n", "h.csv", curriculo=version)
    assert bad_csv.status_code == 422 and "linha 2, coluna carga_horaria" in bad_csv.text
    too_long = _post(client, csrf, b"codigo;nome;carga_horaria\nA1;Algebra;60\nA2;Calculo;9000\n", "h.csv", curriculo=version)
    assert too_long.status_code == 422 and "linha 3, coluna carga_horaria" in too_long.text
    unknown = _post(client, csrf, _transcript_csv(","), "h.csv", curriculo="nao-existe-1")
    assert unknown.status_code == 422 and 'id="curriculo-erro"' in unknown.text and "nao-existe-1" in unknown.text
    policy = _post(client, csrf, _transcript_csv(","), "h.csv", curriculo=version, limite_percentual="500")
    assert policy.status_code == 422 and 'id="limite_percentual-erro"' in policy.text
    inline_unset = _post(client, csrf, _transcript_csv(","), "h.csv", unidades="[]")
    assert inline_unset.status_code == 422 and 'id="unidades-erro"' in inline_unset.text


def test_a_deprecated_curriculum_is_refused_next_to_its_field(client: TestClient) -> None:
    version = _curriculum(client)
    assert client.post(f"/admin/curricula/{version}/deprecate", headers={"X-API-Key": KEYS["admin"]}).status_code == 200
    csrf = sign_in(client, KEYS["client"])
    for assincrono in ("", "on"):
        refused = _post(client, csrf, _transcript_csv(","), "h.csv", curriculo=version, **({"assincrono": assincrono} if assincrono else {}))
        assert refused.status_code == 422 and 'id="curriculo-erro"' in refused.text
        said = re.search(r'id="curriculo-erro">(.*?)</div>', refused.text, re.S)
        assert said is not None and "is deprecated" in said.group(1), said


def test_inline_units_decide_now_and_a_job_shows_its_progress_then_the_table(client: TestClient) -> None:
    csrf = sign_in(client, KEYS["client"])
    units = json.dumps(realistic()["curriculo"]["units"])
    inline = _case_id(_post(client, csrf, _transcript_csv(), "h.csv", curriculo="__inline__", unidades=units, **POLICY))
    assert "unidades informadas no envio" in client.get(f"/console/caso/{inline}").text
    refused = _post(client, csrf, _transcript_csv(), "h.csv", curriculo="__inline__", unidades=units, assincrono="1")
    assert refused.status_code == 422 and 'id="assincrono-erro"' in refused.text

    version = _curriculum(client)
    job = _case_id(_post(client, csrf, _transcript_csv(), "h.csv", curriculo=version, assincrono="1", **POLICY))
    first = client.get(f"/console/caso/{job}", headers={"HX-Request": "true"})
    assert first.status_code == 200 and 'id="caso"' in first.text and "<html" not in first.text
    if 'hx-trigger="every 2s"' in first.text:
        assert "Na fila" in first.text or "Em processamento" in first.text
    def fragment() -> str:
        return str(client.get(f"/console/caso/{job}", headers={"HX-Request": "true"}).text)

    wait_until(lambda: "Exportar a tabela (CSV)" in fragment(), what="the case job")
    assert "hx-trigger" not in fragment()  # the polling stops with the table


def test_csrf_roles_and_other_tenants(client: TestClient) -> None:
    version = _curriculum(client)
    csrf = sign_in(client, KEYS["client"])
    case_id = _case_id(_post(client, csrf, _transcript_csv(), "h.csv", curriculo=version, **POLICY))
    forged = _post(client, "not-the-token", _transcript_csv(), "h.csv", curriculo=version)
    assert forged.status_code == 403 and "CSRF" in forged.text
    client.cookies.clear()
    csrf = sign_in(client, KEYS["reviewer"])
    assert '"/console/caso"' not in client.get("/console").text
    assert client.get("/console/caso").status_code == 403
    assert _post(client, csrf, _transcript_csv(), "h.csv", curriculo=version).status_code == 403
    assert client.get(f"/console/caso/{case_id}").status_code == 403
    client.cookies.clear()
    sign_in(client, KEYS["auditor"])  # reads cases like GET /v1/cases/{id}, sends none
    assert client.get(f"/console/caso/{case_id}").status_code == 200
    assert client.get("/console/caso").status_code == 403
    client.cookies.clear()
    sign_in(client, KEYS["other"])
    assert client.get(f"/console/caso/{case_id}").status_code == 404
    assert client.get(f"/console/caso/{case_id}/caso.csv").status_code == 404
    assert client.get(f"/console/caso/{case_id}/parecer.pdf").status_code == 404
    client.cookies.clear()
    assert client.get(f"/console/caso/{case_id}", follow_redirects=False).headers["location"] == "/console/entrar"


def test_the_upload_route_takes_forms_only_and_within_the_case_limit(client: TestClient) -> None:
    csrf = sign_in(client, KEYS["client"])
    as_json = client.post("/console/caso", json={"csrf_token": csrf})
    assert as_json.status_code == 415
    big = b"x" * (9 * 1024 * 1024)
    too_big = client.post("/console/caso", data={"csrf_token": csrf}, files={"arquivo": ("h.csv", big, "text/csv")})
    assert too_big.status_code == 413
    assert csrf_of(client.get("/console/caso").text) == csrf
