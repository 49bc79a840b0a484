"""*Chaves* (admin only, ADR 0037): the tenant's API keys — list, create, rotate, revoke.

The same `ApiKeyAdmin` use case as `/admin/api_keys`, with the session's tenant and key as the
actor. A new key's plaintext is shown once: creating keeps it in the server-side session as a one-time
flash and redirects (303) to the list, which shows it and clears it — reloading that page makes no
second key and shows no secret (the router sends `Cache-Control: no-store`). Rotating and revoking go through a
confirmation page. Revoking or rotating the very key of this session also ends the session:
the key no longer opens anything.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import anyio.to_thread
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import PathParameter, QueryParameter
from litestar.response import Redirect

from adapters.http.console.access import form_session, page, page_session, refused_page
from adapters.http.console.routes import FORM_OPT, ROLE_NAMES
from adapters.http.console.sessions import ConsoleSession, ConsoleSessions
from adapters.http.auth import ADMIN_ONLY
from core.domain.actors import principal_actor
from core.domain.errors import InvalidInput, KeyRevoked, NotFound
from core.domain.records import ApiKeyRecord, Role
from core.usecases.keys import ApiKeyAdmin, IssuedKey

NOT_ADMIN = "Somente chaves de administração gerenciam chaves."
KEY_NOT_FOUND = "Chave não encontrada."
KeyId = Annotated[str, PathParameter()]  # checked by the use case: another tenant's key is as missing as an unknown one
Optional = Annotated[str | None, QueryParameter(required=False)]
ACOES = {
    "revogar": ("Revogar", "A chave deixa de funcionar na próxima requisição. Não há como desfazer."),
    "rotacionar": ("Rotacionar", "Uma chave nova, com o mesmo papel e nome, substitui esta; a atual é revogada na hora."),
}


def _data(moment: dt.datetime | None) -> str:
    return "—" if moment is None else moment.strftime("%d/%m/%Y %H:%M")


def _row(key: ApiKeyRecord) -> dict[str, Any]:
    return {
        "id": key.key_id, "prefixo": key.prefix, "nome": key.name, "papel": ROLE_NAMES[key.role],
        "ativa": key.revoked_at is None, "criada": _data(key.created_at), "uso": _data(key.last_used_at),
        "revogada": _data(key.revoked_at),
    }


async def _list_page(
    session: ConsoleSession, keys: ApiKeyAdmin, status: int = 200, **context: Any
) -> Any:
    records = await anyio.to_thread.run_sync(keys.list_keys, session.principal.tenant_id)
    defaults: dict[str, Any] = {"nova": None, "erros": {}, "valores": {}, "aviso": None}
    return page(
        "chaves.html", session, status, chaves=[_row(k) for k in records], papeis=ROLE_NAMES,
        propria=session.principal.key_id, **(defaults | context),
    )


def _issued(issued: IssuedKey) -> dict[str, str]:
    return {"segredo": issued.plaintext, "id": issued.record.key_id, "nome": issued.record.name,
            "papel": ROLE_NAMES[issued.record.role], "substitui": issued.replaced.key_id if issued.replaced else ""}


class KeysConsoleController(Controller):
    path = "/console/chaves"
    include_in_schema = False

    @get("/")
    async def keys(
        self, request: Request[Any, Any, Any], console_sessions: NamedDependency[ConsoleSessions],
        api_key_admin: NamedDependency[ApiKeyAdmin], revogada: Optional = None,
    ) -> Any:
        door = page_session(request, console_sessions, ADMIN_ONLY, NOT_ADMIN)
        if door.session is None:
            return door.answer
        aviso = f"Chave {revogada} revogada." if revogada and len(revogada) <= 64 and revogada.isprintable() else None
        nova = console_sessions.take_flash(door.session)
        return await _list_page(door.session, api_key_admin, nova=nova, aviso=aviso)

    @post("/", opt=FORM_OPT)
    async def create(
        self, request: Request[Any, Any, Any], console_sessions: NamedDependency[ConsoleSessions],
        api_key_admin: NamedDependency[ApiKeyAdmin],
    ) -> Any:
        door = await form_session(request, console_sessions, ADMIN_ONLY, NOT_ADMIN)
        if door.session is None or door.form is None:
            return door.answer
        session, valores = door.session, door.form
        erros = {}
        role = next((r for r in Role if r.value == valores.get("papel")), None)
        if role is None:
            erros["papel"] = "Escolha o papel da chave."
        if not valores.get("nome"):
            erros["nome"] = "Dê um nome à chave (quem ou o que vai usá-la)."
        if erros or role is None:
            return await _list_page(session, api_key_admin, 422, erros=erros, valores=valores)
        try:
            issued = await anyio.to_thread.run_sync(
                api_key_admin.create, session.principal.tenant_id, role, valores["nome"], principal_actor(session.principal)
            )
        except InvalidInput:
            erros["nome"] = "O nome deve ter de 1 a 200 caracteres, sem quebras de linha nem caracteres de controle."
            return await _list_page(session, api_key_admin, 422, erros=erros, valores=valores)
        console_sessions.put_flash(session, _issued(issued))
        return Redirect(path="/console/chaves", status_code=303)

    @get("/{key_id:str}/revogar")
    async def confirm_revoke(
        self, request: Request[Any, Any, Any], key_id: KeyId,
        console_sessions: NamedDependency[ConsoleSessions], api_key_admin: NamedDependency[ApiKeyAdmin],
    ) -> Any:
        return await _confirm(request, console_sessions, api_key_admin, key_id, "revogar")

    @get("/{key_id:str}/rotacionar")
    async def confirm_rotate(
        self, request: Request[Any, Any, Any], key_id: KeyId,
        console_sessions: NamedDependency[ConsoleSessions], api_key_admin: NamedDependency[ApiKeyAdmin],
    ) -> Any:
        return await _confirm(request, console_sessions, api_key_admin, key_id, "rotacionar")

    @post("/{key_id:str}/revogar", opt=FORM_OPT)
    async def revoke(
        self, request: Request[Any, Any, Any], key_id: KeyId,
        console_sessions: NamedDependency[ConsoleSessions], api_key_admin: NamedDependency[ApiKeyAdmin],
    ) -> Any:
        door = await form_session(request, console_sessions, ADMIN_ONLY, NOT_ADMIN)
        if door.session is None:
            return door.answer
        session = door.session
        try:
            await anyio.to_thread.run_sync(_revoke, api_key_admin, session, key_id)
        except NotFound:
            return refused_page(KEY_NOT_FOUND, 404)
        if key_id == session.principal.key_id:  # this session's own key: it opens nothing any more
            console_sessions.sign_out(session.session_id)
            return Redirect(path="/console/entrar", status_code=303)
        return Redirect(path=f"/console/chaves?revogada={key_id}", status_code=303)

    @post("/{key_id:str}/rotacionar", opt=FORM_OPT)
    async def rotate(
        self, request: Request[Any, Any, Any], key_id: KeyId,
        console_sessions: NamedDependency[ConsoleSessions], api_key_admin: NamedDependency[ApiKeyAdmin],
    ) -> Any:
        door = await form_session(request, console_sessions, ADMIN_ONLY, NOT_ADMIN)
        if door.session is None:
            return door.answer
        session = door.session
        try:
            issued = await anyio.to_thread.run_sync(_rotate, api_key_admin, session, key_id)
        except NotFound:
            return refused_page(KEY_NOT_FOUND, 404)
        except KeyRevoked:
            found = await _key(session, api_key_admin, key_id)
            rotulo, efeito = ACOES["rotacionar"]
            return page("chave_confirmar.html", session, 409, chave=_row(found) if found else {"id": key_id},
                        acao="rotacionar", rotulo=rotulo, efeito=efeito, propria=False,
                        erro="Esta chave já está revogada: crie uma chave nova em vez de rotacioná-la.")
        answer = await _list_page(session, api_key_admin, 201, nova=_issued(issued))
        if key_id == session.principal.key_id:  # shown once, then this session ends with its key
            console_sessions.sign_out(session.session_id)
        return answer


async def _confirm(request: Request[Any, Any, Any], sessions: ConsoleSessions, keys: ApiKeyAdmin, key_id: str, acao: str) -> Any:
    door = page_session(request, sessions, ADMIN_ONLY, NOT_ADMIN)
    if door.session is None:
        return door.answer
    found = await _key(door.session, keys, key_id)
    if found is None:
        return refused_page(KEY_NOT_FOUND, 404)
    rotulo, efeito = ACOES[acao]
    return page("chave_confirmar.html", door.session, chave=_row(found), acao=acao, rotulo=rotulo, efeito=efeito,
                propria=found.key_id == door.session.principal.key_id, erro=None)


async def _key(session: ConsoleSession, keys: ApiKeyAdmin, key_id: str) -> ApiKeyRecord | None:
    records = await anyio.to_thread.run_sync(keys.list_keys, session.principal.tenant_id)
    return next((k for k in records if k.key_id == key_id), None)


def _revoke(keys: ApiKeyAdmin, session: ConsoleSession, key_id: str) -> ApiKeyRecord:
    return keys.revoke(key_id, principal_actor(session.principal), tenant_id=session.principal.tenant_id)


def _rotate(keys: ApiKeyAdmin, session: ConsoleSession, key_id: str) -> IssuedKey:
    return keys.rotate(key_id, principal_actor(session.principal), tenant_id=session.principal.tenant_id)
