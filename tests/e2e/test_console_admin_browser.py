"""*Auditoria*, *Chaves* and *Catálogo* in a real browser (Debian's Chromium, headless), no
network but this server, under the console's CSP (ADR 0037):

- an ANALISE_HUMANA evaluation reviewed and homologated (through the review API), then its
  events seen on the audit page, and the chain verified green;
- a key created (its secret shown once, and working), then revoked after the confirmation step;
- a curriculum file chosen in the import form, imported, and its detail page opened.

Screenshots: console-auditoria.png, console-chaves.png, console-catalogo.png (EQV_SCREENSHOT_DIR
puts them in docs/img). Skipped without chromium/Playwright, except with CI=true.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.browser import console_page, screenshot_dir, sign_in, warm_server
from tests.support.e2e import ADMIN_KEY, HEADERS, PAIR
from tests.support.waiting import wait_until

pytestmark = pytest.mark.e2e
CURRICULUM = {
    "version": "bcc-2026.1", "nome_curso": "Ciência da Computação", "codigo_curriculo": "BCC-2026",
    "units": [
        {"codigo": "BD1", "nome": "Banco de Dados I", "carga_horaria": 60, "fase": "3",
         "ementa": ["Modelo entidade-relacionamento.", "SQL.", "Normalização."]},
        {"codigo": "BD2", "nome": "Banco de Dados II", "carga_horaria": 60, "fase": "4", "pre_requisitos": ["BD1"]},
        {"codigo": "ES1", "nome": "Engenharia de Software", "carga_horaria": 72, "fase": "5"},
    ],
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with warm_server(tmp_path_factory.mktemp("console-admin-browser")) as base:
        yield base


def _new_key(server: str, role: str) -> str:
    created = httpx.post(f"{server}/admin/api_keys", json={"role": role, "name": f"browser-{role}"}, headers=HEADERS, timeout=30)
    assert created.status_code == 201, created.text
    return str(created.json()["key"])


def test_a_homologated_review_is_seen_on_the_audit_page_with_a_green_chain(server: str, browser: Any, tmp_path: Path) -> None:
    reviewer, coordinator = _new_key(server, "reviewer"), _new_key(server, "coordinator")
    origem = {k: v for k, v in PAIR["origem"].items() if k != "aprovado"}  # approval unknown: a person decides
    body = {"request_id": "console-auditoria-1", "origem": origem, "destino": PAIR["destino"]}
    evaluated = httpx.post(f"{server}/v1/equivalences/evaluate", json=body, headers=HEADERS, timeout=120)
    assert evaluated.status_code == 200 and evaluated.json()["decisao"] == "ANALISE_HUMANA", evaluated.text
    review_id = httpx.get(f"{server}/v1/equivalences/console-auditoria-1", headers=HEADERS, timeout=30).json()["revisao"]["review_id"]
    parecer = {"decisao": "DEFERIDO", "motivo": "conteudo_equivalente", "parecer": "Conteúdos equivalentes."}
    for key, action, data in ((reviewer, "claim", None), (reviewer, "decide", parecer), (coordinator, "homologate", None)):
        moved = httpx.post(f"{server}/v1/reviews/{review_id}/{action}", json=data, headers={"X-API-Key": key}, timeout=30)
        assert moved.status_code == 200, (action, moved.text)
    errors: list[str] = []
    shots = screenshot_dir(tmp_path)

    context, page = console_page(browser, errors)
    auditor = _new_key(server, "auditor")
    sign_in(page, server, auditor)
    assert page.get_by_role("link", name="Chaves").count() == 0  # an auditor: no Chaves, no Catálogo
    assert page.get_by_role("link", name="Catálogo").count() == 0
    page.get_by_role("link", name="Auditoria").click()
    page.wait_for_url("**/console/auditoria")
    page.get_by_label("Tipo do evento").fill("review.homologate")
    page.get_by_label("Tipo do evento").press("Enter")  # keyboard: submits the filters
    page.wait_for_url("**/console/auditoria?tipo=review.homologate*")
    rows = page.locator("table.eventos tbody tr")
    assert rows.count() == 1 and "review.homologate" in rows.first.inner_text()
    page.locator("table.eventos summary").first.click()
    assert review_id in page.locator("table.eventos pre").first.inner_text()

    page.get_by_label("Tipo do evento").fill("")
    page.get_by_role("button", name="Filtrar").click()
    events = page.locator("table.eventos").inner_text()
    for kind in ("evaluation", "review.opened", "review.claim", "review.decide", "review.homologate", "key.created"):
        assert kind in events, kind
    page.get_by_role("button", name="Verificar a cadeia").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/console/auditoria/verificar*")
    verdict = page.locator(".veredito")
    assert "veredito-ok" in str(verdict.get_attribute("class"))
    assert verdict.inner_text().startswith("Cadeia íntegra")
    assert verdict.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(227, 244, 232)"  # the green of --ok-fundo
    page.screenshot(path=str(shots / "console-auditoria.png"), full_page=False)

    page.goto(f"{server}/console/auditoria?de=2026-02-30")
    assert page.locator("#de-erro").inner_text().startswith("Use uma data no formato AAAA-MM-DD")
    context.close()
    assert not [e for e in errors if "status of 422" not in e], "\n".join(errors)


def test_a_key_created_then_revoked_on_chaves(server: str, browser: Any, tmp_path: Path) -> None:
    errors: list[str] = []
    shots = screenshot_dir(tmp_path)
    context, page = console_page(browser, errors)
    sign_in(page, server, ADMIN_KEY)
    page.get_by_role("link", name="Chaves").click()
    page.wait_for_url("**/console/chaves")
    page.get_by_label("Nome").fill("Secretaria acadêmica — integração")
    page.get_by_label("Papel").select_option("client")
    page.get_by_role("button", name="Criar chave").click()
    secret_box = page.get_by_label("Segredo da chave — copie agora: ele não será mostrado de novo")
    secret = secret_box.input_value()
    assert secret.startswith("eqv_live_")
    assert httpx.get(f"{server}/v1/jobs/none-such", headers={"X-API-Key": secret}, timeout=30).status_code == 404  # a working key
    row = page.locator("tr", has_text="Secretaria acadêmica — integração")
    assert "Ativa" in row.inner_text()
    page.screenshot(path=str(shots / "console-chaves.png"), full_page=True)

    page.reload()  # POST-redirect-GET: a reload is the GET, no second key and no secret
    assert secret not in page.content()
    assert page.locator("tr", has_text="Secretaria acadêmica — integração").count() == 1
    page.get_by_role("link", name="Chaves").click()  # the list again: the secret is shown once
    page.wait_for_url("**/console/chaves")
    assert secret not in page.content()
    row.get_by_role("link", name="Revogar a chave Secretaria acadêmica — integração").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/revogar")
    page.get_by_role("heading", name="Revogar a chave Secretaria acadêmica — integração?").wait_for()
    page.get_by_role("button", name="Revogar").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/console/chaves?revogada=*")
    assert "Revogada em" in page.locator("tr", has_text="Secretaria acadêmica — integração").inner_text()
    assert httpx.get(f"{server}/v1/jobs/none-such", headers={"X-API-Key": secret}, timeout=30).status_code == 401
    page.set_viewport_size({"width": 1024, "height": 700})  # a small laptop: no sideways scrolling of the page
    for path in ("/console/chaves", "/console/auditoria", "/console/catalogo"):
        page.goto(f"{server}{path}")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path
    context.close()
    assert not errors, "\n".join(errors)


def test_a_curriculum_file_imported_on_catalogo_and_its_detail_page(server: str, browser: Any, tmp_path: Path) -> None:
    document = tmp_path / "bcc-2026.json"
    document.write_text(json.dumps(CURRICULUM, ensure_ascii=False), encoding="utf-8")
    errors: list[str] = []
    shots = screenshot_dir(tmp_path)
    context, page = console_page(browser, errors)
    sign_in(page, server, ADMIN_KEY)
    page.get_by_role("link", name="Catálogo").click()
    page.wait_for_url("**/console/catalogo")
    page.get_by_text("Importar um currículo").click()
    page.get_by_label("Conteúdo do arquivo").fill("{\"version\": \"x\", \"units\": [{\"codigo\": \"A\"}]}")
    page.get_by_role("button", name="Importar currículo").click()
    page.locator("#conteudo-erro").wait_for()
    assert "units[0]" in page.locator("#conteudo-erro").inner_text()  # the element at fault is named

    page.get_by_label("Arquivo do currículo").set_input_files(str(document))
    wait_until(lambda: "bcc-2026.1" in page.get_by_label("Conteúdo do arquivo").input_value(), timeout_s=10, interval_s=0.2,
               what="the file read into the form")
    page.get_by_role("button", name="Importar currículo").click()
    page.wait_for_url("**/console/catalogo?feito=curriculo")
    assert page.get_by_role("status").inner_text() == "Currículo importado."
    page.get_by_label("Disciplina (course_id)").fill("BD1")
    taxonomy = page.get_by_label("Taxonomia", exact=True).locator("option").nth(1).get_attribute("value")
    page.get_by_label("Taxonomia", exact=True).select_option(taxonomy)
    page.get_by_label("Política", exact=True).select_option(index=1)
    page.get_by_role("button", name="Gravar vínculo").click()
    page.wait_for_url("**/console/catalogo?feito=vinculo")
    page.screenshot(path=str(shots / "console-catalogo.png"), full_page=True)

    page.get_by_role("link", name="bcc-2026.1").click()
    page.wait_for_url("**/console/catalogo/curriculos/bcc-2026.1")
    assert page.locator("table", has_text="Banco de Dados II").count() == 1
    page.get_by_role("button", name="Tornar atual").click()
    page.wait_for_url("**/console/catalogo/curriculos/bcc-2026.1")
    assert page.locator(".padrao").inner_text() == "sim"
    assert page.get_by_role("link", name="Descontinuar…").count() == 0  # never offered on the current curriculum
    assert page.get_by_text("Esta é a versão em uso pelo tenant.").count() == 1
    page.screenshot(path=str(tmp_path / "console-catalogo-versao.png"), full_page=True)  # an artifact, not for docs
    context.close()
    assert not [e for e in errors if "status of 422" not in e and "status of 409" not in e], "\n".join(errors)
