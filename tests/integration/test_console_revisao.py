"""The console's *Fila de revisão* over the real HTTP stack (issue 13, ADR 0030): the queue and
its filters, the item with the forms of each role, CSRF, a domain refusal next to its form, and
the parecer PDF — all through the same `Reviews`/`Pareceres` use cases as /v1/reviews."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient
from sqlalchemy import update

from adapters.http.console import revisao
from adapters.persistence.database import create_engine_for, session_factory
from adapters.persistence.sqla_models import ReviewItemRow
from tests.support.console import csrf_of, sign_in
from tests.support.http_api import DESTINO, KEYS, ORIGEM, make_client

UNKNOWN_APPROVAL = {k: v for k, v in ORIGEM.items() if k != "aprovado"}  # the default policy sends it to a person
PARECER = {"decisao": "DEFERIDO", "motivo": "conteudo_equivalente", "parecer": "Conteúdos e carga horária equivalentes."}


@pytest.fixture
def client(sqlite_url: str, tmp_path: Path) -> Iterator[TestClient]:
    yield from make_client(sqlite_url, tmp_path)


def open_item(client: TestClient) -> str:
    """An ANALISE_HUMANA evaluation through the API: its review item's id."""
    request_id = f"cons-{uuid.uuid4().hex[:12]}"
    body = {"request_id": request_id, "origem": UNKNOWN_APPROVAL, "destino": DESTINO}
    answer = client.post("/v1/equivalences/evaluate", json=body, headers={"X-API-Key": KEYS["client"]})
    assert answer.status_code == 200 and answer.json()["decisao"] == "ANALISE_HUMANA", answer.text
    stored = client.get(f"/v1/equivalences/{request_id}", headers={"X-API-Key": KEYS["reviewer"]}).json()
    return str(stored["revisao"]["review_id"])


def as_role(client: TestClient, role: str) -> str:
    client.cookies.clear()
    return sign_in(client, KEYS[role])


def api_state(client: TestClient, review_id: str) -> str:
    return str(client.get(f"/v1/reviews/{review_id}", headers={"X-API-Key": KEYS["admin"]}).json()["state"])


@pytest.mark.parametrize("role", ["reviewer", "coordinator", "auditor", "admin"])
def test_review_roles_see_the_queue_in_the_nav(client: TestClient, role: str) -> None:
    as_role(client, role)
    page = client.get("/console")
    assert '<a href="/console/revisao">Fila de revisão</a>' in page.text
    assert client.get("/console/revisao").status_code == 200


def test_a_client_key_has_no_queue_in_the_nav_and_is_refused_it(client: TestClient) -> None:
    review_id = open_item(client)
    as_role(client, "client")
    assert "/console/revisao" not in client.get("/console/avaliar").text
    for path in ("/console/revisao", f"/console/revisao/{review_id}", f"/console/revisao/{review_id}/parecer.pdf"):
        refused = client.get(path)
        assert refused.status_code == 403 and "não pode ver a fila de revisão" in refused.text, path


def test_reviewers_and_coordinators_land_on_the_queue_after_sign_in(client: TestClient) -> None:
    for role in ("reviewer", "coordinator"):
        client.cookies.clear()
        page = client.get("/console/entrar")
        answer = client.post("/console/entrar", data={"csrf_token": csrf_of(page.text), "chave": KEYS[role]}, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"] == "/console/revisao"


def test_claim_decide_homologate_and_download_the_parecer_through_the_console(client: TestClient) -> None:
    review_id = open_item(client)
    csrf = as_role(client, "reviewer")
    queue = client.get("/console/revisao")
    assert f'href="/console/revisao/{review_id}"' in queue.text and "Pendente" in queue.text
    item = client.get(f"/console/revisao/{review_id}")
    assert item.status_code == 200 and "Assumir" in item.text and "Emitir parecer" not in item.text
    assert "Homologar" not in item.text  # a reviewer's page has no coordinator form
    assert 'name="csrf_token"' in item.text and "Análise humana" in item.text  # the decision under review

    claimed = client.post(f"/console/revisao/{review_id}/assumir", data={"csrf_token": csrf}, follow_redirects=False)
    assert claimed.status_code == 303 and claimed.headers["location"] == f"/console/revisao/{review_id}"
    item = client.get(f"/console/revisao/{review_id}")
    assert "Em análise" in item.text and '<label for="motivo">Código do motivo</label>' in item.text
    assert '<option value="conteudo_equivalente">' in item.text  # the tenant's reason codes (default list)
    mine = client.get("/console/revisao?minhas=1")
    assert review_id in mine.text

    incomplete = client.post(f"/console/revisao/{review_id}/parecer", data={"csrf_token": csrf, "decisao": "DEFERIDO", "motivo": "", "parecer": "x"})
    assert incomplete.status_code == 422
    assert re.search(r'id="parecer-erro">Escolha o código do motivo', incomplete.text)
    decided = client.post(f"/console/revisao/{review_id}/parecer", data={"csrf_token": csrf, **PARECER}, follow_redirects=False)
    assert decided.status_code == 303
    assert api_state(client, review_id) == "parecer_emitido"

    csrf = as_role(client, "coordinator")
    item = client.get(f"/console/revisao/{review_id}")
    assert "Homologar" in item.text and "Devolver" in item.text and "Assumir</button>" not in item.text
    assert PARECER["parecer"] in item.text
    homologated = client.post(f"/console/revisao/{review_id}/homologar", data={"csrf_token": csrf}, follow_redirects=False)
    assert homologated.status_code == 303
    item = client.get(f"/console/revisao/{review_id}")
    assert "Homologado" in item.text and "Decisão do parecer (final)" in item.text
    assert "homologou" in item.text and "emitiu parecer" in item.text and "assumiu" in item.text  # the history
    assert api_state(client, review_id) == "homologado"

    pdf = client.get(f"/console/revisao/{review_id}/parecer.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and "attachment" in pdf.headers["content-disposition"]


def test_a_form_without_the_csrf_token_is_refused_and_nothing_moves(client: TestClient) -> None:
    review_id = open_item(client)
    as_role(client, "reviewer")
    for token in ({"outro": "campo"}, {"csrf_token": "forged"}):  # no token, a wrong one
        refused = client.post(f"/console/revisao/{review_id}/assumir", data=token)
        assert refused.status_code == 403 and "CSRF" in refused.text
    assert api_state(client, review_id) == "pendente"


def test_a_transition_refused_by_the_domain_is_shown_next_to_its_form(client: TestClient) -> None:
    review_id = open_item(client)
    csrf = as_role(client, "coordinator")
    early = client.post(f"/console/revisao/{review_id}/homologar", data={"csrf_token": csrf})
    assert early.status_code == 409 and early.headers["content-type"].startswith("text/html")
    assert re.search(r'id="homologar-erro">O item não está num estado que permita isto', early.text)
    no_reason = client.post(f"/console/revisao/{review_id}/devolver", data={"csrf_token": csrf, "motivo": " "})
    assert no_reason.status_code == 422 and 'id="devolver-erro"' in no_reason.text

    csrf = as_role(client, "reviewer")
    assert client.post(f"/console/revisao/{review_id}/assumir", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    again = client.post(f"/console/revisao/{review_id}/assumir", data={"csrf_token": csrf})  # a stale page
    assert again.status_code == 409 and 'id="assumir-erro"' in again.text
    bad_code = client.post(f"/console/revisao/{review_id}/parecer", data={"csrf_token": csrf, **PARECER, "motivo": "nao_existe"})
    assert bad_code.status_code == 422 and re.search(r'id="parecer-erro">Dados não aceitos', bad_code.text)
    assert api_state(client, review_id) == "em_analise"


def test_a_role_the_domain_refuses_is_403_before_anything_moves(client: TestClient) -> None:
    review_id = open_item(client)
    csrf = as_role(client, "auditor")
    for action in ("assumir", "homologar"):
        assert client.post(f"/console/revisao/{review_id}/{action}", data={"csrf_token": csrf}).status_code == 403
    assert "<form method=\"post\" action=\"/console/revisao/" not in client.get(f"/console/revisao/{review_id}").text
    assert api_state(client, review_id) == "pendente"


def test_a_missing_item_is_404_not_500(client: TestClient) -> None:
    csrf = as_role(client, "reviewer")
    assert client.get("/console/revisao/no-such-item").status_code == 404
    assert client.post("/console/revisao/no-such-item/assumir", data={"csrf_token": csrf}).status_code == 404
    assert client.get("/console/revisao/no-such-item/parecer.pdf").status_code == 404


def test_filters_overdue_badge_and_keyset_pages(client: TestClient, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = [open_item(client) for _ in range(3)]
    engine = create_engine_for(sqlite_url)
    with session_factory(engine)() as session, session.begin():
        session.execute(update(ReviewItemRow).where(ReviewItemRow.review_id == ids[0]).values(deadline=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)))
    engine.dispose()
    as_role(client, "coordinator")
    late = client.get("/console/revisao?atrasados=1")
    assert ids[0] in late.text and ids[1] not in late.text and 'class="selo atrasado">Atrasado' in late.text
    assert ids[0] not in client.get("/console/revisao?estado=homologado").text
    wrong = client.get("/console/revisao?estado=perdido")
    assert wrong.status_code == 422 and 'id="estado-erro"' in wrong.text

    monkeypatch.setattr(revisao, "PAGE_SIZE", 2)
    first = client.get("/console/revisao")
    link = re.search(r'<a href="(/console/revisao\?apos=[^"]+)" rel="next">Próxima página</a>', first.text)
    assert link, first.text
    second = client.get(link.group(1).replace("&amp;", "&"))
    seen = [i for i in ids if i in first.text], [i for i in ids if i in second.text]
    assert len(seen[0]) == 2 and len(seen[1]) == 1 and not set(seen[0]) & set(seen[1])
    assert "Próxima página" not in second.text


def key_id_of(client: TestClient, name: str) -> str:
    keys = client.get("/admin/api_keys", headers={"X-API-Key": KEYS["admin"]}).json()
    return str(next(k["key_id"] for k in keys if k["name"] == name and k["status"] == "active"))


def test_a_coordinator_assigns_the_item_to_a_reviewer_who_then_decides_it(client: TestClient) -> None:
    review_id = open_item(client)
    reviewer_key = key_id_of(client, "reviewer")
    csrf = as_role(client, "reviewer")
    assert "/atribuir" not in client.get(f"/console/revisao/{review_id}").text  # not a reviewer's form

    csrf = as_role(client, "coordinator")
    item = client.get(f"/console/revisao/{review_id}")
    assert '<h2 id="f-atribuir">Atribuir</h2>' in item.text and f'<option value="{reviewer_key}">' in item.text
    assert f'<option value="{key_id_of(client, "coordinator")}"' not in item.text  # only reviewer and admin keys
    empty = client.post(f"/console/revisao/{review_id}/atribuir", data={"csrf_token": csrf, "responsavel": ""})
    assert empty.status_code == 422 and re.search(r'id="atribuir-erro">Escolha o parecerista', empty.text)
    assert 'aria-describedby="atribuir-erro"' in empty.text
    stranger = client.post(f"/console/revisao/{review_id}/atribuir", data={"csrf_token": csrf, "responsavel": "nao-existe"})
    assert stranger.status_code == 422 and re.search(r'id="atribuir-erro">Esta chave não é de um parecerista ativo', stranger.text)
    forged = client.post(f"/console/revisao/{review_id}/atribuir", data={"csrf_token": "forged", "responsavel": reviewer_key})
    assert forged.status_code == 403 and "CSRF" in forged.text
    assert api_state(client, review_id) == "pendente"

    assigned = client.post(f"/console/revisao/{review_id}/atribuir", data={"csrf_token": csrf, "responsavel": reviewer_key}, follow_redirects=False)
    assert assigned.status_code == 303 and assigned.headers["location"] == f"/console/revisao/{review_id}"
    item = client.get(f"/console/revisao/{review_id}")
    assert "Em análise" in item.text and "atribuiu" in item.text and f'<option value="{reviewer_key}" selected>' in item.text  # reassignable
    stored = client.get(f"/v1/reviews/{review_id}", headers={"X-API-Key": KEYS["admin"]}).json()
    assert stored["assignee_key_id"] == reviewer_key and stored["history"][-1]["actor"]["role"] == "coordinator"

    csrf = as_role(client, "reviewer")
    decided = client.post(f"/console/revisao/{review_id}/parecer", data={"csrf_token": csrf, **PARECER}, follow_redirects=False)
    assert decided.status_code == 303 and api_state(client, review_id) == "parecer_emitido"


def homologated_item(client: TestClient) -> str:
    review_id = open_item(client)
    for path, key, body in (("claim", "reviewer", None), ("decide", "reviewer", PARECER), ("homologate", "coordinator", None)):
        moved = client.post(f"/v1/reviews/{review_id}/{path}", json=body, headers={"X-API-Key": KEYS[key]})
        assert moved.status_code == 200, moved.text
    return review_id


def test_a_recurso_reopens_a_final_decision_within_the_window(client: TestClient) -> None:
    review_id = homologated_item(client)
    csrf = as_role(client, "reviewer")
    assert "/recurso" not in client.get(f"/console/revisao/{review_id}").text  # a reviewer does not file recursos

    csrf = as_role(client, "coordinator")
    item = client.get(f"/console/revisao/{review_id}")
    assert '<h2 id="f-recurso">Recurso</h2>' in item.text and "Prazo para recorrer: até" in item.text
    assert "/atribuir" not in item.text  # a final item is not assigned
    no_facts = client.post(f"/console/revisao/{review_id}/recurso", data={"csrf_token": csrf, "fatos": " ", "ementa": "nova"})
    assert no_facts.status_code == 422 and re.search(r'id="recurso-erro">Descreva os fatos novos', no_facts.text)
    assert ">nova</textarea>" in no_facts.text  # what was typed stays
    assert api_state(client, review_id) == "homologado"

    fatos = "O aluno apresentou o plano de ensino completo com as cargas horárias."
    filed = client.post(f"/console/revisao/{review_id}/recurso", data={"csrf_token": csrf, "fatos": fatos, "ementa": ""}, follow_redirects=False)
    assert filed.status_code == 303 and filed.headers["location"] == f"/console/revisao/{review_id}"
    stored = client.get(f"/v1/reviews/{review_id}", headers={"X-API-Key": KEYS["admin"]}).json()
    assert (stored["state"], stored["rodada"], stored["recurso"]) == ("pendente", 2, {"fatos": fatos, "ementa": None})
    assert stored["history"][-1]["actor"]["role"] == "coordinator"
    item = client.get(f"/console/revisao/{review_id}")
    assert "Pendente" in item.text and fatos in item.text and '<h2 id="f-recurso">' not in item.text


def test_a_recurso_after_the_window_is_refused_next_to_the_form(client: TestClient, sqlite_url: str) -> None:
    review_id = homologated_item(client)
    engine = create_engine_for(sqlite_url)
    with session_factory(engine)() as session, session.begin():
        session.execute(update(ReviewItemRow).where(ReviewItemRow.review_id == review_id).values(updated_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)))
    engine.dispose()
    csrf = as_role(client, "coordinator")
    item = client.get(f"/console/revisao/{review_id}")
    assert '<h2 id="f-recurso">' not in item.text and "Prazo de recurso: até" in item.text
    late = client.post(f"/console/revisao/{review_id}/recurso", data={"csrf_token": csrf, "fatos": "Fatos novos."})
    assert late.status_code == 422 and re.search(r'id="recurso-erro">Recurso fora do prazo', late.text)
    assert api_state(client, review_id) == "homologado"


def test_the_queue_filters_by_origem_institution_destino_course_and_age(client: TestClient) -> None:
    def opened(instituicao: str, curso: str) -> str:
        request_id = f"cons-{uuid.uuid4().hex[:12]}"
        body = {"request_id": request_id, "origem": {**UNKNOWN_APPROVAL, "instituicao": instituicao}, "destino": {**DESTINO, "codigo": curso}}
        assert client.post("/v1/equivalences/evaluate", json=body, headers={"X-API-Key": KEYS["client"]}).status_code == 200
        return str(client.get(f"/v1/equivalences/{request_id}", headers={"X-API-Key": KEYS["reviewer"]}).json()["revisao"]["review_id"])

    tag = uuid.uuid4().hex[:6]
    ufpb, unb = opened(f"Universidade Federal da Paraíba {tag}", "BD-101"), opened(f"Universidade de Brasília {tag}", "ED-202")
    as_role(client, "coordinator")
    page = client.get("/console/revisao", params={"instituicao": f"universidade federal da paraiba {tag}"})
    assert page.status_code == 200 and ufpb in page.text and unb not in page.text
    assert f"Banco de Dados I (Universidade Federal da Paraíba {tag})</td>" in page.text and 'value="universidade federal da paraiba' in page.text
    by_course = client.get("/console/revisao", params={"curso": "ed 202"})
    assert unb in by_course.text and ufpb not in by_course.text
    assert ufpb not in client.get("/console/revisao", params={"dias": "1"}).text  # opened today
    for field, value in (("dias", "muitos"), ("dias", "99999"), ("curso", "x" * 201)):
        wrong = client.get("/console/revisao", params={field: value})
        assert wrong.status_code == 422 and f'id="{field}-erro"' in wrong.text, (field, value)


def test_the_queue_and_the_item_show_both_courses_their_ementas_and_topics(client: TestClient) -> None:
    """The parecerista reads what was compared: names in the queue; names, escaped ementas and the
    destino's topics (covered with the origem's excerpt, partial, missing) on the item page."""
    request_id = f"cons-{uuid.uuid4().hex[:12]}"
    ementa = "Modelo entidade-relacionamento <b>E-R</b>.\nLinguagem SQL. Normalização e formas normais. Transações. " + "Índices. " * 80
    origem = {**UNKNOWN_APPROVAL, "nome": "Bancos de Dados I", "ementa": ementa, "instituicao": "UFPB", "codigo": "BD101"}
    body = {"request_id": request_id, "origem": origem, "destino": {**DESTINO, "codigo": "ED202"}}
    answer = client.post("/v1/equivalences/evaluate", json=body, headers={"X-API-Key": KEYS["client"]})
    assert answer.status_code == 200 and answer.json()["decisao"] == "ANALISE_HUMANA", answer.text
    review_id = client.get(f"/v1/equivalences/{request_id}", headers={"X-API-Key": KEYS["reviewer"]}).json()["revisao"]["review_id"]
    as_role(client, "reviewer")

    queue = client.get("/console/revisao")
    row = re.search(rf'<tr>\s*<td><a href="/console/revisao/{review_id}">.*?</tr>', queue.text, re.S)
    assert row is not None
    assert "<td>Bancos de Dados I (UFPB · BD101)</td>" in row.group(0) and "<td>Banco de Dados (ED202)</td>" in row.group(0)
    plain = open_item(client)  # no institution, no code: the names alone, never "—"
    plain_row = re.search(rf'<tr>\s*<td><a href="/console/revisao/{plain}">.*?</tr>', client.get("/console/revisao").text, re.S)
    assert plain_row is not None and re.search(r"<td>Banco de Dados I</td>\s*<td>Banco de Dados</td>", plain_row.group(0))

    page = client.get(f"/console/revisao/{review_id}").text
    assert "Disciplina de origem: Bancos de Dados I" in page and "Disciplina de destino: Banco de Dados" in page
    assert "Instituição: UFPB · Código: BD101" in page and "Código: ED202" in page
    assert "&lt;b&gt;E-R&lt;/b&gt;" in page and "<b>E-R</b>" not in page  # escaped, line breaks kept by CSS
    assert re.search(r'<details class="ementa">\s*<summary>Ementa \(\d+ caracteres\)', page)  # a long ementa starts folded
    assert re.search(r'<details class="ementa" open>\s*<summary>Ementa</summary>\s*<div class="ementa-texto">' + re.escape(DESTINO["ementa"]), page)
    assert '<h2 id="resultado-titulo">Decisão automática em revisão</h2>' in page  # the Avaliar page's panel
    assert "<h3>Tópicos do destino</h3>" in page and 'class="trecho">Origem: “' in page


def test_an_item_opened_before_the_courses_were_kept_says_so(client: TestClient, sqlite_url: str) -> None:
    review_id = open_item(client)
    engine = create_engine_for(sqlite_url)
    with session_factory(engine)() as session, session.begin():
        session.execute(update(ReviewItemRow).where(ReviewItemRow.review_id == review_id).values(disciplinas=None))
    engine.dispose()
    as_role(client, "reviewer")
    page = client.get(f"/console/revisao/{review_id}")
    assert page.status_code == 200 and "nomes e ementas não estão disponíveis" in page.text
