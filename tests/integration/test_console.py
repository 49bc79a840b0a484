"""The web console over the real HTTP stack: sign-in, Avaliar, CSRF, logout, idle expiry (issue 13)."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient

from adapters.http.console.sessions import ConsoleSessions, InMemorySessionStore
from adapters.http.security_headers import CONSOLE_CSP
from tests.fakes.system import FixedClock
from tests.support.console import csrf_of, pair_form, sign_in
from tests.support.http_api import DESTINO, KEYS, ORIGEM, make_client
from tests.support.e2e import as_posted

HTMX = {"HX-Request": "true"}


@pytest.fixture
def client(sqlite_url: str, tmp_path: Path) -> Iterator[TestClient]:
    yield from make_client(sqlite_url, tmp_path)


def test_the_sign_in_page_is_portuguese_labelled_and_under_the_console_csp(client: TestClient) -> None:
    page = client.get("/console/entrar")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.headers["content-security-policy"] == CONSOLE_CSP
    assert "script-src 'self'" in CONSOLE_CSP and "unsafe-inline" not in CONSOLE_CSP
    assert '<html lang="pt-BR">' in page.text and '<label for="chave">Chave de API</label>' in page.text
    assert "<script>" not in page.text and " style=" not in page.text  # no inline script or style
    login_cookie = page.headers["set-cookie"]
    assert "HttpOnly" in login_cookie and "SameSite=strict" in login_cookie


@pytest.mark.parametrize(
    ("role", "landing"),
    [("client", "/console/avaliar"), ("admin", "/console/avaliar"), ("auditor", "/console/auditoria"),
     ("reviewer", "/console/revisao"), ("coordinator", "/console/revisao")],
)
def test_each_role_lands_after_sign_in_on_the_page_it_uses_most(client: TestClient, role: str, landing: str) -> None:
    page = client.get("/console/entrar")
    answer = client.post("/console/entrar", data={"csrf_token": csrf_of(page.text), "chave": KEYS[role]}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == landing
    assert client.get(landing).status_code == 200  # a page the role may open, not a 403


def test_a_wrong_key_is_an_error_next_to_the_field(client: TestClient) -> None:
    page = client.get("/console/entrar")
    answer = client.post("/console/entrar", data={"csrf_token": csrf_of(page.text), "chave": "eqv_live_wrong"})
    assert answer.status_code == 401 and answer.headers["content-type"].startswith("text/html")
    assert 'aria-describedby="chave-erro"' in answer.text
    assert re.search(r'<p class="erro" id="chave-erro">Chave de API inválida', answer.text)
    assert "eqv_console=" not in answer.headers.get("set-cookie", "")


def test_sign_in_sets_an_opaque_httponly_strict_cookie_and_never_the_key(client: TestClient) -> None:
    page = client.get("/console/entrar")
    answer = client.post(
        "/console/entrar", data={"csrf_token": csrf_of(page.text), "chave": KEYS["client"]}, follow_redirects=False
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/console/avaliar"
    cookies = answer.headers.get_list("set-cookie")
    session = next(c for c in cookies if c.startswith("eqv_console="))
    assert "HttpOnly" in session and "SameSite=strict" in session and "Path=/console" in session
    assert "Secure" not in session  # plain HTTP here; see the HTTPS test
    assert all(KEYS["client"] not in c for c in cookies)
    avaliar = client.get("/console/avaliar")
    assert avaliar.status_code == 200 and KEYS["client"] not in avaliar.text
    assert avaliar.headers["cache-control"] == "no-store"
    assert '<a href="/console/avaliar">Avaliar</a>' in avaliar.text


def test_the_session_cookie_is_secure_over_https(client: TestClient) -> None:
    page = client.get("https://testserver.local/console/entrar")
    answer = client.post(
        "https://testserver.local/console/entrar",
        data={"csrf_token": csrf_of(page.text), "chave": KEYS["client"]}, follow_redirects=False,
    )
    session = next(c for c in answer.headers.get_list("set-cookie") if c.startswith("eqv_console="))
    assert "Secure" in session


def test_avaliar_calls_the_api_use_case_and_shows_topics_and_the_same_json(client: TestClient) -> None:
    csrf = sign_in(client, KEYS["client"])
    destino = {**DESTINO, "ementa": DESTINO["ementa"] + " Computação quântica aplicada."}
    answer = client.post("/console/avaliar", data=pair_form(ORIGEM, destino, csrf), headers=HTMX)
    assert answer.status_code == 200, answer.text
    assert "<html" not in answer.text  # HTMX gets the fragment only
    block = re.search(r"<pre><code>(.*?)</code></pre>", answer.text, re.S)
    assert block, answer.text
    shown = json.loads(html.unescape(block.group(1)))
    stored = client.get(f"/v1/equivalences/{shown['request_id']}", headers={"X-API-Key": KEYS["client"]})
    assert stored.status_code == 200 and as_posted(stored.json()) == shown  # the document the API returns
    assert 'class="topico coberto"><span class="estado">Coberto</span> SQL' in answer.text
    assert "Origem: “Linguagem SQL”" in answer.text  # the origem's excerpt covering it
    assert shown["topicos"]["faltantes"], shown["topicos"]
    for missing in shown["topicos"]["faltantes"]:
        assert f'<span class="estado">Faltante</span> {html.escape(missing)}' in answer.text
    assert "Decisão" in answer.text and shown["justificativa_curta"][:40] in html.unescape(answer.text)
    full = client.post("/console/avaliar", data=pair_form(ORIGEM, DESTINO, csrf))
    assert full.status_code == 200 and "<html" in full.text and "Deferido" in full.text


_REQUEST_ID = re.compile(r'name="request_id" value="([^"]+)"')


def test_the_same_rendered_avaliar_form_sent_twice_is_one_evaluation_replayed(client: TestClient) -> None:
    """A double click on Avaliar (or a retry) sends the form's own request id again: the second
    answer is the first one replayed, and only one review item opens; the answer carries a fresh
    id for the next evaluation."""
    csrf = sign_in(client, KEYS["client"])
    rendered = _REQUEST_ID.search(client.get("/console/avaliar").text)
    assert rendered, "the form carries no request id"
    origem = {k: v for k, v in ORIGEM.items() if k != "aprovado"}  # approval unknown: a review item opens
    form = pair_form(origem, DESTINO, csrf) | {"request_id": rendered.group(1)}
    answers = [client.post("/console/avaliar", data=form, headers=HTMX) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200], answers[-1].text
    shown = [json.loads(html.unescape(re.search(r"<pre><code>(.*?)</code></pre>", a.text, re.S).group(1))) for a in answers]  # type: ignore[union-attr]
    assert {s["request_id"] for s in shown} == {rendered.group(1)} and shown[0] == shown[2]
    assert shown[0]["decisao"] == "ANALISE_HUMANA"
    reviews = client.get("/v1/reviews", headers={"X-API-Key": KEYS["coordinator"]}).json()
    assert [i["request_id"] for i in reviews["items"]].count(rendered.group(1)) == 1
    fresh = {m.group(1) for a in answers if (m := _REQUEST_ID.search(a.text))}
    assert len(fresh) == 3 and rendered.group(1) not in fresh  # each answer: a new id for the next evaluation


def test_an_avaliar_form_edited_after_a_send_is_a_new_evaluation_not_a_conflict(client: TestClient) -> None:
    csrf = sign_in(client, KEYS["client"])
    form = pair_form(ORIGEM, DESTINO, csrf) | {"request_id": "console-edited-form-1"}
    first = client.post("/console/avaliar", data=form, headers=HTMX)
    edited = client.post("/console/avaliar", data=form | {"destino_nome": "Banco de Dados II"}, headers=HTMX)
    assert first.status_code == 200 and edited.status_code == 200, edited.text
    assert "console-edited-form-1" in first.text and '"request_id": "console-edited-form-1"' not in edited.text


def test_invalid_fields_are_reported_next_to_each_field(client: TestClient) -> None:
    csrf = sign_in(client, KEYS["client"])
    form = pair_form(ORIGEM, DESTINO, csrf) | {"origem_nome": "", "destino_carga_horaria": "sessenta"}
    answer = client.post("/console/avaliar", data=form, headers=HTMX)
    assert answer.status_code == 422 and answer.headers["content-type"].startswith("text/html")
    assert '<p class="erro" id="origem_nome-erro">Informe o nome da disciplina.</p>' in answer.text
    assert 'id="destino_carga_horaria-erro"' in answer.text and 'aria-invalid="true"' in answer.text
    assert 'value="sessenta"' in answer.text  # what was typed stays


def test_a_post_without_the_csrf_token_is_refused(client: TestClient) -> None:
    csrf = sign_in(client, KEYS["client"])
    form = pair_form(ORIGEM, DESTINO, csrf)
    del form["csrf_token"]
    refused = client.post("/console/avaliar", data=form)
    assert refused.status_code == 403 and refused.headers["content-type"].startswith("text/html")
    assert "código de segurança" in refused.text
    assert client.post("/console/avaliar", data=form | {"csrf_token": "forged"}).status_code == 403
    assert client.post("/console/sair", data={"outro": "1"}).status_code == 403
    client.cookies.clear()
    assert client.post("/console/entrar", data={"chave": KEYS["client"]}).status_code == 403  # no double-submit cookie


def test_logout_ends_the_session(client: TestClient) -> None:
    csrf = sign_in(client, KEYS["client"])
    answer = client.post("/console/sair", data={"csrf_token": csrf}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/console/entrar"
    assert 'eqv_console=""' in answer.headers["set-cookie"] and "Max-Age=0" in answer.headers["set-cookie"]
    again = client.get("/console/avaliar", follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == "/console/entrar"


def test_an_idle_session_is_sent_back_to_sign_in(client: TestClient) -> None:
    clock = FixedClock()
    client.app.state.console_sessions = ConsoleSessions(InMemorySessionStore(), clock, dt.timedelta(minutes=30))
    csrf = sign_in(client, KEYS["client"])
    clock.current += dt.timedelta(minutes=29)
    assert client.get("/console/avaliar").status_code == 200
    clock.current += dt.timedelta(minutes=30)
    answer = client.post("/console/avaliar", data=pair_form(ORIGEM, DESTINO, csrf), headers=HTMX)
    assert answer.status_code == 204 and answer.headers["HX-Redirect"] == "/console/entrar?expirada=1"
    page = client.get("/console/avaliar")  # the session is gone now: plain sign-in
    assert page.url.path == "/console/entrar" and "Chave de API" in page.text


def test_an_expired_session_page_says_so(client: TestClient) -> None:
    clock = FixedClock()
    client.app.state.console_sessions = ConsoleSessions(InMemorySessionStore(), clock, dt.timedelta(minutes=30))
    sign_in(client, KEYS["client"])
    clock.current += dt.timedelta(minutes=30)
    page = client.get("/console/avaliar")
    assert page.url.path == "/console/entrar" and "Sua sessão expirou por inatividade" in page.text


def test_navigation_follows_the_role(client: TestClient) -> None:
    sign_in(client, KEYS["auditor"])
    home = client.get("/console")
    assert home.status_code == 200 and "/console/avaliar" not in home.text and "Documentação da API" in home.text
    assert client.get("/console/avaliar").status_code == 403


def test_console_forms_must_be_urlencoded_and_bounded(client: TestClient) -> None:
    csrf = sign_in(client, KEYS["client"])
    as_json = client.post("/console/avaliar", json=pair_form(ORIGEM, DESTINO, csrf))
    assert as_json.status_code == 415
    huge = pair_form(ORIGEM, DESTINO, csrf) | {"origem_ementa": "x" * (3 * 1024 * 1024)}
    assert client.post("/console/avaliar", data=huge).status_code == 413
    assert client.post("/console/entrar", data={"chave": "x" * 70_000}).status_code == 413


def test_a_plain_form_post_too_large_or_malformed_gets_a_portuguese_page_not_json(client: TestClient) -> None:
    """A 100 KB paste on the sign-in page (or a too-large Avaliar) used to replace the page with
    the API's English JSON; the console answers HTML in Portuguese, the API keeps its JSON."""
    refused = client.post("/console/entrar", data={"chave": "x" * 100_000})
    assert refused.status_code == 413 and refused.headers["content-type"].startswith("text/html")
    assert "Texto grande demais: este formulário aceita no máximo 65.536 caracteres" in refused.text
    assert "status_code" not in refused.text and "data-mensagem-erro" in refused.text
    csrf = sign_in(client, KEYS["client"])
    huge = pair_form(ORIGEM, DESTINO, csrf) | {"origem_ementa": "x" * (3 * 1024 * 1024)}
    for headers in ({}, HTMX):
        answer = client.post("/console/avaliar", data=huge, headers=headers)
        assert answer.status_code == 413 and "Texto grande demais" in answer.text, answer.text[:300]
    as_json = client.post("/console/avaliar", json=pair_form(ORIGEM, DESTINO, csrf))
    assert as_json.status_code == 415 and "Formato de envio não aceito" in as_json.text
    api = client.post("/v1/equivalences/evaluate", content=b"{" + b" " * (3 * 1024 * 1024) + b"}",
                      headers={"X-API-Key": KEYS["client"], "Content-Type": "application/json"})
    assert api.status_code == 413 and api.json()["status_code"] == 413  # the API's contract, unchanged


def test_the_console_fields_carry_the_server_limits_as_maxlength(client: TestClient) -> None:
    assert 'maxlength="200"' in client.get("/console/entrar").text
    sign_in(client, KEYS["client"])
    page = client.get("/console/avaliar").text
    assert page.count('maxlength="20000"') == 2 and 'id="origem_nome" name="origem_nome" value="" type="text" maxlength="300"' in re.sub(r"\s+", " ", page)
