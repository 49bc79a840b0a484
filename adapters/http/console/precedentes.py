"""*Precedentes* (issue 13, ADR 0036): the tenant's equivalence table — search, import CSV, end a vigência.

The console face of /v1/precedents with the same roles (readers search; coordinators and admins
import and end) and the same use case, `Precedents`: the search is `Precedents.page` with a
`PrecedentFilter`, the import is the API's own `import_csv_table` (parse_precedents_csv, every
row or none), the end is `Precedents.end` with the session's actor (audited), after a
confirmation page. An error names the line and column of the CSV, next to the upload.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import urlencode

import anyio.to_thread
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.response import Redirect

from adapters.http.console.caso import UPLOAD_OPT
from adapters.http.console.access import Upload, form_session, page_session
from adapters.http.console.routes import FORM_OPT, _page, _refused
from adapters.http.console.sessions import ConsoleSession, ConsoleSessions
from adapters.http.routes_precedents import READERS, WRITERS, PrecedentId, import_csv_table
from core.domain.actors import principal_actor
from core.domain.errors import NotFound
from core.domain.precedents import InvalidPrecedent, Precedent, PrecedentFileImported
from core.ports.precedent_repository import PrecedentFilter
from core.usecases.precedents import Precedents

PAGE_SIZE = 50
NOT_A_READER = "Sua chave não pode ver os precedentes."
NOT_A_WRITER = "Só coordenação e administração importam precedentes ou encerram vigências."
FILTERS = ("instituicao", "codigo", "destino_codigo", "vigente_em")
Filter = Annotated[str | None, QueryParameter(required=False)]


class PrecedentConsoleController(Controller):
    path = "/console/precedentes"
    include_in_schema = False

    @get("/")
    async def search(
        self, request: Request[Any, Any, Any], console_sessions: NamedDependency[ConsoleSessions], precedents: NamedDependency[Precedents],
        instituicao: Filter = None, codigo: Filter = None, destino_codigo: Filter = None, vigente_em: Filter = None,
        apos: Filter = None, importados: Filter = None, encerrado: Filter = None,
    ) -> Any:
        door = page_session(request, console_sessions, READERS, NOT_A_READER)
        if door.session is None:
            return door.answer
        session = door.session
        filtros = {"instituicao": instituicao, "codigo": codigo, "destino_codigo": destino_codigo, "vigente_em": vigente_em}
        aviso = None
        if importados and importados.isdigit():
            aviso = f"{importados} precedente(s) importado(s). O arquivo inteiro foi aceito."
        elif encerrado:
            aviso = f"Vigência do precedente {encerrado} encerrada (registrada na auditoria)."
        return await _search_page(session, precedents, filtros, apos, aviso=aviso)

    @post("/importar", opt=UPLOAD_OPT)
    async def import_table(
        self, request: Request[Any, Any, Any], console_sessions: NamedDependency[ConsoleSessions], precedents: NamedDependency[Precedents],
    ) -> Any:
        door = await form_session(request, console_sessions, WRITERS, NOT_A_WRITER)
        if door.session is None:
            return door.answer
        session = door.session
        content = door.uploads.get("arquivo", Upload("", b"")).content
        if not content.strip():
            return await _search_page(session, precedents, {}, None, status=422, erro_importar="Escolha o arquivo CSV da tabela de precedentes.")
        try:
            made = await anyio.to_thread.run_sync(import_csv_table, content, session.principal, precedents)
        except InvalidPrecedent as error:
            return await _search_page(session, precedents, {}, None, status=422, erro_importar=_where(error))
        except PrecedentFileImported as error:
            return await _search_page(session, precedents, {}, None, status=409, erro_importar=f"{str(error)[0].upper()}{str(error)[1:]}.")
        return Redirect(path=f"/console/precedentes?importados={made.quantidade}", status_code=303)

    @get("/{precedent_id:str}/encerrar")
    async def confirm_end(
        self, request: Request[Any, Any, Any], precedent_id: PrecedentId,
        console_sessions: NamedDependency[ConsoleSessions], precedents: NamedDependency[Precedents],
    ) -> Any:
        door = page_session(request, console_sessions, WRITERS, NOT_A_WRITER)
        if door.session is None:
            return door.answer
        session = door.session
        return await _end_page(session, precedents, precedent_id, {}, {})

    @post("/{precedent_id:str}/encerrar", opt=FORM_OPT)
    async def end(
        self, request: Request[Any, Any, Any], precedent_id: PrecedentId,
        console_sessions: NamedDependency[ConsoleSessions], precedents: NamedDependency[Precedents],
    ) -> Any:
        door = await form_session(request, console_sessions, WRITERS, NOT_A_WRITER)
        if door.session is None or door.form is None:
            return door.answer
        session, form = door.session, door.form
        valores = {name: form.get(name, "") for name in ("vigencia_fim", "motivo")}
        erros: dict[str, str] = {}
        fim = _day(valores["vigencia_fim"], "vigencia_fim", erros)
        if not str(valores["motivo"]).strip():
            erros["motivo"] = "Informe o motivo do encerramento: ele fica registrado na auditoria."
        elif len(valores["motivo"]) > 2000:
            erros["motivo"] = "O motivo pode ter no máximo 2.000 caracteres."
        if not erros:
            actor = principal_actor(session.principal)
            try:
                await anyio.to_thread.run_sync(
                    precedents.end, session.principal.tenant_id, precedent_id, fim, valores["motivo"] or None, actor
                )
            except NotFound:
                return _refused("Precedente não encontrado.", 404)
            except InvalidPrecedent as error:
                erros[error.field if error.field == "motivo" else "vigencia_fim"] = f"Não foi possível encerrar: {error}"
        if erros:
            return await _end_page(session, precedents, precedent_id, valores, erros, status=422)
        return Redirect(path="/console/precedentes?" + urlencode({"encerrado": precedent_id}), status_code=303)


async def _search_page(
    session: ConsoleSession, precedents: Precedents, filtros: dict[str, str | None], apos: str | None,
    status: int = 200, erro_importar: str | None = None, aviso: str | None = None,
) -> Any:
    erros: dict[str, str] = {}
    valores = {name: (filtros.get(name) or "").strip() for name in FILTERS}
    for name in ("instituicao", "codigo", "destino_codigo"):
        if len(valores[name]) > 200:
            erros[name] = "No máximo 200 caracteres."
    dia = _day(valores["vigente_em"], "vigente_em", erros)
    if apos is not None and not (0 < len(apos) <= 64 and apos.replace("-", "").replace("_", "").replace(".", "").isalnum()):
        erros["apos"] = "Página inválida: volte ao início da lista."
    items: list[Precedent] = []
    today = precedents.today()
    if not erros:
        where = PrecedentFilter(valores["instituicao"] or None, valores["codigo"] or None, valores["destino_codigo"] or None, None, None, dia)
        items = await anyio.to_thread.run_sync(precedents.page, session.principal.tenant_id, PAGE_SIZE, apos, where)
    proxima = None
    if len(items) == PAGE_SIZE:
        proxima = "/console/precedentes?" + urlencode({**{k: v for k, v in valores.items() if v}, "apos": items[-1].precedent_id})
    return _page(
        "precedentes.html", session, status=422 if erros else status, valores=valores, erros=erros,
        itens=[_row(p, today) for p in items], proxima=proxima, pode_escrever=session.principal.role in WRITERS,
        erro_importar=erro_importar, aviso=aviso,
    )


async def _end_page(
    session: ConsoleSession, precedents: Precedents, precedent_id: str, valores: dict[str, str], erros: dict[str, str], status: int = 200
) -> Any:
    try:
        found = await anyio.to_thread.run_sync(precedents.get, session.principal.tenant_id, precedent_id)
    except NotFound:
        return _refused("Precedente não encontrado.", 404)
    return _page("precedente_encerrar.html", session, status=status, p=_row(found, precedents.today()),
                 valores={"vigencia_fim": "", "motivo": "", **valores}, erros=erros, hoje=precedents.today().isoformat())


def _day(text: str, field: str, erros: dict[str, str]) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        erros[field] = "Informe a data como AAAA-MM-DD (por exemplo 2026-12-31)."
        return None


def _where(error: InvalidPrecedent) -> str:
    """The import's refusal as the page says it: which line and column (the domain's `linhas[N].coluna`)."""
    field = error.field
    if field.startswith("linhas[") and "]." in field:
        line, column = field[len("linhas["):].split("].", 1)
        said = str(error).removeprefix(f"linha {line}: ")
        return f"Nada foi importado. Linha {line}, coluna “{column}”: {said}"
    where = {"cabecalho": "Cabeçalho (linha 1)", "arquivo": "Arquivo"}.get(field, field)
    return f"Nada foi importado. {where}: {error}"


def _row(p: Precedent, today: dt.date) -> dict[str, Any]:
    return {
        "id": p.precedent_id, "tipo": "Vinculante" if p.kind.value == "binding" else "Consultivo",
        "origens": " + ".join(f"{o.codigo}" for o in p.origens), "instituicao": p.origens[0].instituicao if p.origens else "",
        "destino": p.destino_codigo or "—", "course_id": p.course_id or "", "expressao": p.expressao or "",
        "inicio": p.valid_from.strftime("%d/%m/%Y"), "fim": "" if p.valid_to is None else p.valid_to.strftime("%d/%m/%Y"),
        "vigente": p.in_force(today), "encerrado": p.ended_at is not None, "escopo": p.escopo or "", "parecer": p.parecer or "",
    }
