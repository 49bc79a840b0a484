"""The console's *Precedentes* over the real HTTP stack (issue 13, ADR 0036): search, CSV import
(all or nothing, the line and column of an error next to the upload), ending a vigência after a
confirmation (audited) — the same `Precedents` use case and CSV reader as /v1/precedents."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from tests.support.console import pair_form, sign_in
from tests.support.http_api import DESTINO, KEYS, ORIGEM, make_client
from tests.support.precedents import csv_table

UFPB = "Universidade Federal da Paraíba"


@pytest.fixture
def client(sqlite_url: str, tmp_path: Path) -> Iterator[TestClient]:
    yield from make_client(sqlite_url, tmp_path)


def _upload(client: TestClient, csrf: str, table: str | bytes) -> Any:
    content = table.encode("utf-8") if isinstance(table, str) else table
    files = {"arquivo": ("precedentes.csv", content, "text/csv")}
    return client.post("/console/precedentes/importar", data={"csrf_token": csrf}, files=files, follow_redirects=False)


def _evaluate(client: TestClient, code: str) -> dict[str, Any]:
    origem = {**ORIGEM, "instituicao": UFPB, "codigo": code}
    body = {"request_id": f"cprec-{uuid.uuid4().hex}", "origem": origem, "destino": {**DESTINO, "codigo": "BD-DEST"}}
    answer = client.post("/v1/equivalences/evaluate", json=body, headers={"X-API-Key": KEYS["client"]})
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def test_a_table_imported_through_the_console_decides_the_next_evaluation(client: TestClient) -> None:
    code = f"BD-{uuid.uuid4().hex[:8]}"
    table = csv_table(
        f'"{UFPB}",{code},"{ORIGEM["ementa"]}",BD-DEST,,binding,2026-01-01,,,Parecer 7/2026',
        f'"{UFPB}",({code}-A E {code}-B) OU {code}-C,,BD-DEST,,advisory,2020-01-01,2021-01-01,,',
    )
    csrf = sign_in(client, KEYS["coordinator"])
    assert '<a href="/console/precedentes">Precedentes</a>' in client.get("/console").text
    imported = _upload(client, csrf, table)
    assert imported.status_code == 303 and imported.headers["location"] == "/console/precedentes?importados=3"
    listed = client.get(imported.headers["location"])
    assert "3 precedente(s) importado(s)" in listed.text and f"<code>{code}</code>" in listed.text
    assert f"Expressão: <code>({code}-A E {code}-B) OU {code}-C</code>" in listed.text
    answer = _evaluate(client, code)
    assert (answer["decisao"], answer["decisao_origem"]) == ("DEFERIDO", "precedente")

    by_code = client.get("/console/precedentes", params={"codigo": f"{code}-b"})
    assert f"<code>{code}-A + {code}-B</code>" in by_code.text and f"<code>{code}</code><br>" not in by_code.text
    in_force = client.get("/console/precedentes", params={"instituicao": "UNIVERSIDADE FEDERAL DA PARAIBA", "vigente_em": "2026-06-01"})
    assert f"<code>{code}</code>" in in_force.text and f"{code}-C" not in in_force.text
    bad_day = client.get("/console/precedentes", params={"vigente_em": "ontem"})
    assert bad_day.status_code == 422 and 'id="vigente_em-erro"' in bad_day.text


def test_avaliar_with_the_origems_institution_and_code_shows_the_binding_precedent_that_decided(client: TestClient) -> None:
    code = f"BD-{uuid.uuid4().hex[:8]}"
    table = csv_table(f'"{UFPB}",{code},"{ORIGEM["ementa"]}",BD-DEST,,binding,2026-01-01,,,Parecer 9/2026 da coordenação')
    imported = client.post("/v1/precedents/import", content=table.encode("utf-8"),
                           headers={"X-API-Key": KEYS["coordinator"], "Content-Type": "text/csv"})
    assert imported.status_code == 201, imported.text
    found = client.get("/v1/precedents", params={"codigo": code}, headers={"X-API-Key": KEYS["coordinator"]}).json()
    precedent_id = found["items"][0]["precedent_id"]

    csrf = sign_in(client, KEYS["client"])
    form = pair_form(ORIGEM, DESTINO, csrf)
    assert 'label for="origem_instituicao">Instituição</label>' in client.get("/console/avaliar").text
    plain = client.post("/console/avaliar", data=form)  # no identity: the automatic evaluation, no precedent
    assert plain.status_code == 200 and "Decidido por precedente" not in plain.text
    keyed = client.post("/console/avaliar", data=form | {"origem_instituicao": UFPB, "origem_codigo": code, "destino_codigo": "BD-DEST"})
    assert keyed.status_code == 200, keyed.text
    assert "Decidido por precedente" in keyed.text and f"<code>{precedent_id}</code>" in keyed.text
    assert "Parecer 9/2026 da coordenação" in keyed.text and "vigente desde 2026-01-01" in keyed.text
    assert "&#34;decisao_origem&#34;: &#34;precedente&#34;" in keyed.text or '"decisao_origem": "precedente"' in keyed.text
    assert f'value="{code}"' in keyed.text  # the fields keep what was typed

    too_long = client.post("/console/avaliar", data=form | {"origem_codigo": "x" * 301})
    assert too_long.status_code == 422 and 'id="origem_codigo-erro"' in too_long.text


def test_an_import_error_names_the_line_and_column_and_imports_nothing(client: TestClient) -> None:
    code = f"BD-{uuid.uuid4().hex[:8]}"
    csrf = sign_in(client, KEYS["admin"])
    table = csv_table(f'"{UFPB}",{code},,BD-DEST,,,2026-01-01,,,', f'"{UFPB}",({code}-X E {code}-Y,,BD-DEST,,,2026-01-01,,,')
    refused = _upload(client, csrf, table)
    assert refused.status_code == 422 and 'id="arquivo-erro"' in refused.text
    assert "Nada foi importado. Linha 3, coluna “origem”" in refused.text and 'aria-invalid="true"' in refused.text
    assert code not in client.get("/console/precedentes", params={"codigo": code}).text.replace(f'value="{code}"', "")
    bad_date = _upload(client, csrf, csv_table(f'"{UFPB}",{code},,BD-DEST,,,01/01/2026,,,'))
    assert bad_date.status_code == 422 and "Linha 2, coluna “vigencia_inicio”" in bad_date.text
    header = _upload(client, csrf, "instituicao,origem,cor\nUFPB,A,azul\n")
    assert header.status_code == 422 and "Cabeçalho (linha 1)" in header.text and "cor" in header.text
    latin1 = _upload(client, csrf, "instituicao,origem,vigencia_inicio\nSão,A,2026-01-01\n".encode("latin-1"))
    assert latin1.status_code == 422 and "UTF-8" in latin1.text
    empty = _upload(client, csrf, b"")
    assert empty.status_code == 422 and "Escolha o arquivo CSV" in empty.text


def test_ending_a_vigencia_asks_for_confirmation_and_is_audited(client: TestClient) -> None:
    code = f"BD-{uuid.uuid4().hex[:8]}"
    csrf = sign_in(client, KEYS["coordinator"])
    assert _upload(client, csrf, csv_table(f'"{UFPB}",{code},"{ORIGEM["ementa"]}",BD-DEST,,binding,2026-01-01,,,')).status_code == 303
    found = client.get("/v1/precedents", params={"codigo": code}, headers={"X-API-Key": KEYS["coordinator"]}).json()["items"]
    precedent_id = found[0]["precedent_id"]
    listed = client.get("/console/precedentes", params={"codigo": code})
    assert f'href="/console/precedentes/{precedent_id}/encerrar"' in listed.text
    confirm = client.get(f"/console/precedentes/{precedent_id}/encerrar")
    assert confirm.status_code == 200 and '<label for="motivo">' in confirm.text and '<label for="vigencia_fim">' in confirm.text
    path = f"/console/precedentes/{precedent_id}/encerrar"
    forged = client.post(path, data={"csrf_token": "forged", "motivo": "x"})
    assert forged.status_code == 403 and "CSRF" in forged.text
    before_start = client.post(path, data={"csrf_token": csrf, "vigencia_fim": "2025-01-01", "motivo": "x"})
    assert before_start.status_code == 422 and 'id="vigencia_fim-erro"' in before_start.text
    bad_day = client.post(path, data={"csrf_token": csrf, "vigencia_fim": "31/12/2026"})
    assert bad_day.status_code == 422 and "AAAA-MM-DD" in bad_day.text
    for blank in ("", "   "):  # the motivo goes into the audit trail: it must say something
        no_reason = client.post(path, data={"csrf_token": csrf, "motivo": blank})
        assert no_reason.status_code == 422 and '<p class="erro" id="motivo-erro">Informe o motivo' in no_reason.text
    assert 'maxlength="2000" required' in confirm.text
    api_blank = client.post(f"/v1/precedents/{precedent_id}/end", json={"motivo": "  "}, headers={"X-API-Key": KEYS["coordinator"]})
    assert api_blank.status_code == 422, api_blank.text
    ended = client.post(path, data={"csrf_token": csrf, "motivo": "Currículo novo."}, follow_redirects=False)
    assert ended.status_code == 303
    assert "encerrada (registrada na auditoria)" in client.get(ended.headers["location"]).text
    api = client.get(f"/v1/precedents/{precedent_id}", headers={"X-API-Key": KEYS["coordinator"]}).json()
    assert api["vigente"] is False and api["ended_by"]["role"] == "coordinator"
    events = client.get("/admin/audit", params={"event_type": "precedent.vigencia_ended"}, headers={"X-API-Key": KEYS["auditor"]})
    assert events.status_code == 200 and any(e["payload"]["motivo"] == "Currículo novo." for e in events.json()["events"]), events.text
    assert _evaluate(client, code).get("decisao_origem") != "precedente"


@pytest.mark.parametrize("role", ["reviewer", "auditor"])
def test_readers_search_but_neither_import_nor_end(client: TestClient, role: str) -> None:
    csrf = sign_in(client, KEYS[role])
    page = client.get("/console/precedentes")
    assert page.status_code == 200 and "Importar tabela" not in page.text and '<label for="instituicao">' in page.text
    assert _upload(client, csrf, csv_table(f'"{UFPB}",X1,,D,,,2026-01-01,,,')).status_code == 403
    assert client.get("/console/precedentes/p-1/encerrar").status_code == 403
    assert client.post("/console/precedentes/p-1/encerrar", data={"csrf_token": csrf}).status_code == 403


def test_a_client_key_has_no_precedents(client: TestClient) -> None:
    sign_in(client, KEYS["client"])
    assert "/console/precedentes" not in client.get("/console/avaliar").text
    assert client.get("/console/precedentes").status_code == 403


def test_another_tenant_ends_nothing_of_ours(client: TestClient) -> None:
    code = f"BD-{uuid.uuid4().hex[:8]}"
    csrf = sign_in(client, KEYS["admin"])
    assert _upload(client, csrf, csv_table(f'"{UFPB}",{code},,BD-DEST,,,2026-01-01,,,')).status_code == 303
    precedent_id = client.get("/v1/precedents", params={"codigo": code}, headers={"X-API-Key": KEYS["admin"]}).json()["items"][0]["precedent_id"]
    client.cookies.clear()
    csrf = sign_in(client, KEYS["other"])
    assert code not in client.get("/console/precedentes").text
    assert client.get(f"/console/precedentes/{precedent_id}/encerrar").status_code == 404
    assert client.post(f"/console/precedentes/{precedent_id}/encerrar", data={"csrf_token": csrf}).status_code == 404


def test_the_import_takes_forms_only_within_the_upload_limit(client: TestClient) -> None:
    csrf = sign_in(client, KEYS["coordinator"])
    assert client.post("/console/precedentes/importar", json={"csrf_token": csrf}).status_code == 415
    assert client.post("/console/precedentes/importar", content=b"a,b", headers={"Content-Type": "text/csv"}).status_code == 415
    big = b"x" * (9 * 1024 * 1024)
    assert _upload(client, csrf, big).status_code == 413
    assert client.post("/console/precedentes/p-1/encerrar", files={"arquivo": ("a.csv", b"x", "text/csv")}).status_code == 415  # no uploads there
