"""*Catálogo* (admin only, like `/admin/*`; ADR 0037): taxonomies, policies, curricula, bindings.

The same `Taxonomies`, `Policies`, `Curricula` and `Bindings` use cases as the admin API, with
the session's tenant and key as the actor; a curriculum file is decoded by the API's own
`_decode` (JSON, CSV or MEC XML). Versions are listed with their status and detail pages;
activate/deprecate exist where the API has them (no deprecating a policy). A refusal is shown
next to the form that caused it: 404 for a version this tenant cannot see, 409 for a state that
forbids the change, 422 for a file or field the rules refuse (each problem naming its element).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any

import anyio.to_thread
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import PathParameter, QueryParameter
from litestar.response import Redirect

from adapters.curricula.document import CurriculumFormatError
from adapters.http.auth import ADMIN_ONLY
from adapters.http.body_guard import BODY_LIMIT
from adapters.http.console.access import form_session, page, page_session, refused_page
from adapters.http.console.routes import FORM_OPT
from adapters.http.console.sessions import ConsoleSession, ConsoleSessions
from adapters.http.routes_curricula import _decode
from core.domain.actors import principal_actor
from core.domain.catalog import VERSION_PATTERN
from core.domain.curriculum import InvalidCurriculum
from core.domain.errors import CatalogConflict, DomainError, NotFound, VersionExists, VersionNotFound
from core.domain.records import CourseBinding
from core.usecases.bindings import Bindings
from core.usecases.curricula import Curricula
from core.usecases.policies import Policies
from core.usecases.taxonomies import Taxonomies

Segment = Annotated[str, PathParameter()]  # checked against KINDS, ACTIONS and VERSION_PATTERN by the handler: 404
NOT_ADMIN = "Somente chaves de administração gerenciam o catálogo."
VERSION = re.compile(VERSION_PATTERN)
COURSE = re.compile(r"^[^\x00-\x1f\x7f/]{1,100}$")
KINDS = {"taxonomias": "Taxonomia", "politicas": "Política", "curriculos": "Currículo"}
ACTIONS = {("taxonomias", "ativar"), ("taxonomias", "descontinuar"), ("politicas", "ativar"),
           ("curriculos", "ativar"), ("curriculos", "descontinuar")}
FORMATS = {"json": "JSON", "csv": "CSV (uma linha por unidade)", "xml": "XML do Currículo Escolar Digital (MEC)"}
STATUS = {"active": "Ativa", "deprecated": "Descontinuada"}
MISSING = "Versão não encontrada neste tenant."
CONFLICT = "O estado do catálogo não permite isto"


def _data(moment: Any) -> str:
    return moment.strftime("%d/%m/%Y %H:%M UTC") if moment is not None else "—"


class CatalogUseCases:
    """The four use cases the pages call (each handler receives them by provider name), bundled."""

    def __init__(self, taxonomies: Taxonomies, policies: Policies, curricula: Curricula, bindings: Bindings) -> None:
        self.taxonomies, self.policies, self.curricula, self.bindings = taxonomies, policies, curricula, bindings

    def overview(self, tenant: str) -> dict[str, Any]:
        taxonomies, tax_default = self.taxonomies.catalog(tenant)
        curricula, cur_default = self.curricula.catalog(tenant)
        return {
            "taxonomias": [{"versao": t.version, "conceitos": t.concepts or 0, "estado": STATUS.get(t.status, t.status),
                            "ativa": not t.deprecated, "escopo": "compartilhada" if t.shared else "própria",
                            "padrao": t.version == tax_default, "criada": _data(t.created_at)} for t in taxonomies],
            "politicas": [{"versao": p.info.version, "escopo": "compartilhada" if p.info.shared else "própria",
                           "padrao": p.is_default, "deferir": p.policy.min_score_deferir, "criada": _data(p.info.created_at)}
                          for p in self.policies.catalog(tenant)],
            "curriculos": [{"versao": c.version, "curso": c.nome_curso or "—", "unidades": c.units,
                            "horas": f"{c.clock_hours:g}", "estado": STATUS.get(c.status, c.status), "formato": c.source_format,
                            "atual": c.version == cur_default, "criada": _data(c.created_at)} for c in curricula],
            "vinculos": [{"curso": b.course_id, "taxonomia": b.taxonomy_version, "politica": b.policy_version}
                         for b in self.bindings.all(tenant)],
        }

    def detail(self, tenant: str, kind: str, version: str) -> dict[str, Any]:
        if kind == "taxonomias":
            view = self.taxonomies.show(tenant, version, False)
            return {"estado": STATUS.get(view.info.status, view.info.status), "ativa": not view.info.deprecated,
                    "padrao": view.is_default, "compartilhada": view.info.shared, "criada": _data(view.info.created_at),
                    "campos": [("Conceitos", view.info.concepts or 0), ("Conceitos críticos", view.critical)],
                    "areas": sorted(view.areas.items())}
        if kind == "politicas":
            pview = self.policies.show(tenant, version)
            p = pview.policy
            campos = [("Score mínimo para deferir", p.min_score_deferir), ("Score mínimo para complementação", p.min_score_complemento),
                      ("Tolerância de carga horária", p.tolerancia_carga), ("Exigir conceitos críticos", "sim" if p.exigir_criticos else "não"),
                      ("Validade máxima (anos)", p.max_anos_validade or "sem limite"),
                      ("Pesos (cobertura / crítica / nível)", f"{p.weights.cobertura} / {p.weights.critica} / {p.weights.nivel}"),
                      ("Corte de confiança", p.confidence_cutoff), ("Aprovação não informada", p.aprovacao_nao_informada),
                      ("Prazo do parecer (dias)", p.prazo_parecer_dias), ("Prazo de recurso (dias úteis)", p.prazo_recurso_dias),
                      ("Homologação obrigatória", "sim" if p.homologacao_obrigatoria else "não")]
            return {"estado": "Ativa", "ativa": True, "padrao": pview.is_default, "compartilhada": pview.info.shared,
                    "criada": _data(pview.info.created_at), "campos": campos, "areas": []}
        cview = self.curricula.show(tenant, version, True)
        info, units = cview.info, cview.curriculum.units if cview.curriculum else ()
        return {"estado": STATUS.get(info.status, info.status), "ativa": info.status == "active", "padrao": cview.is_default,
                "compartilhada": False, "criada": _data(info.created_at),
                "campos": [("Curso", info.nome_curso or "—"), ("Código do currículo", info.codigo_curriculo or "—"),
                           ("Unidades", info.units), ("Carga horária (horas-relógio)", f"{info.clock_hours:g}"),
                           ("Formato de origem", info.source_format)],
                "areas": [], "unidades": [{"codigo": u.codigo, "nome": u.nome, "tipo": getattr(u.tipo, "value", u.tipo), "fase": u.fase or "—",
                                           "carga": f"{u.workload.clock_hours():g}",
                                           "pre": ", ".join(u.pre_requisitos) or "—"} for u in units]}

    def act(self, session: ConsoleSession, kind: str, action: str, version: str) -> None:
        tenant, actor = session.principal.tenant_id, principal_actor(session.principal)
        moves: dict[tuple[str, str], Callable[[str, str, dict[str, Any]], object]] = {
            ("taxonomias", "ativar"): self.taxonomies.activate, ("taxonomias", "descontinuar"): self.taxonomies.deprecate,
            ("politicas", "ativar"): self.policies.activate,
            ("curriculos", "ativar"): self.curricula.activate, ("curriculos", "descontinuar"): self.curricula.deprecate,
        }
        moves[(kind, action)](tenant, version, actor)


async def _overview(session: ConsoleSession, catalog: CatalogUseCases, status: int = 200, **context: Any) -> Any:
    data = await anyio.to_thread.run_sync(catalog.overview, session.principal.tenant_id)
    defaults: dict[str, Any] = {"erros": {}, "valores": {}, "problemas": [], "aviso": None}
    return page("catalogo.html", session, status, formatos=FORMATS, **data, **(defaults | context))


async def _detail(session: ConsoleSession, catalog: CatalogUseCases, kind: str, version: str, status: int = 200, erro: str | None = None) -> Any:
    if kind not in KINDS or not VERSION.match(version):
        return refused_page(MISSING, 404)
    try:
        detail = await anyio.to_thread.run_sync(catalog.detail, session.principal.tenant_id, kind, version)
    except (NotFound, VersionNotFound):
        return refused_page(MISSING, 404)
    return page("catalogo_versao.html", session, status, tipo=kind, rotulo=KINDS[kind], versao=version, erro=erro,
                pode_descontinuar=_may_deprecate(kind, detail), **detail)


def _may_deprecate(kind: str, detail: dict[str, Any]) -> bool:
    """Never the version in use (the use case refuses it: 409), nor a shared or deprecated one."""
    return (kind, "descontinuar") in ACTIONS and detail["ativa"] and not detail["compartilhada"] and not detail.get("padrao")


async def _confirm_deprecation(session: ConsoleSession, catalog: CatalogUseCases, kind: str, version: str) -> Any:
    """Descontinuar cannot be undone: like Chaves and Encerrar vigência, it asks first."""
    if (kind, "descontinuar") not in ACTIONS or not VERSION.match(version):
        return refused_page(MISSING, 404)
    try:
        detail = await anyio.to_thread.run_sync(catalog.detail, session.principal.tenant_id, kind, version)
    except (NotFound, VersionNotFound):
        return refused_page(MISSING, 404)
    return page("catalogo_descontinuar.html", session, 200, tipo=kind, rotulo=KINDS[kind], versao=version,
                pode_descontinuar=_may_deprecate(kind, detail))


class CatalogConsoleController(Controller):
    path = "/console/catalogo"
    include_in_schema = False

    @get("/")
    async def overview(
        self, request: Request[Any, Any, Any], console_sessions: NamedDependency[ConsoleSessions],
        taxonomies: NamedDependency[Taxonomies], policies: NamedDependency[Policies],
        curricula: NamedDependency[Curricula], bindings: NamedDependency[Bindings], feito: Annotated[str | None, QueryParameter(required=False)] = None,
    ) -> Any:
        console_catalog = CatalogUseCases(taxonomies, policies, curricula, bindings)
        door = page_session(request, console_sessions, ADMIN_ONLY, NOT_ADMIN)
        if door.session is None:
            return door.answer
        aviso = {"curriculo": "Currículo importado.", "vinculo": "Vínculo gravado."}.get(feito or "")
        return await _overview(door.session, console_catalog, aviso=aviso)

    @get("/{tipo:str}/{versao:str}")
    async def version(
        self, request: Request[Any, Any, Any], tipo: Segment, versao: Segment, console_sessions: NamedDependency[ConsoleSessions],
        taxonomies: NamedDependency[Taxonomies], policies: NamedDependency[Policies],
        curricula: NamedDependency[Curricula], bindings: NamedDependency[Bindings],
    ) -> Any:
        console_catalog = CatalogUseCases(taxonomies, policies, curricula, bindings)
        door = page_session(request, console_sessions, ADMIN_ONLY, NOT_ADMIN)
        if door.session is None:
            return door.answer
        return await _detail(door.session, console_catalog, tipo, versao)

    @get("/{tipo:str}/{versao:str}/{acao:str}")  # same shape as the POST: a static segment would shadow it (405)
    async def confirm_deprecation(
        self, request: Request[Any, Any, Any], tipo: Segment, versao: Segment, acao: Segment, console_sessions: NamedDependency[ConsoleSessions],
        taxonomies: NamedDependency[Taxonomies], policies: NamedDependency[Policies],
        curricula: NamedDependency[Curricula], bindings: NamedDependency[Bindings],
    ) -> Any:
        console_catalog = CatalogUseCases(taxonomies, policies, curricula, bindings)
        door = page_session(request, console_sessions, ADMIN_ONLY, NOT_ADMIN)
        if door.session is None:
            return door.answer
        if acao != "descontinuar":
            return refused_page(MISSING, 404)
        return await _confirm_deprecation(door.session, console_catalog, tipo, versao)

    @post("/{tipo:str}/{versao:str}/{acao:str}", opt=FORM_OPT)
    async def change(
        self, request: Request[Any, Any, Any], tipo: Segment, versao: Segment, acao: Segment,
        console_sessions: NamedDependency[ConsoleSessions], taxonomies: NamedDependency[Taxonomies], policies: NamedDependency[Policies],
        curricula: NamedDependency[Curricula], bindings: NamedDependency[Bindings],
    ) -> Any:
        console_catalog = CatalogUseCases(taxonomies, policies, curricula, bindings)
        door = await form_session(request, console_sessions, ADMIN_ONLY, NOT_ADMIN)
        if door.session is None:
            return door.answer
        if (tipo, acao) not in ACTIONS or not VERSION.match(versao):
            return refused_page(MISSING, 404)
        if acao == "descontinuar" and (door.form or {}).get("confirmado") != "sim":
            return await _confirm_deprecation(door.session, console_catalog, tipo, versao)
        try:
            await anyio.to_thread.run_sync(console_catalog.act, door.session, tipo, acao, versao)
        except (NotFound, VersionNotFound):
            return refused_page(MISSING, 404)
        except CatalogConflict as error:
            return await _detail(door.session, console_catalog, tipo, versao, 409, f"{CONFLICT}: {_conflict(error)}")
        return Redirect(path=f"/console/catalogo/{tipo}/{versao}", status_code=303)

    @post("/curriculos", opt={**FORM_OPT, BODY_LIMIT: "taxonomy"})
    async def import_curriculum(
        self, request: Request[Any, Any, Any], console_sessions: NamedDependency[ConsoleSessions],
        taxonomies: NamedDependency[Taxonomies], policies: NamedDependency[Policies],
        curricula: NamedDependency[Curricula], bindings: NamedDependency[Bindings],
    ) -> Any:
        console_catalog = CatalogUseCases(taxonomies, policies, curricula, bindings)
        door = await form_session(request, console_sessions, ADMIN_ONLY, NOT_ADMIN)
        if door.session is None or door.form is None:
            return door.answer
        session, valores = door.session, door.form
        erros, problemas = _import_errors(valores), []
        if not erros:
            try:
                await anyio.to_thread.run_sync(_import, console_catalog.curricula, session, valores)
            except CurriculumFormatError as error:
                problemas = [f"{field}: {message}" for field, message in error.problems]
            except InvalidCurriculum as error:
                problemas = [f"{error.field}: {error}"]
            except VersionExists:
                erros["versao"] = "Já existe uma versão com este nome; versões gravadas não mudam. Use outro nome."
            if problemas:
                erros["conteudo"] = "O arquivo não foi aceito. Problemas encontrados (elemento ou campo: motivo):"
        if erros:
            valores.pop("conteudo", None)  # not sent back: it may be large; the file is still in the form
            return await _overview(session, console_catalog, 422, erros=erros, valores=valores, problemas=problemas, abrir="importar")
        return Redirect(path="/console/catalogo?feito=curriculo", status_code=303)

    @post("/vinculos", opt=FORM_OPT)
    async def bind(
        self, request: Request[Any, Any, Any], console_sessions: NamedDependency[ConsoleSessions],
        taxonomies: NamedDependency[Taxonomies], policies: NamedDependency[Policies],
        curricula: NamedDependency[Curricula], bindings: NamedDependency[Bindings],
    ) -> Any:
        console_catalog = CatalogUseCases(taxonomies, policies, curricula, bindings)
        door = await form_session(request, console_sessions, ADMIN_ONLY, NOT_ADMIN)
        if door.session is None or door.form is None:
            return door.answer
        session, valores = door.session, door.form
        erros = {}
        if not COURSE.match(valores.get("curso", "")):
            erros["curso"] = "Informe o código da disciplina (até 100 caracteres, sem barra)."
        for field, label in (("taxonomia", "a taxonomia"), ("politica", "a política")):
            if not VERSION.match(valores.get(field, "")):
                erros[field] = f"Escolha {label}."
        if not erros:
            binding = CourseBinding(session.principal.tenant_id, valores["curso"], valores["taxonomia"], valores["politica"])
            try:
                await anyio.to_thread.run_sync(console_catalog.bindings.set, binding, principal_actor(session.principal))
            except VersionNotFound as error:
                field = "politica" if error.field == "policy_version" else "taxonomia"
                erros[field] = "Versão descontinuada: escolha uma ativa." if "deprecated" in str(error) else "Versão não encontrada."
            except DomainError as error:
                erros["curso"] = f"Não aceito: {error}"
        if erros:
            return await _overview(session, console_catalog, 422, erros=erros, valores=valores, abrir="vincular")
        return Redirect(path="/console/catalogo?feito=vinculo", status_code=303)


def _conflict(error: CatalogConflict) -> str:
    text = str(error)
    if "default" in text or "current" in text:
        return "é a versão padrão (ou atual) do tenant; ative outra antes."
    if "shared" in text:
        return "versões compartilhadas só mudam pela linha de comando do operador."
    if "bound" in text:
        return "há disciplinas vinculadas a esta versão."
    if "deprecated" in text:
        return "a versão está descontinuada."
    return text


def _import_errors(valores: dict[str, str]) -> dict[str, str]:
    erros = {}
    if valores.get("formato") not in FORMATS:
        erros["formato"] = "Escolha o formato do arquivo."
    versao = valores.get("versao", "")
    if versao and not VERSION.match(versao):
        erros["versao"] = "Nome de versão inválido: letras, dígitos e . _ : - (até 100), começando por letra ou dígito."
    elif not versao and valores.get("formato") == "csv":
        erros["versao"] = "Um CSV não traz o nome da versão: informe-o aqui."
    if not valores.get("conteudo"):
        erros["conteudo"] = "Escolha um arquivo ou cole o conteúdo do currículo."
    return erros


def _import(curricula: Curricula, session: ConsoleSession, valores: dict[str, str]) -> None:
    curriculum = _decode(valores["conteudo"].encode(), valores["formato"], valores.get("versao") or None)
    curricula.import_version(session.principal.tenant_id, curriculum, principal_actor(session.principal))
