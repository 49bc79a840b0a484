"""*Caso* and *Precedentes* in a real browser (Debian's Chromium, headless, no network but this
server; ADR 0036): a histórico uploaded and its waiver table exported, a large case followed
while it runs; a precedent table imported through the console and then applied to an
evaluation, its vigência ended after a confirmation.

Needs `chromium` (apt) and Playwright for Python: skipped without them, except with CI=true.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.browser import console_page, screenshot_dir, sign_in, warm_server
from tests.support.case_world import realistic
from tests.support.e2e import ADMIN_KEY, HEADERS, PAIR

pytestmark = pytest.mark.e2e

UFPB = "Universidade Federal da Paraíba"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with warm_server(tmp_path_factory.mktemp("console-caso-browser")) as base:
        yield base


def _transcript_csv(path: Path) -> Path:
    rows = realistic()["transcript"]
    out = io.StringIO()
    writer = csv.DictWriter(out, sorted({k for row in rows for k in row}), delimiter=";")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def test_a_case_uploaded_and_its_table_exported(server: str, browser: Any, tmp_path: Path) -> None:
    created = httpx.post(f"{server}/admin/curricula", json={**realistic()["curriculo"], "version": "bcc-2026"}, headers=HEADERS, timeout=30)
    assert created.status_code == 201, created.text
    errors: list[str] = []
    shots = screenshot_dir(tmp_path)
    context, page = console_page(browser, errors)
    sign_in(page, server, ADMIN_KEY, "/console/avaliar")
    page.get_by_role("link", name="Caso", exact=True).click()
    page.wait_for_url("**/console/caso")

    bad = tmp_path / "historico.xml"
    bad.write_text('<?xml version="1.0"?>\n<DocumentoHistoricoEscolarFinal xmlns="http://portal.mec.gov.br/diplomadigital/arquivos-em-xsd">'
                   "<infHistoricoEscolar><Foo/></infHistoricoEscolar></DocumentoHistoricoEscolarFinal>", encoding="utf-8")
    page.get_by_label("Histórico (JSON, CSV ou XML do Histórico Escolar Digital)").set_input_files(str(bad))
    page.get_by_role("button", name="Enviar caso").click()
    error = page.locator("#arquivo-erro")
    error.wait_for()
    assert "linha 2" in error.inner_text() and "Foo" in error.inner_text()  # the element at fault, next to the field
    page.screenshot(path=str(shots / "console-caso-erro.png"), full_page=True)

    page.get_by_label("Histórico (JSON, CSV ou XML do Histórico Escolar Digital)").set_input_files(str(_transcript_csv(tmp_path / "historico.csv")))
    page.get_by_label("Currículo", exact=True).select_option("bcc-2026")
    page.get_by_label("Validade das disciplinas (anos)").fill("15")
    page.get_by_label("Limite de dispensa (% das horas)").fill("50")
    page.get_by_role("button", name="Enviar caso").focus()
    page.keyboard.press("Enter")  # keyboard only
    table = page.locator("table.tabela-caso")
    table.wait_for(timeout=120_000)
    units = realistic()["curriculo"]["units"]
    assert table.locator("tbody tr").count() == len(units)
    assert page.get_by_text("Disciplinas de origem não usadas").count() == 1
    assert page.locator("dt", has_text="Horas dispensadas").count() == 1
    page.screenshot(path=str(shots / "console-caso.png"), full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="Exportar a tabela (CSV)").click()
    exported = Path(download.value.path()).read_text(encoding="utf-8")
    assert exported.startswith("tipo_linha,") and all(u["codigo"] in exported for u in units)
    assert download.value.suggested_filename.startswith("caso-") and download.value.suggested_filename.endswith(".csv")
    with page.expect_download() as parecer:
        page.get_by_role("link", name="Baixar o parecer (PDF)").click()
    assert Path(parecer.value.path()).read_bytes().startswith(b"%PDF-")
    assert parecer.value.suggested_filename.startswith("parecer-caso-")

    # The same histórico as a job: the page shows its progress, then the table (HTMX polling).
    page.get_by_role("link", name="← Enviar outro histórico").click()
    page.get_by_label("Histórico (JSON, CSV ou XML do Histórico Escolar Digital)").set_input_files(str(tmp_path / "historico.csv"))
    page.get_by_label("Currículo", exact=True).select_option("bcc-2026")
    page.get_by_label("Validade das disciplinas (anos)").fill("15")
    page.get_by_label("Processar em segundo plano (casos grandes já vão assim)").check()
    page.get_by_role("button", name="Enviar caso").click()
    page.locator("#caso").wait_for()
    page.locator("table.tabela-caso, #caso .erro").first.wait_for(timeout=120_000)
    assert page.locator("table.tabela-caso").count() == 1, page.locator("#caso").inner_text()
    assert page.locator("#caso[hx-trigger]").count() == 0
    context.close()
    assert not [e for e in errors if "status of 422" not in e], "\n".join(errors)  # the refused XML is expected
    print(f"\nscreenshot: {shots / 'console-caso.png'}")


def test_a_precedent_imported_and_then_applied_to_an_evaluation(server: str, browser: Any, tmp_path: Path) -> None:
    created = httpx.post(f"{server}/admin/api_keys", json={"role": "coordinator", "name": "console-precedentes"}, headers=HEADERS, timeout=30)
    assert created.status_code == 201, created.text
    table = tmp_path / "precedentes.csv"
    header = "instituicao,origem,ementa_origem,destino_codigo,course_id,tipo,vigencia_inicio,vigencia_fim,escopo,parecer"
    table.write_text("\n".join((
        header,
        f'"{UFPB}",GDSCO0051,"{PAIR["origem"]["ementa"]}",BD-2026,,binding,2026-01-01,,Bacharelado em Computação,Parecer 12/2026 do colegiado',
        f'"{UFPB}",(GDSCO0101 E GDSCO0102) OU GDSCO0110,,CALC-1,,advisory,2025-01-01,,,',
    )) + "\n", encoding="utf-8")
    broken = tmp_path / "quebrado.csv"
    broken.write_text(f'{header}\n"{UFPB}",(GDSCO0101 E GDSCO0102,,CALC-1,,,2026-01-01,,,\n', encoding="utf-8")
    errors: list[str] = []
    shots = screenshot_dir(tmp_path)
    context, page = console_page(browser, errors)
    sign_in(page, server, created.json()["key"], "/console/revisao")
    page.get_by_role("link", name="Precedentes").click()
    page.wait_for_url("**/console/precedentes")

    page.get_by_label("Arquivo CSV de precedentes").set_input_files(str(broken))
    page.get_by_role("button", name="Importar").click()
    refused = page.locator("#arquivo-erro")
    refused.wait_for()
    assert "Nada foi importado. Linha 2, coluna “origem”" in refused.inner_text()

    page.get_by_label("Arquivo CSV de precedentes").set_input_files(str(table))
    page.get_by_role("button", name="Importar").focus()
    page.keyboard.press("Enter")
    page.get_by_text("3 precedente(s) importado(s)").wait_for()
    page.get_by_label("Instituição de origem").fill("universidade federal da paraiba")
    page.get_by_label("Vigente em").fill("2026-06-01")
    page.get_by_role("button", name="Buscar").click()
    rows = page.locator("table.precedentes tbody tr")
    rows.first.wait_for()
    assert rows.count() == 3 and page.get_by_text("Expressão: (GDSCO0101 E GDSCO0102) OU GDSCO0110").count() == 2
    page.screenshot(path=str(shots / "console-precedentes.png"), full_page=True)

    origem = {**PAIR["origem"], "instituicao": UFPB, "codigo": "GDSCO0051"}
    body = {"request_id": "console-precedente-1", "origem": origem, "destino": {**PAIR["destino"], "codigo": "BD-2026"}}
    evaluated = httpx.post(f"{server}/v1/equivalences/evaluate", json=body, headers=HEADERS, timeout=120)
    assert evaluated.status_code == 200, evaluated.text
    answer = evaluated.json()
    assert (answer["decisao"], answer["decisao_origem"]) == ("DEFERIDO", "precedente"), json.dumps(answer)[:500]
    assert answer["precedente"]["parecer"] == "Parecer 12/2026 do colegiado"

    page.get_by_label("Código de origem").fill("GDSCO0051")
    page.get_by_role("button", name="Buscar").click()
    page.get_by_role("link", name="Encerrar a vigência do precedente").click()
    page.get_by_role("heading", name="Confirmar").wait_for()
    page.get_by_label("Motivo (registrado na auditoria)").fill("Novo projeto pedagógico.")
    page.get_by_role("button", name="Encerrar vigência").focus()
    page.keyboard.press("Enter")
    page.get_by_text("encerrada (registrada na auditoria)").wait_for()
    again = httpx.post(f"{server}/v1/equivalences/evaluate", json={**body, "request_id": "console-precedente-2"}, headers=HEADERS, timeout=120)
    assert again.json().get("decisao_origem") != "precedente"
    context.close()
    assert not [e for e in errors if "status of 422" not in e], "\n".join(errors)  # the broken CSV is expected
    print(f"\nscreenshot: {shots / 'console-precedentes.png'}")
