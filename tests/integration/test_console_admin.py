"""The console's *Catálogo*, *Auditoria* and *Chaves* over the real HTTP stack (issue 13, ADR 0037):
role gating (navigation and 403), CSRF, errors next to the field, and the same use cases as the
admin API (what a page does, the API then shows)."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient
from sqlalchemy import text

from adapters.persistence.database import create_engine_for
from tests.support.console import sign_in
from tests.support.curriculum_documents import curriculo_xml
from tests.support.http_api import KEYS, make_client

ADMIN = {"X-API-Key": KEYS["admin"]}
UNITS = [
    {"codigo": "MAT1", "nome": "Cálculo I", "carga_horaria": 60, "ementa": ["Limites."], "fase": "1"},
    {"codigo": "MAT2", "nome": "Cálculo II", "carga_horaria": 60, "pre_requisitos": ["MAT1"], "fase": "2"},
]
CSV = "codigo;nome;tipo;carga_horaria;unidade_carga;minutos_hora_aula;fase;ementa;pre_requisitos;equivalencias\nMAT1;Cálculo I;Disciplina;72;hora_aula;50;1;Limites|Derivadas;;\n"
PAGES = ("/console/catalogo", "/console/auditoria", "/console/chaves")


@pytest.fixture
def client(sqlite_url: str, tmp_path: Path) -> Iterator[TestClient]:
    yield from make_client(sqlite_url, tmp_path)


def as_role(client: TestClient, role: str) -> str:
    client.cookies.clear()
    return sign_in(client, KEYS[role])


def _name(tag: str) -> str:
    return f"{tag}-{uuid.uuid4().hex[:8]}"


@pytest.mark.parametrize(
    ("role", "visible"),
    [("admin", {"Catálogo", "Auditoria", "Chaves"}), ("auditor", {"Auditoria"}), ("reviewer", set()),
     ("coordinator", set()), ("client", set())],
)
def test_the_nav_shows_each_page_only_to_the_roles_the_api_allows(client: TestClient, role: str, visible: set[str]) -> None:
    as_role(client, role)
    home = client.get("/console").text
    for path, label in zip(PAGES, ("Catálogo", "Auditoria", "Chaves"), strict=True):
        shown = f'<a href="{path}">{label}</a>' in home
        assert shown == (label in visible), (role, label)
        answer = client.get(path)
        assert answer.status_code == (200 if label in visible else 403), (role, path, answer.status_code)
        if label not in visible:
            assert "não pode" in answer.text or "Somente chaves de administração" in answer.text


def test_every_form_is_refused_without_the_sessions_csrf_token(client: TestClient) -> None:
    as_role(client, "admin")
    keys_before = client.get("/admin/api_keys", headers=ADMIN).json()
    for path, form in (
        ("/console/chaves", {"nome": "sem csrf", "papel": "client"}),
        ("/console/chaves/no-such-key/revogar", {"confirmar": "1"}),
        ("/console/catalogo/vinculos", {"curso": "X1", "taxonomia": "http-test-1", "politica": "default-v1"}),
        ("/console/catalogo/curriculos", {"formato": "json", "conteudo": "{}"}),
        ("/console/catalogo/taxonomias/http-test-1/ativar", {"confirmar": "1"}),
    ):
        for token in (None, "forged-token"):
            data = form | ({"csrf_token": token} if token else {})
            refused = client.post(path, data=data)
            assert refused.status_code == 403 and "CSRF" in refused.text, (path, token)
    assert client.get("/admin/api_keys", headers=ADMIN).json() == keys_before


def test_a_key_created_shows_its_secret_once_then_rotated_and_revoked_after_a_confirmation(client: TestClient) -> None:
    csrf = as_role(client, "admin")
    posted = client.post("/console/chaves", data={"csrf_token": csrf, "nome": "Secretaria", "papel": "reviewer"}, follow_redirects=False)
    assert posted.status_code == 303 and posted.headers["location"] == "/console/chaves"  # POST-redirect-GET
    created = client.get(posted.headers["location"])
    assert created.status_code == 200 and created.headers["cache-control"] == "no-store"
    secret = re.search(r'id="segredo"[^>]*value="(eqv_live_[^"]+)"', created.text)
    assert secret, created.text
    listed = {k["name"]: k for k in client.get("/admin/api_keys", headers=ADMIN).json()}
    key_id = listed["Secretaria"]["key_id"]
    assert listed["Secretaria"]["role"] == "reviewer"
    assert client.get("/v1/reviews", headers={"X-API-Key": secret.group(1)}).status_code == 200  # a real key
    assert secret.group(1) not in client.get("/console/chaves").text  # never shown again

    confirm = client.get(f"/console/chaves/{key_id}/rotacionar")
    assert confirm.status_code == 200 and "Rotacionar a chave Secretaria?" in confirm.text
    rotated = client.post(f"/console/chaves/{key_id}/rotacionar", data={"csrf_token": csrf})
    assert rotated.status_code == 201 and f"Substitui a chave {key_id}" in rotated.text
    assert client.get("/v1/reviews", headers={"X-API-Key": secret.group(1)}).status_code == 401
    new_id = next(k["key_id"] for k in client.get("/admin/api_keys", headers=ADMIN).json() if k["name"] == "Secretaria" and k["status"] == "active")

    again = client.post(f"/console/chaves/{key_id}/rotacionar", data={"csrf_token": csrf})
    assert again.status_code == 409 and "já está revogada" in again.text

    assert "Revogar a chave Secretaria?" in client.get(f"/console/chaves/{new_id}/revogar").text
    revoked = client.post(f"/console/chaves/{new_id}/revogar", data={"csrf_token": csrf}, follow_redirects=False)
    assert revoked.status_code == 303 and revoked.headers["location"] == f"/console/chaves?revogada={new_id}"
    assert f"Chave {new_id} revogada." in client.get(revoked.headers["location"]).text
    assert all(k["status"] == "revoked" for k in client.get("/admin/api_keys", headers=ADMIN).json() if k["name"] == "Secretaria")


def test_reloading_the_page_that_shows_a_new_secret_creates_no_second_key_and_hides_the_secret(client: TestClient) -> None:
    csrf = as_role(client, "admin")
    before = len(client.get("/admin/api_keys", headers=ADMIN).json())
    shown = client.post("/console/chaves", data={"csrf_token": csrf, "nome": "Recarregada", "papel": "client"})
    assert shown.status_code == 200 and str(shown.url).endswith("/console/chaves")  # the browser is on the GET now
    secret = re.search(r'id="segredo"[^>]*value="(eqv_live_[^"]+)"', shown.text)
    assert secret and "Chave criada: Recarregada" in shown.text
    reloaded = client.get("/console/chaves")  # what a reload does: the GET again, not the POST
    assert reloaded.status_code == 200 and secret.group(1) not in reloaded.text and 'id="segredo"' not in reloaded.text
    keys = client.get("/admin/api_keys", headers=ADMIN).json()
    assert len(keys) == before + 1 and [k["name"] for k in keys].count("Recarregada") == 1


def test_key_form_errors_are_next_to_their_fields(client: TestClient) -> None:
    csrf = as_role(client, "admin")
    refused = client.post("/console/chaves", data={"csrf_token": csrf, "nome": " ", "papel": "root"})
    assert refused.status_code == 422
    assert '<p class="erro" id="nome-erro">' in refused.text and 'aria-describedby="nome-erro"' in refused.text
    assert '<p class="erro" id="papel-erro">Escolha o papel da chave.</p>' in refused.text


def test_another_tenants_key_is_not_found_and_revoking_the_own_key_ends_the_session(client: TestClient) -> None:
    other_keys = client.get("/admin/api_keys", headers={"X-API-Key": KEYS["other"]}).json()
    csrf = as_role(client, "admin")
    for key in other_keys:
        assert client.get(f"/console/chaves/{key['key_id']}/revogar").status_code == 404
        assert client.post(f"/console/chaves/{key['key_id']}/revogar", data={"csrf_token": csrf}).status_code == 404
    created = client.post("/console/chaves", data={"csrf_token": csrf, "nome": "Admin temporário", "papel": "admin"})
    secret = re.search(r'value="(eqv_live_[^"]+)"', created.text)
    assert secret
    client.cookies.clear()
    csrf = sign_in(client, secret.group(1))
    own = client.get("/admin/api_keys", headers=ADMIN).json()
    own_id = next(k["key_id"] for k in own if k["name"] == "Admin temporário")
    assert "esta sessão" in client.get("/console/chaves/" + own_id + "/revogar").text
    ended = client.post(f"/console/chaves/{own_id}/revogar", data={"csrf_token": csrf}, follow_redirects=False)
    assert ended.status_code == 303 and ended.headers["location"] == "/console/entrar"
    assert client.get("/console/chaves", follow_redirects=False).headers["location"] == "/console/entrar"


def test_audit_page_lists_filters_pages_and_verifies_the_chain(client: TestClient) -> None:
    csrf = as_role(client, "admin")
    for n in range(3):
        client.post("/console/chaves", data={"csrf_token": csrf, "nome": f"k{n}", "papel": "client"})
    as_role(client, "auditor")
    page = client.get("/console/auditoria", params={"tipo": "key.created"})
    assert page.status_code == 200 and page.text.count("<code>key.created</code>") >= 3
    assert "<code>tenant.created</code>" not in page.text
    admin_id = next(k["key_id"] for k in client.get("/admin/api_keys", headers=ADMIN).json() if k["role"] == "admin")
    by_actor = client.get("/console/auditoria", params={"ator": admin_id})
    assert by_actor.text.count(f"{admin_id} (admin)") >= 3
    assert "Nenhum evento com estes filtros." in client.get("/console/auditoria", params={"ator": "nobody-at-all"}).text
    future = client.get("/console/auditoria", params={"de": "2999-01-01"})
    assert "Nenhum evento com estes filtros." in future.text

    verified = client.get("/console/auditoria/verificar")
    assert verified.status_code == 200 and "veredito-ok" in verified.text and "Cadeia íntegra" in verified.text


@pytest.mark.parametrize(
    ("params", "field"),
    [({"de": "31/01/2026"}, "de"), ({"de": "2026-02-01", "ate": "2026-01-01"}, "ate"), ({"tipo": "no spaces"}, "tipo"),
     ({"ator": "a b"}, "ator")],
)
def test_audit_filter_errors_are_422_next_to_the_field(client: TestClient, params: dict[str, str], field: str) -> None:
    as_role(client, "auditor")
    refused = client.get("/console/auditoria", params=params)
    assert refused.status_code == 422 and f'<p class="erro" id="{field}-erro">' in refused.text


def test_audit_paging_is_keyset(client: TestClient) -> None:
    csrf = as_role(client, "admin")
    for n in range(55):
        client.post("/console/chaves", data={"csrf_token": csrf, "nome": f"p{n}", "papel": "client"})
    first = client.get("/console/auditoria")
    link = re.search(r'<a href="(/console/auditoria\?apos=\d+)" rel="next">', first.text)
    assert link, "a full page links the next one"
    second = client.get(link.group(1).replace("&amp;", "&"))
    seqs = [re.findall(r"<tr>\s*<td>(\d+)</td>", p.text) for p in (first, second)]
    assert seqs[0] and seqs[1] and int(seqs[1][0]) == int(seqs[0][-1]) + 1


def test_a_tampered_chain_is_reported_naming_the_broken_event(sqlite_url: str, client: TestClient) -> None:
    as_role(client, "admin")
    engine = create_engine_for(sqlite_url)
    with engine.begin() as connection:
        triggers = [row[0] for row in connection.execute(text("SELECT name FROM sqlite_master WHERE type='trigger' AND tbl_name='audit_events'"))]
        for trigger in triggers:
            connection.execute(text(f"DROP TRIGGER {trigger}"))
        seq = connection.execute(text("SELECT min(seq) FROM audit_events WHERE tenant_id='default'")).scalar()
        payload = json.dumps({"tampered": True})
        connection.execute(text("UPDATE audit_events SET payload=:p WHERE tenant_id='default' AND seq=:s"), {"p": payload, "s": seq})
    engine.dispose()
    verified = client.get("/console/auditoria/verificar")
    assert "veredito-falha" in verified.text and f"O evento nº {seq} foi alterado" in verified.text


def test_catalog_lists_versions_with_detail_pages_and_refuses_what_the_api_refuses(client: TestClient) -> None:
    csrf = as_role(client, "admin")
    page = client.get("/console/catalogo")
    assert page.status_code == 200 and 'href="/console/catalogo/taxonomias/http-test-1"' in page.text
    assert 'href="/console/catalogo/politicas/default-v1"' in page.text
    detail = client.get("/console/catalogo/taxonomias/http-test-1")
    assert detail.status_code == 200 and "Conceitos por área" in detail.text
    assert client.get("/console/catalogo/politicas/default-v1").status_code == 200
    assert client.get("/console/catalogo/taxonomias/no-such-version").status_code == 404
    assert client.get("/console/catalogo/bananas/x").status_code == 404
    default = client.get("/admin/tenant", headers=ADMIN).json()
    taxonomy = default.get("default_taxonomy_version") or "http-test-1"
    assert "/descontinuar" not in client.get(f"/console/catalogo/taxonomias/{taxonomy}").text  # the version in use
    refused = client.post(f"/console/catalogo/taxonomias/{taxonomy}/descontinuar", data={"csrf_token": csrf, "confirmado": "sim"})
    assert refused.status_code == 409 and 'id="acao-erro"' in refused.text


def test_a_curriculum_imported_activated_and_deprecated_through_the_console(client: TestClient) -> None:
    csrf = as_role(client, "admin")
    first, second = _name("cur-a"), _name("cur-b")
    body = json.dumps({"version": first, "nome_curso": "Matemática", "units": UNITS})
    imported = client.post("/console/catalogo/curriculos", data={"csrf_token": csrf, "formato": "json", "conteudo": body}, follow_redirects=False)
    assert imported.status_code == 303, imported.text
    as_csv = client.post("/console/catalogo/curriculos", data={"csrf_token": csrf, "formato": "csv", "versao": second, "conteudo": CSV}, follow_redirects=False)
    assert as_csv.status_code == 303, as_csv.text
    listed = {c["version"]: c for c in client.get("/admin/curricula", headers=ADMIN).json()}
    assert listed[first]["unit_count"] == 2 and listed[second]["source_format"] == "csv"
    detail = client.get(f"/console/catalogo/curriculos/{first}")
    assert "Cálculo II" in detail.text and "Unidades (2)" in detail.text
    assert client.post(f"/console/catalogo/curriculos/{first}/ativar", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    assert client.get(f"/admin/curricula/{first}", headers=ADMIN).json()["is_default"] is True
    assert f'href="/console/catalogo/curriculos/{first}/descontinuar"' not in client.get(f"/console/catalogo/curriculos/{first}").text
    current = client.post(f"/console/catalogo/curriculos/{first}/descontinuar", data={"csrf_token": csrf, "confirmado": "sim"})
    assert current.status_code == 409 and "versão padrão (ou atual)" in current.text
    assert f'href="/console/catalogo/curriculos/{second}/descontinuar"' in client.get(f"/console/catalogo/curriculos/{second}").text
    asked = client.get(f"/console/catalogo/curriculos/{second}/descontinuar")
    assert asked.status_code == 200 and 'name="confirmado" value="sim"' in asked.text and "Não há como desfazer" in asked.text
    unconfirmed = client.post(f"/console/catalogo/curriculos/{second}/descontinuar", data={"csrf_token": csrf})
    assert unconfirmed.status_code == 200 and 'name="confirmado" value="sim"' in unconfirmed.text  # asks, does nothing
    assert client.get(f"/admin/curricula/{second}", headers=ADMIN).json()["status"] == "active"
    gone = client.post(f"/console/catalogo/curriculos/{second}/descontinuar", data={"csrf_token": csrf, "confirmado": "sim"}, follow_redirects=False)
    assert gone.status_code == 303 and client.get(f"/admin/curricula/{second}", headers=ADMIN).json()["status"] == "deprecated"
    assert client.post("/console/catalogo/politicas/default-v1/descontinuar", data={"csrf_token": csrf}).status_code == 404  # no such API action


@pytest.mark.parametrize(
    ("form", "field", "says"),
    [
        ({"formato": "csv", "conteudo": CSV}, "versao", "Um CSV não traz o nome da versão"),
        ({"formato": "json", "conteudo": ""}, "conteudo", "Escolha um arquivo"),
        ({"formato": "json", "conteudo": '{"version": "x1", "units": [{"codigo": "A", "nome": "A"}]}'}, "conteudo", "units[0]"),
        ({"formato": "xml", "conteudo": "<Curriculo><nada/></Curriculo>"}, "conteudo", "O arquivo não foi aceito"),
        ({"formato": "pdf", "conteudo": "x"}, "formato", "Escolha o formato"),
    ],
)
def test_curriculum_import_errors_are_next_to_the_field_naming_the_element(
    client: TestClient, form: dict[str, str], field: str, says: str
) -> None:
    csrf = as_role(client, "admin")
    refused = client.post("/console/catalogo/curriculos", data={"csrf_token": csrf, **form})
    assert refused.status_code == 422 and f'id="{field}-erro"' in refused.text and says in refused.text, refused.text


def test_a_mec_xml_is_imported_and_a_bad_one_is_refused_naming_its_element(client: TestClient) -> None:
    csrf = as_role(client, "admin")
    good = client.post("/console/catalogo/curriculos", data={"csrf_token": csrf, "formato": "xml", "versao": _name("xml"), "conteudo": curriculo_xml().decode()}, follow_redirects=False)
    assert good.status_code == 303, good.text
    bad = client.post("/console/catalogo/curriculos", data={"csrf_token": csrf, "formato": "xml", "conteudo": curriculo_xml(minutos="abc").decode()})
    assert bad.status_code == 422 and "CurriculoEscolar/infCurriculoEscolar/MinutosRelogioDaHoraAula: line 6" in bad.text


def test_a_binding_created_in_the_console_is_the_apis_binding(client: TestClient) -> None:
    csrf = as_role(client, "admin")
    saved = client.post("/console/catalogo/vinculos", data={"csrf_token": csrf, "curso": "BD-101", "taxonomia": "http-test-1", "politica": "default-v1"}, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    assert client.get("/admin/course_bindings/BD-101", headers=ADMIN).json()["taxonomy_version"] == "http-test-1"
    assert "<td>BD-101</td>" in client.get("/console/catalogo").text
    refused = client.post("/console/catalogo/vinculos", data={"csrf_token": csrf, "curso": "a/b", "taxonomia": "no-such", "politica": ""})
    assert refused.status_code == 422
    for field in ("curso", "politica"):
        assert f'id="{field}-erro"' in refused.text
    unknown = client.post("/console/catalogo/vinculos", data={"csrf_token": csrf, "curso": "BD-102", "taxonomia": "no-such", "politica": "default-v1"})
    assert unknown.status_code == 422 and '<p class="erro" id="taxonomia-erro">Versão não encontrada.</p>' in unknown.text


def test_another_tenants_curriculum_is_a_404_like_a_missing_one(client: TestClient) -> None:
    theirs = _name("theirs")
    created = client.post("/admin/curricula", json={"version": theirs, "units": UNITS}, headers={"X-API-Key": KEYS["other"]})
    assert created.status_code == 201, created.text
    csrf = as_role(client, "admin")
    for version in (theirs, "no-such-version"):
        page = client.get(f"/console/catalogo/curriculos/{version}")
        assert page.status_code == 404 and "Versão não encontrada neste tenant." in page.text
        assert client.post(f"/console/catalogo/curriculos/{version}/ativar", data={"csrf_token": csrf}).status_code == 404
    assert theirs not in client.get("/console/catalogo").text
