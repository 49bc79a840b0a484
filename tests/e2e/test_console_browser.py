"""The console in a real browser (Debian's Chromium, headless), no network but this server:
sign in with the admin key, evaluate a pair through the HTMX form, see covered and missing
topics, under the CSP the app sends (a violation is a console error, and fails the test).

Needs `chromium` (apt) and Playwright for Python (no browser download): skipped without them,
except with CI=true, where it fails.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.browser import console_page, screenshot_dir, sign_in, warm_server
from tests.support.e2e import ADMIN_KEY, HEADERS, PAIR

pytestmark = pytest.mark.e2e

MISSING_TOPIC = "Computação quântica"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with warm_server(tmp_path_factory.mktemp("console-browser")) as base:
        yield base


def test_sign_in_and_evaluate_a_pair_seeing_covered_and_missing_topics(server: str, browser: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    requested: list[str] = []
    errors: list[str] = []
    context, page = console_page(browser, errors)
    page.on("request", lambda request: requested.append(request.url))
    page.on("response", lambda response: errors.append(f"{response.status} {response.url}") if response.status == 404 else None)
    shots = screenshot_dir(tmp_path)

    page.goto(f"{server}/console/avaliar")
    assert page.url.endswith("/console/entrar")  # no session: sent to sign-in
    page.get_by_label("Chave de API").fill("eqv_live_not-a-real-key")
    page.get_by_label("Chave de API").press("Enter")
    page.get_by_text("Chave de API inválida").wait_for()
    page.screenshot(path=str(shots / "console-entrar-erro.png"))
    page.get_by_label("Chave de API").fill(ADMIN_KEY)
    page.get_by_role("button", name="Entrar").click()
    page.wait_for_url("**/console/avaliar")
    assert page.evaluate("document.cookie") == ""  # the session cookie is HttpOnly; the key is nowhere
    assert ADMIN_KEY not in page.content()
    stored = page.evaluate("JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage)])")
    assert ADMIN_KEY not in stored and "htmx-history-cache" not in stored, stored

    origem = page.get_by_role("group", name="Origem (disciplina cursada)")
    destino = page.get_by_role("group", name="Destino (disciplina do currículo)")
    for group, course in ((origem, PAIR["origem"]), (destino, PAIR["destino"])):
        group.get_by_label("Nome da disciplina").fill(course["nome"])
        group.get_by_label("Carga horária (horas)").fill(str(course["carga_horaria"]))
        group.get_by_label("Ementa").fill(course["ementa"])
    destino.get_by_label("Ementa").fill(f"{PAIR['destino']['ementa']} {MISSING_TOPIC}.")
    origem.get_by_label("Aprovado na disciplina").select_option("sim")
    assert destino.get_by_label("Aprovado na disciplina").count() == 0
    with page.expect_response(lambda r: r.url.endswith("/console/avaliar") and r.request.method == "POST") as answer:
        page.get_by_role("button", name="Avaliar").click()
    assert answer.value.request.headers.get("hx-request") == "true"  # HTMX, not a full page post
    result = page.locator(".resultado")
    result.wait_for(timeout=60_000)
    assert page.url.endswith("/console/avaliar")
    expect(result).to_be_focused()  # the answer takes the keyboard focus (static/console/console.js)
    assert result.locator(".topico.coberto").count() >= 3
    assert result.locator(".topico.faltante", has_text=MISSING_TOPIC).count() == 1
    assert result.locator("mark.trecho").count() >= 1  # the origem's excerpts
    assert result.locator(".decisao").inner_text() in ("Deferido", "Indeferido", "Análise humana")
    result.get_by_text("Ver JSON").click()
    assert '"topicos"' in result.locator("details.json pre").inner_text()
    page.screenshot(path=str(shots / "console-avaliar.png"), full_page=True)

    # A field left empty: the error appears next to it, through the same HTMX swap.
    origem.get_by_label("Nome da disciplina").fill("")
    page.get_by_role("button", name="Avaliar").click()
    page.locator("#origem_nome-erro").wait_for()
    assert page.locator("#origem_nome-erro").inner_text() == "Informe o nome da disciplina."
    expect(page.locator("#origem_nome")).to_be_focused()  # the field in error takes the focus
    page.keyboard.type("Banco de Dados I")  # keyboard only from here
    page.keyboard.press("Enter")  # submits the form
    result.wait_for()
    assert page.locator("#origem_nome-erro").count() == 0

    page.get_by_role("button", name="Sair").click()
    page.wait_for_url("**/console/entrar")
    page.goto(f"{server}/console/avaliar")
    assert page.url.endswith("/console/entrar")
    stored = page.evaluate("JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage)])")
    assert ADMIN_KEY not in stored and "htmx-history-cache" not in stored, stored
    assert all(url.startswith(server) for url in requested), [u for u in requested if not u.startswith(server)]
    unexpected = [e for e in errors if "status of 401" not in e and "status of 422" not in e]
    assert not unexpected, "\n".join(errors)  # the refused key and the field error are expected
    print(f"\nscreenshot: {shots / 'console-avaliar.png'}")
    context.close()


def test_an_analise_humana_item_claimed_decided_and_homologated_in_the_review_queue(server: str, browser: Any, tmp_path: Path) -> None:
    """Fila de revisão (ADR 0030): a reviewer claims and emits the parecer with the keyboard only,
    a coordinator homologates, the item shows the final decision and the parecer PDF downloads."""
    keys = {}
    for role in ("reviewer", "coordinator"):
        created = httpx.post(f"{server}/admin/api_keys", json={"role": role, "name": f"console-{role}"}, headers=HEADERS, timeout=30)
        assert created.status_code == 201, created.text
        keys[role] = created.json()["key"]
    origem = {k: v for k, v in PAIR["origem"].items() if k != "aprovado"}  # approval unknown: a person decides
    body = {"request_id": "console-revisao-1", "origem": origem, "destino": PAIR["destino"]}
    evaluated = httpx.post(f"{server}/v1/equivalences/evaluate", json=body, headers=HEADERS, timeout=120)
    assert evaluated.status_code == 200 and evaluated.json()["decisao"] == "ANALISE_HUMANA", evaluated.text
    stored = httpx.get(f"{server}/v1/equivalences/console-revisao-1", headers=HEADERS, timeout=30).json()
    review_id = stored["revisao"]["review_id"]
    errors: list[str] = []
    shots = screenshot_dir(tmp_path)

    context, page = console_page(browser, errors)
    sign_in(page, server, keys["reviewer"], "/console/revisao")
    page.get_by_role("link", name="Fila de revisão").wait_for()
    page.get_by_role("link", name=review_id).click()
    page.wait_for_url(f"**/console/revisao/{review_id}")
    page.get_by_role("button", name="Assumir").focus()
    page.keyboard.press("Enter")  # keyboard only from here
    page.get_by_label("Decisão", exact=True).wait_for()
    page.get_by_label("Decisão", exact=True).focus()
    page.keyboard.press("Tab")  # through the labelled controls, in order
    page.get_by_label("Código do motivo").select_option("conteudo_equivalente")
    page.get_by_role("button", name="Emitir parecer").focus()
    page.keyboard.press("Enter")  # no decision chosen: refused next to the form
    page.locator("#parecer-erro").wait_for()
    assert page.locator("#parecer-erro").inner_text() == "Escolha a decisão: Deferido ou Indeferido."
    page.get_by_label("Decisão", exact=True).select_option("DEFERIDO")
    page.get_by_label("Texto do parecer").fill("Conteúdos e carga horária equivalentes; aprovação confirmada no histórico.")
    page.get_by_role("button", name="Emitir parecer").focus()
    page.keyboard.press("Enter")
    page.locator(".estado-item", has_text="Parecer emitido").wait_for()
    page.get_by_role("button", name="Sair").click()
    page.wait_for_url("**/console/entrar")
    context.close()

    context, page = console_page(browser, errors)
    sign_in(page, server, keys["coordinator"], "/console/revisao")
    page.get_by_label("Somente atrasados").check()
    page.get_by_role("button", name="Filtrar").click()
    assert page.get_by_role("link", name=review_id).count() == 0  # not overdue
    page.get_by_label("Estado").select_option("parecer_emitido")
    page.get_by_label("Somente atrasados").uncheck()
    page.get_by_role("button", name="Filtrar").click()
    page.get_by_role("link", name=review_id).click()
    page.wait_for_url(f"**/console/revisao/{review_id}")
    page.get_by_role("button", name="Homologar").focus()
    page.keyboard.press("Enter")
    page.locator(".estado-item", has_text="Homologado").wait_for()
    assert page.locator(".decisao-final").inner_text() == "Deferido"
    assert page.get_by_text("Decisão do parecer (final)").count() == 1
    history = page.locator("#historico ~ table").inner_text()
    assert "assumiu" in history and "emitiu parecer" in history and "homologou" in history
    page.screenshot(path=str(shots / "console-revisao.png"), full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="Baixar o parecer (PDF)").click()
    pdf = Path(download.value.path())
    assert pdf.read_bytes().startswith(b"%PDF") and download.value.suggested_filename == f"parecer-{review_id}.pdf"
    page.get_by_role("link", name="← Fila de revisão").click()
    page.get_by_role("link", name=review_id).wait_for()
    page.screenshot(path=str(shots / "console-fila.png"), full_page=True)
    context.close()
    unexpected = [e for e in errors if "status of 422" not in e]  # the parecer without a decision is expected
    assert not unexpected, "\n".join(errors)  # no CSP violation, no script error
    print(f"\nscreenshot: {shots / 'console-revisao.png'}")


def test_a_coordinator_assigns_an_item_and_later_files_a_recurso_against_its_final_decision(
    server: str, browser: Any, tmp_path: Path
) -> None:
    """Atribuir and Recurso (ADR 0030): the coordinator picks the reviewer from the tenant's active
    reviewer keys; after homologation, a recurso with new facts reopens the item (a new round).
    An empty field is refused next to it, in Portuguese."""
    keys = {}
    for role in ("reviewer", "coordinator"):
        created = httpx.post(f"{server}/admin/api_keys", json={"role": role, "name": f"atribuir-{role}"}, headers=HEADERS, timeout=30)
        assert created.status_code == 201, created.text
        keys[role] = created.json()
    origem = {k: v for k, v in PAIR["origem"].items() if k != "aprovado"}  # approval unknown: a person decides
    body = {"request_id": "console-atribuir-1", "origem": origem, "destino": PAIR["destino"]}
    evaluated = httpx.post(f"{server}/v1/equivalences/evaluate", json=body, headers=HEADERS, timeout=120)
    assert evaluated.status_code == 200 and evaluated.json()["decisao"] == "ANALISE_HUMANA", evaluated.text
    review_id = httpx.get(f"{server}/v1/equivalences/console-atribuir-1", headers=HEADERS, timeout=30).json()["revisao"]["review_id"]
    errors: list[str] = []

    context, page = console_page(browser, errors)
    sign_in(page, server, keys["coordinator"]["key"], "/console/revisao")
    page.goto(f"{server}/console/revisao/{review_id}")
    page.get_by_role("button", name="Atribuir").click()  # nobody chosen
    page.locator("#atribuir-erro").wait_for()
    assert page.locator("#atribuir-erro").inner_text() == "Escolha o parecerista."
    page.get_by_label("Parecerista").select_option(keys["reviewer"]["key_id"])
    page.get_by_role("button", name="Atribuir").click()
    page.locator(".estado-item", has_text="Em análise").wait_for()
    assert "atribuiu" in page.locator("#historico ~ table").inner_text()

    reviewer = {"X-API-Key": keys["reviewer"]["key"]}
    parecer = {"decisao": "INDEFERIDO", "motivo": "conteudo_insuficiente", "parecer": "Faltam tópicos críticos."}
    decided = httpx.post(f"{server}/v1/reviews/{review_id}/decide", json=parecer, headers=reviewer, timeout=30)
    assert decided.status_code == 200, decided.text  # the assignee decides, without claiming
    page.reload()
    page.get_by_role("button", name="Homologar").click()
    page.locator(".estado-item", has_text="Homologado").wait_for()

    page.get_by_label("Nova ementa da disciplina de origem (opcional)").fill("Ementa revisada pelo departamento.")
    page.get_by_role("button", name="Interpor recurso").click()  # no facts
    page.locator("#recurso-erro").wait_for()
    assert page.locator("#recurso-erro").inner_text() == "Descreva os fatos novos do recurso."
    assert page.get_by_label("Nova ementa da disciplina de origem (opcional)").input_value() == "Ementa revisada pelo departamento."
    page.get_by_label("Fatos novos").fill("O aluno anexou o plano de ensino com os tópicos que faltavam.")
    page.get_by_role("button", name="Interpor recurso").click()
    page.locator(".estado-item", has_text="Pendente").wait_for()
    assert "recurso" in page.locator("#historico ~ table").inner_text()
    page.screenshot(path=str(screenshot_dir(tmp_path) / "console-recurso.png"), full_page=True)
    context.close()
    stored = httpx.get(f"{server}/v1/reviews/{review_id}", headers=HEADERS, timeout=30).json()
    assert (stored["state"], stored["rodada"], stored["assignee_key_id"]) == ("pendente", 2, None)
    assert stored["recurso"]["ementa"] == "Ementa revisada pelo departamento."
    unexpected = [e for e in errors if "status of 422" not in e]  # the two refused forms are expected
    assert not unexpected, "\n".join(errors)
