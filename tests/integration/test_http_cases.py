"""POST /v1/cases and GET /v1/cases/{id} over the real stack on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from core.domain.audit import canonical_json
from tests.support.case_world import realistic
from tests.support.http_api import KEYS, make_client

CLIENT = {"X-API-Key": KEYS["client"]}
ADMIN = {"X-API-Key": KEYS["admin"]}
OTHER = {"X-API-Key": KEYS["other"]}
STUDENT = {"cpf": "123.456.789-00", "matricula": "2024001"}


@pytest.fixture
def client(db_url: str, tmp_path: Path) -> Iterator[TestClient]:
    yield from make_client(db_url, tmp_path)


def _curriculum(client: TestClient) -> str:
    document = realistic()["curriculo"]
    version = f"case-{uuid.uuid4().hex[:8]}"
    created = client.post("/admin/curricula", json={**document, "version": version}, headers=ADMIN)
    assert created.status_code == 201, created.text
    return version


def _body(version: str, **changes: Any) -> dict[str, Any]:
    return {
        "historico": realistic()["transcript"],
        "curriculo": {"versao": version},
        "politica": {"validade_anos": 15, "limiar_carga": 0.9, "limite_percentual": 50},
        "student": STUDENT,
        **changes,
    }


def test_a_case_is_decided_stored_and_exported(client: TestClient) -> None:
    version = _curriculum(client)
    answer = client.post("/v1/cases", json=_body(version), headers=CLIENT)
    assert answer.status_code == 200, answer.text
    doc = answer.json()
    assert [d["codigo"] for d in doc["destinos"]] == [u["codigo"] for u in realistic()["curriculo"]["units"]]
    assert {d["decisao"] for d in doc["destinos"]} <= {"DEFERIDO", "INDEFERIDO", "ANALISE_HUMANA"}
    unused = {o["codigo"]: o["motivo"] for o in doc["origens_nao_usadas"]}
    assert unused["REDES-UNIRIO"] == "NOT_APPROVED" and unused["MET-UNESP"] == "OUT_OF_VALIDITY"
    assert doc["student_sha256"] == hashlib.sha256(canonical_json(STUDENT).encode()).hexdigest()
    assert "2024001" not in json.dumps(doc)
    assert doc["resumo"]["limite_horas"] == pytest.approx(doc["resumo"]["horas_curriculo"] / 2)

    stored = client.get(f"/v1/cases/{doc['case_id']}", headers=CLIENT)
    assert stored.status_code == 200 and stored.json() == doc
    assert client.get(f"/v1/cases/{doc['case_id']}", headers=OTHER).status_code == 404
    exported = client.get(f"/v1/cases/{doc['case_id']}", params={"format": "csv"}, headers=CLIENT)
    assert exported.status_code == 200 and exported.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [r["codigo"] for r in rows if r["tipo_linha"] == "destino"] == [d["codigo"] for d in doc["destinos"]]

    for destino in (d for d in doc["destinos"] if d["request_id"]):  # each pair the answer uses is a stored evaluation
        pair = client.get(f"/v1/equivalences/{destino['request_id']}", headers=CLIENT)
        assert pair.status_code == 200 and pair.json()["decisao"] == destino["candidata"]["decisao_par"]
    case_events = _events(client, "case")
    [mine] = [e for e in case_events if e["payload"]["case_id"] == doc["case_id"]]
    assert mine["payload"]["student_sha256"] == doc["student_sha256"]
    pair_ids = {e["payload"]["request_id"] for e in _events(client, "evaluation") if e["payload"].get("case_id") == doc["case_id"]}
    assert pair_ids == {d["request_id"] for d in doc["destinos"] if d["request_id"]}



def test_a_case_shows_each_units_final_decision_and_its_review(client: TestClient) -> None:
    """As GET /v1/equivalences/{id} does for a pair (issue 12): an automatic unit is final at once;
    a unit a person decides has none until its parecer is homologated, then the case shows it."""
    version = _curriculum(client)
    answer = client.post("/v1/cases", json=_body(version), headers=CLIENT)
    assert answer.status_code == 200, answer.text
    doc = answer.json()
    for destino in doc["destinos"]:
        if destino["decisao"] == "ANALISE_HUMANA":
            assert (destino["decisao_final"], destino["decisao_final_origem"]) == (None, None)
            assert destino["revisao"]["state"] == "pendente"
        else:
            assert (destino["decisao_final"], destino["decisao_final_origem"]) == (destino["decisao"], "automatica")
    pending = [d for d in doc["destinos"] if d["decisao"] == "ANALISE_HUMANA"]
    assert pending, "the realistic case has units a person decides"
    unit, review_id = pending[0], pending[0]["revisao"]["review_id"]

    reviewer, coordinator = {"X-API-Key": KEYS["reviewer"]}, {"X-API-Key": KEYS["coordinator"]}
    assert client.post(f"/v1/reviews/{review_id}/claim", headers=reviewer).status_code == 200
    parecer = {"decisao": "DEFERIDO", "motivo": "conteudo_equivalente", "parecer": "Conteúdos equivalentes."}
    decided = client.post(f"/v1/reviews/{review_id}/decide", json=parecer, headers=reviewer)
    assert decided.status_code == 200, decided.text
    if decided.json()["state"] != "final":  # the policy asks the coordination to homologate
        assert client.post(f"/v1/reviews/{review_id}/homologate", headers=coordinator).status_code == 200

    shown = {d["codigo"]: d for d in client.get(f"/v1/cases/{doc['case_id']}", headers=CLIENT).json()["destinos"]}
    reviewed = shown[unit["codigo"]]
    assert (reviewed["decisao"], reviewed["decisao_final"], reviewed["decisao_final_origem"]) == ("ANALISE_HUMANA", "DEFERIDO", "revisao")
    assert [h["action"] for h in reviewed["revisao"]["history"]][:2] == ["claim", "decide"]
    pair = client.get(f"/v1/equivalences/{unit['request_id']}", headers=CLIENT).json()
    assert (pair["decisao_final"], pair["decisao_final_origem"]) == ("DEFERIDO", "revisao")

def _events(client: TestClient, event_type: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    after = 0
    while True:
        page = client.get("/admin/audit", params={"event_type": event_type, "after_seq": after, "limit": 500}, headers=ADMIN)
        assert page.status_code == 200, page.text
        events += page.json()["events"]
        if page.json()["next_after_seq"] is None:
            return events
        after = page.json()["next_after_seq"]


def test_inline_units_and_strict_input(client: TestClient) -> None:
    units = realistic()["curriculo"]["units"][:2]
    ok = client.post("/v1/cases", json={"historico": realistic()["transcript"], "unidades": units}, headers=CLIENT)
    assert ok.status_code == 200, ok.text
    assert [d["codigo"] for d in ok.json()["destinos"]] == [u["codigo"] for u in units]

    def error(body: dict[str, Any]) -> list[str]:
        response = client.post("/v1/cases", json=body, headers=CLIENT)
        assert response.status_code == 422, response.text
        return [e.get("field") or e.get("key") for e in response.json()["extra"]]

    course = realistic()["transcript"][0]
    assert "historico[0].surprise" in " ".join(error({"historico": [{**course, "surprise": 1}], "unidades": units}))
    assert error({"historico": [course, course], "unidades": units}) == ["historico[1].codigo"]
    assert error({"historico": [course], "unidades": units, "curriculo": {"versao": "x"}}) == ["unidades"]
    assert error({"historico": [course], "curriculo": {"versao": "missing-version"}}) == ["curriculo.versao"]
    assert any("limite_percentual" in f for f in error({"historico": [course], "unidades": units, "politica": {"limite_percentual": 0}}))
    assert any("historico" in f for f in error({"historico": [], "unidades": units}))


def test_a_deprecated_curriculum_version_is_refused_for_new_cases_now_and_as_a_job(client: TestClient) -> None:
    version = _curriculum(client)
    decided = client.post("/v1/cases", json=_body(version), headers=CLIENT)
    assert decided.status_code == 200, decided.text
    deprecated = client.post(f"/admin/curricula/{version}/deprecate", headers=ADMIN)
    assert deprecated.status_code == 200, deprecated.text

    for assincrono in (False, True):
        refused = client.post("/v1/cases", json=_body(version, assincrono=assincrono), headers=CLIENT)
        assert refused.status_code == 422, refused.text
        assert refused.json()["extra"][0]["field"] == "curriculo.versao"
        assert "is deprecated" in refused.json()["extra"][0]["message"]
        assert "new decisions may not use it" in refused.json()["extra"][0]["message"]
    stored = client.get(f"/v1/cases/{decided.json()['case_id']}", headers=CLIENT)  # what it decided stays readable
    assert stored.status_code == 200 and stored.json()["curriculo"]["versao"] == version


def test_roles(client: TestClient) -> None:
    units = realistic()["curriculo"]["units"][:1]
    body = {"historico": realistic()["transcript"][:1], "unidades": units}
    assert client.post("/v1/cases", json=body, headers={"X-API-Key": KEYS["auditor"]}).status_code == 403
    assert client.post("/v1/cases", json=body, headers=ADMIN).status_code == 200
    assert client.post("/v1/cases", json=body).status_code == 401


def test_the_case_parecer_is_html_or_pdf_for_the_cases_tenant_only(client: TestClient) -> None:
    version = _curriculum(client)
    case = client.post("/v1/cases", json=_body(version), headers=CLIENT)
    assert case.status_code == 200, case.text
    case_id = case.json()["case_id"]
    page = client.get(f"/v1/cases/{case_id}/parecer", headers=CLIENT)
    assert page.status_code == 200 and page.headers["content-type"] == "text/html; charset=utf-8", page.text
    assert "script-src" not in page.headers["content-security-policy"]
    for section in ("Relatório", "Fundamentação", "Conclusão", "Quadro de dispensas", "política default-v1"):
        assert section in page.text
    pdf = client.get(f"/v1/cases/{case_id}/parecer?format=pdf", headers=ADMIN)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")
    assert f"parecer-caso-{case_id}.pdf" in pdf.headers["content-disposition"]
    assert client.get(f"/v1/cases/{case_id}/parecer", headers=OTHER).status_code == 404
    assert client.get("/v1/cases/no-such-case/parecer", headers=CLIENT).status_code == 404


def test_a_unit_only_a_failed_or_too_old_course_covers_says_so_in_the_case_csv_and_parecer(client: TestClient) -> None:
    """REDES-UNIRIO (60h, failed) covers REDES-UNICAMP, MET-UNESP (2005) covers MET-UNICAMP: the
    coordinator reads which course and why, not a workload problem."""
    version = _curriculum(client)
    case = client.post("/v1/cases", json=_body(version), headers=CLIENT)
    assert case.status_code == 200, case.text
    units = {d["codigo"]: d for d in case.json()["destinos"]}
    redes, met = units["REDES-UNICAMP"], units["MET-UNICAMP"]
    assert (redes["decisao"], redes["motivo"], met["motivo"]) == ("INDEFERIDO", "NOT_APPROVED", "OUT_OF_VALIDITY")
    assert redes["justificativa"] == (
        "a disciplina de origem que cobre os conteúdos desta unidade não pôde ser usada: "
        "REDES-UNIRIO Redes de Computadores I (TIN0123), não aprovada (situação no histórico: Reprovado)"
    )
    assert "MET-UNESP" in met["justificativa"] and "cursada em 2005, validade de 15 anos" in met["justificativa"]
    assert all("carga" not in d["justificativa"] for d in (redes, met))
    case_id = case.json()["case_id"]
    exported = client.get(f"/v1/cases/{case_id}", params={"format": "csv"}, headers=CLIENT).text
    assert redes["justificativa"] in exported
    page = client.get(f"/v1/cases/{case_id}/parecer", headers=CLIENT).text
    assert "REDES-UNIRIO Redes de Computadores I (TIN0123), não aprovada (situação no histórico: Reprovado)" in page
    assert "com carga suficiente" not in page


def test_the_openapi_declares_every_format_a_document_route_answers(client: TestClient) -> None:
    """A route answering another media type on `?format=` declares each (Litestar lists one per
    handler): the case's parecer is HTML or PDF, the case JSON or CSV; the review pareceres too."""
    paths = client.get("/schema/openapi.json").json()["paths"]

    def declared(path: str) -> dict[str, Any]:
        content: dict[str, Any] = paths[path]["get"]["responses"]["200"]["content"]
        return content

    parecer = declared("/v1/cases/{case_id}/parecer")
    assert list(parecer) == ["text/html", "application/pdf"]
    assert parecer["application/pdf"]["schema"] == {"type": "string", "format": "binary", "contentMediaType": "application/pdf"}
    assert parecer["text/html"]["schema"] == {"type": "string"}
    formats = next(p for p in paths["/v1/cases/{case_id}/parecer"]["get"]["parameters"] if p["name"] == "format")
    assert sorted(formats["schema"]["enum"]) == ["html", "pdf"]
    assert list(declared("/v1/cases/{case_id}")) == ["application/json", "text/csv"]
    assert list(declared("/v1/reviews/{review_id}/parecer.html")) == ["text/html"]
    assert declared("/v1/reviews/{review_id}/parecer.pdf") == {"application/pdf": parecer["application/pdf"]}
    version = _curriculum(client)  # and what they declare is what they answer
    case_id = client.post("/v1/cases", json=_body(version), headers=CLIENT).json()["case_id"]
    for path, form, media in (("/parecer", "html", "text/html"), ("/parecer", "pdf", "application/pdf"), ("", "csv", "text/csv"), ("", "json", "application/json")):
        answer = client.get(f"/v1/cases/{case_id}{path}?format={form}", headers=CLIENT)
        assert answer.status_code == 200 and answer.headers["content-type"].split(";")[0] == media


def _import_precedent(client: TestClient, *rows: tuple[str, ...]) -> list[str]:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("instituicao", "origem", "ementa_origem", "destino_codigo", "course_id", "tipo", "vigencia_inicio",
                     "vigencia_fim", "escopo", "parecer"))
    writer.writerows(rows)
    headers = {**ADMIN, "Content-Type": "text/csv"}
    answer = client.post("/v1/precedents/import", content=out.getvalue().encode("utf-8"), headers=headers)
    assert answer.status_code == 201, answer.text
    return [str(p) for p in answer.json()["precedent_ids"]]


def test_a_case_consults_the_tenants_precedents(client: TestClient) -> None:
    version = _curriculum(client)
    course = {c["codigo"]: c for c in realistic()["transcript"]}
    micro, algebra = course["MICRO-UTFPR-AP"], course["AL-UNESP"]
    binding, advisory = _import_precedent(
        client,
        (micro["instituicao"], "MICRO-UTFPR-AP", micro["ementa"], "MET-UNICAMP", "", "binding", "2020-01-01", "", "", "Equivalente."),
        (algebra["instituicao"], "AL-UNESP", algebra["ementa"], "AL-UNICAMP", "", "advisory", "2020-01-01", "", "", "Ver caso."),
    )
    try:  # the session's database is shared: these precedents must not decide later tests' cases
        body = _body(version, politica={"validade_anos": 15, "limiar_carga": 0.9, "permite_reuso": True})
        document = client.post("/v1/cases", json=body, headers=CLIENT).json()
        by_code = {d["codigo"]: d for d in document["destinos"]}
        met, al = by_code["MET-UNICAMP"], by_code["AL-UNICAMP"]
        assert met["decisao"] == "DEFERIDO" and met["decisao_origem"] == "precedente" and met["precedente"]["precedent_id"] == binding
        stored = client.get(f"/v1/equivalences/{met['request_id']}", headers=CLIENT).json()
        assert stored["decisao_origem"] == "precedente" and stored["precedente"]["precedent_id"] == binding
        assert al["decisao"] == "ANALISE_HUMANA" and [p["precedent_id"] for p in al["precedentes_relacionados"]] == [advisory]
        page = client.get(f"/v1/cases/{document['case_id']}/parecer", headers=CLIENT).text
        assert binding in page  # the parecer cites the precedent that decided
    finally:
        for precedent_id in (binding, advisory):
            ended = client.post(f"/v1/precedents/{precedent_id}/end", json={"motivo": "fim do teste"}, headers=ADMIN)
            assert ended.status_code == 200, ended.text
