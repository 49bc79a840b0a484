"""Precedents over HTTP (real stack, SQLite and PostgreSQL), end to end: an ANALISE_HUMANA evaluation
is reviewed and homologated as a precedent; the next identical request (reformatted too) is
answered by it; a reworded ementa goes to a person with it as evidence; an ended one no longer
applies; CSV import and its errors; the audit chain still verifies (ADR 0024)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from tests.support.http_api import DESTINO, KEYS, ORIGEM, make_client
from tests.support.precedents import csv_table

PARECER = {"decisao": "DEFERIDO", "motivo": "conteudo_equivalente", "parecer": "Conteúdos e carga horária equivalentes."}
REFORMATTED = "• MODELO entidade–relacionamento;\n• linguagem sql\n• Normalizacao e formas normais\n• transações"
REWORDED = "Modelo entidade-relacionamento e linguagem SQL. Normalização, formas normais e dependências. Transações e recuperação."


@pytest.fixture
def client(db_url: str, tmp_path: Path) -> Iterator[TestClient]:
    yield from make_client(db_url, tmp_path)


def _call(client: TestClient, method: str, path: str, key: str, **kwargs: Any) -> Any:
    return client.request(method, path, headers={"X-API-Key": KEYS[key]}, **kwargs)


def _evaluate(client: TestClient, code: str, ementa: str | None = None, approved: bool | None = True) -> dict[str, Any]:
    origem = {**ORIGEM, "instituicao": "Universidade Federal da Paraíba", "codigo": code}
    if ementa is not None:
        origem["ementa"] = ementa
    if approved is None:
        origem.pop("aprovado")
    body = {"request_id": f"prec-{uuid.uuid4().hex}", "origem": origem, "destino": {**DESTINO, "codigo": "BD-DEST"}}
    answer = _call(client, "POST", "/v1/equivalences/evaluate", "client", json=body)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def _homologated_precedent(client: TestClient, code: str) -> tuple[str, str]:
    first = _evaluate(client, code, approved=None)  # the default policy sends unknown approval to a person
    assert first["decisao"] == "ANALISE_HUMANA" and first["precedente"] is None
    review_id = _call(client, "GET", f"/v1/equivalences/{first['request_id']}", "reviewer").json()["revisao"]["review_id"]
    assert _call(client, "POST", f"/v1/reviews/{review_id}/claim", "reviewer").status_code == 200
    assert _call(client, "POST", f"/v1/reviews/{review_id}/decide", "reviewer", json=PARECER).status_code == 200
    made = _call(client, "POST", "/v1/precedents/from-review", "coordinator", json={"review_id": review_id, "homologar": True})
    assert made.status_code == 201, made.text
    assert made.json()["review_id"] == review_id and made.json()["parecer"] == PARECER["parecer"] and made.json()["vigente"]
    again = _call(client, "POST", "/v1/precedents/from-review", "coordinator", json={"review_id": review_id})
    assert again.status_code == 409  # one precedent per review
    stored = _call(client, "GET", f"/v1/equivalences/{first['request_id']}", "client").json()
    assert (stored["decisao_final"], stored["decisao_final_origem"]) == ("DEFERIDO", "revisao")
    return str(made.json()["precedent_id"]), str(first["request_id"])


def test_reviewed_decision_becomes_the_answer_of_the_next_request(client: TestClient) -> None:
    code = f"BD-{uuid.uuid4().hex[:8]}"
    precedent_id, _ = _homologated_precedent(client, code)

    for ementa in (None, REFORMATTED):  # identical, then the same syllabus formatted otherwise
        answer = _evaluate(client, code, ementa)
        assert (answer["decisao"], answer["decisao_origem"], answer["model_version"]) == ("DEFERIDO", "precedente", "precedente")
        assert answer["precedente"]["precedent_id"] == precedent_id and answer["precedente"]["parecer"] == PARECER["parecer"]
        assert precedent_id in answer["justificativa_curta"] and "mapping" not in answer["timings_ms"]
        stored = _call(client, "GET", f"/v1/equivalences/{answer['request_id']}", "client").json()
        assert (stored["decisao_final"], stored["decisao_final_origem"]) == ("DEFERIDO", "precedente")

    reworded = _evaluate(client, code, REWORDED)
    assert reworded["decisao"] == "ANALISE_HUMANA" and reworded["motivo_revisao"] == "precedente_relacionado"
    assert [(p["precedent_id"], p["motivo"]) for p in reworded["precedentes_relacionados"]] == [(precedent_id, "ementa_reformulada")]

    ended = _call(client, "POST", f"/v1/precedents/{precedent_id}/end", "coordinator", json={"motivo": "Novo currículo."})
    assert ended.status_code == 200 and not ended.json()["vigente"]
    assert _call(client, "POST", f"/v1/precedents/{precedent_id}/end", "coordinator", json={}).status_code == 409
    after = _evaluate(client, code)
    assert (after["precedente"], after["decisao_origem"], after["precedentes_relacionados"]) == (None, None, None)

    shown = _call(client, "GET", f"/v1/precedents/{precedent_id}", "reviewer").json()
    assert shown["ended_by"]["role"] == "coordinator" and shown["vigencia_fim"] is not None
    audit = _call(client, "GET", "/admin/audit/verify", "auditor")
    assert audit.status_code == 200 and audit.json()["ok"] is True, audit.text
    metrics = client.get("/metrics").text
    assert 'eqv_precedent_hits_total{outcome="binding_applied"' in metrics
    assert 'eqv_precedent_hits_total{outcome="advisory_shown"' in metrics


def test_csv_import_list_filters_and_errors(client: TestClient) -> None:
    code = f"BD-{uuid.uuid4().hex[:8]}"
    table = csv_table(
        f'"Universidade Federal da Paraíba",{code},"{ORIGEM["ementa"]}",BD-DEST,,binding,2026-01-01,,,Parecer 1/2026',
        f'"Universidade Federal da Paraíba",({code}-A E {code}-B) OU {code}-C,,BD-DEST,,advisory,2020-01-01,2021-01-01,,',
    )
    headers = {"X-API-Key": KEYS["coordinator"], "Content-Type": "text/csv"}
    imported = client.post("/v1/precedents/import", content=table.encode("utf-8"), headers=headers)
    assert imported.status_code == 201, imported.text
    assert imported.json()["quantidade"] == 3
    assert _evaluate(client, code, REFORMATTED)["decisao_origem"] == "precedente"

    page = _call(client, "GET", "/v1/precedents", "reviewer", params={"codigo": f"{code}-b", "limit": 1}).json()
    assert [p["expressao"] for p in page["items"]] == [f"({code}-A E {code}-B) OU {code}-C"] and page["next_after"]
    in_force = _call(client, "GET", "/v1/precedents", "auditor", params={"instituicao": "UNIVERSIDADE FEDERAL DA PARAIBA", "vigente_em": "2026-06-01", "tipo": "binding", "limit": 200}).json()
    assert code in [p["origens"][0]["codigo"] for p in in_force["items"]]
    assert _call(client, "GET", "/v1/precedents", "reviewer", params={"vigente_em": "ontem"}).status_code == 422

    bad = client.post("/v1/precedents/import", content=csv_table("UFPB,(A E B,,X,,,2026-01-01,,,").encode(), headers=headers)
    assert bad.status_code == 422 and bad.json()["extra"][0]["field"] == "linhas[2].origem"
    assert "posição" in bad.json()["extra"][0]["message"]
    wrong_type = client.post("/v1/precedents/import", content=b"x", headers={**headers, "Content-Type": "text/plain"})
    assert wrong_type.status_code == 422
    latin1 = client.post("/v1/precedents/import", content="instituicao,origem,vigencia_inicio\nSão,A,2026-01-01\n".encode("latin-1"), headers=headers)
    assert latin1.status_code == 422 and latin1.json()["extra"][0]["field"] == "arquivo"
    not_final = _call(client, "POST", "/v1/precedents/from-review", "coordinator", json={"review_id": "rv_missing"})
    assert not_final.status_code == 404
    unknown_field = _call(client, "POST", "/v1/precedents/from-review", "coordinator", json={"review_id": "rv_x", "cor": 1})
    assert unknown_field.status_code == 422


def test_the_same_file_imported_twice_is_409_naming_the_earlier_import(client: TestClient) -> None:
    code = f"DUP-{uuid.uuid4().hex[:6]}"
    table = csv_table(f"UFPB,{code},,BD-DEST,,binding,2026-01-01,,,").encode()
    headers = {"X-API-Key": KEYS["coordinator"], "Content-Type": "text/csv"}
    first = client.post("/v1/precedents/import", content=table, headers=headers)
    assert first.status_code == 201, first.text
    again = client.post("/v1/precedents/import", content=table, headers=headers)
    assert again.status_code == 409, again.text
    detail = again.json()["detail"]
    assert first.json()["arquivo_sha256"] in detail and first.json()["precedent_ids"][0] in detail and "já foi importado" in detail
    listed = _call(client, "GET", "/v1/precedents", "reviewer", params={"codigo": code}).json()["items"]
    assert [p["precedent_id"] for p in listed] == first.json()["precedent_ids"]


def test_a_cursor_not_from_next_after_is_422_naming_it_not_the_first_page(client: TestClient) -> None:
    code = f"CUR-{uuid.uuid4().hex[:6]}"
    table = csv_table(f"UFPB,{code},,BD-DEST,,,2026-01-01,,,")
    headers = {"X-API-Key": KEYS["coordinator"], "Content-Type": "text/csv"}
    assert client.post("/v1/precedents/import", content=table.encode(), headers=headers).status_code == 201
    for cursor in ("garbage", "pc_2026", "rv_20260101000000000000_0123456789ab"):
        answer = _call(client, "GET", "/v1/precedents", "reviewer", params={"after": cursor})
        assert answer.status_code == 422, answer.text
        [error] = answer.json()["extra"]
        assert (error["field"], error["source"]) == ("after", "query") and "next_after" in error["message"]
    first = _call(client, "GET", "/v1/precedents", "reviewer", params={"limit": 1}).json()
    assert _call(client, "GET", "/v1/precedents", "reviewer", params={"after": first["next_after"]}).status_code == 200


def test_a_recurso_against_the_registered_decision_ends_its_precedent(client: TestClient) -> None:
    """The decision a precedent registered is reopened: the precedent stops deciding (audited, kept)."""
    code = f"BD-{uuid.uuid4().hex[:8]}"
    precedent_id, request_id = _homologated_precedent(client, code)
    assert _evaluate(client, code)["decisao_origem"] == "precedente"

    fatos = {"request_id": request_id, "fatos": "A coordenação encontrou erro na carga horária registrada."}
    filed = _call(client, "POST", "/v1/reviews/recursos", "coordinator", json=fatos)
    assert filed.status_code == 200 and filed.json()["rodada"] == 2, filed.text
    shown = _call(client, "GET", f"/v1/precedents/{precedent_id}", "reviewer").json()
    assert not shown["vigente"] and shown["ended_by"]["role"] == "coordinator"
    after = _evaluate(client, code)
    assert (after["precedente"], after["decisao_origem"]) == (None, None)  # the mapper decides again
    events = _call(client, "GET", "/admin/audit?event_type=precedent.vigencia_ended&limit=500", "admin").json()["events"]
    [ended] = [e["payload"] for e in events if e["payload"]["precedent_id"] == precedent_id]
    assert "recurso" in ended["motivo"] and ended["actor"]["role"] == "coordinator"
    audit = _call(client, "GET", "/admin/audit/verify", "auditor")
    assert audit.status_code == 200 and audit.json()["ok"] is True, audit.text
