"""The web console (Portuguese, server-rendered, HTMX for the partial update): sign-in and *Avaliar*.

Pages authenticate with a console session (sessions.py), never with `X-API-Key`; every form
carries a CSRF token (the session's own, or for sign-in a double-submit cookie). *Avaliar* calls
the same `EvaluatePair` use case as `POST /v1/equivalences/evaluate`, with the command built by
the same `to_command`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import anyio.to_thread
import msgspec
from litestar import Controller, MediaType, Request, Response, Router, get, post
from litestar.datastructures import CacheControlHeader, Cookie, State
from litestar.di import NamedDependency, Provide
from litestar.response import Redirect, Template
from litestar.template.config import TemplateConfig
from litestar.params import QueryParameter
from litestar.plugins.jinja import JinjaTemplateEngine

from adapters.http.auth import ADMIN_ONLY, EVALUATORS
from adapters.http.body_guard import BODY_LIMIT, FORM_BODY
from adapters.http.console.error_pages import EXCEPTION_HANDLERS as CONSOLE_ERRORS
from adapters.http.console.forms import PairForm, empty_form, form_request_id, new_request_id, parse_pair, result_view
from adapters.http.console.sessions import ConsoleSession, ConsoleSessions, Lookup, new_token, same_token
from adapters.http.dto import EvaluateResponse
from adapters.http.routes_audit import AUDIT_READERS
from adapters.http.routes_equivalences import to_command
from adapters.http.routes_precedents import READERS as PRECEDENT_READERS
from adapters.http.routes_reviews import REVIEW_READERS
from core.domain.actors import principal_actor
from core.domain.errors import IdempotencyConflict
from core.domain.records import Principal, Role
from core.usecases.evaluate import EvaluateOutcome, EvaluatePair

SESSION_COOKIE = "eqv_console"
LOGIN_CSRF_COOKIE = "eqv_console_entrar"
CSRF_FIELD = "csrf_token"
TEMPLATES = Path(__file__).parent / "templates"
ROLE_NAMES = {
    Role.ADMIN: "administração", Role.CLIENT: "avaliação", Role.AUDITOR: "auditoria",
    Role.REVIEWER: "parecerista", Role.COORDINATOR: "coordenação",
}
Authenticate = Callable[[str | None], Principal | None]


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    return TemplateConfig(directory=TEMPLATES, engine=JinjaTemplateEngine)


def _cookie(request: Request[Any, Any, Any], key: str, value: str, path: str, max_age: int | None = None) -> Cookie:
    return Cookie(
        key=key, value=value, path=path, httponly=True, samesite="strict",
        secure=request.url.scheme == "https", max_age=max_age,
    )


def _nav(principal: Principal) -> list[dict[str, str]]:
    """Only what the key's role may use."""
    items = []
    if principal.role in EVALUATORS:
        items.append({"href": "/console/avaliar", "rotulo": "Avaliar"})
    if principal.role in REVIEW_READERS:
        items.append({"href": "/console/revisao", "rotulo": "Fila de revisão"})
    if principal.role in EVALUATORS:
        items.append({"href": "/console/caso", "rotulo": "Caso"})  # caso.py (ADR 0036)
    if principal.role in PRECEDENT_READERS:
        items.append({"href": "/console/precedentes", "rotulo": "Precedentes"})  # precedentes.py (ADR 0036)
    if principal.role in ADMIN_ONLY:
        items.append({"href": "/console/catalogo", "rotulo": "Catálogo"})
    if principal.role in AUDIT_READERS:
        items.append({"href": "/console/auditoria", "rotulo": "Auditoria"})
    if principal.role in ADMIN_ONLY:
        items.append({"href": "/console/chaves", "rotulo": "Chaves"})
    items.append({"href": "/schema", "rotulo": "Documentação da API"})
    return items


def _page(name: str, session: ConsoleSession, status: int = 200, **context: Any) -> Template:
    principal = session.principal
    return Template(
        template_name=name,
        context={
            "nav": _nav(principal), "csrf": session.csrf_token, "papel": ROLE_NAMES[principal.role],
            "tenant": principal.tenant_id, **context,
        },
        status_code=status,
        media_type=MediaType.HTML,  # whatever the handler's annotation says
    )


def _to_sign_in(request: Request[Any, Any, Any], expired: bool) -> Response[Any]:
    target = "/console/entrar?expirada=1" if expired else "/console/entrar"
    if request.headers.get("HX-Request") == "true":  # an HTMX call: make the whole page go there
        return Response(content=b"", status_code=204, headers={"HX-Redirect": target})
    return Redirect(path=target, status_code=303)


def _lookup(request: Request[Any, Any, Any], sessions: ConsoleSessions) -> Lookup:
    found = sessions.lookup(request.cookies.get(SESSION_COOKIE))
    if found.session is not None:
        request.state.tenant_id = found.session.principal.tenant_id  # for the request log
    return found


def _refused(message: str, status: int) -> Template:
    return Template(
        template_name="recusado.html", context={"mensagem": message}, status_code=status, media_type=MediaType.HTML
    )


# After sign-in each role lands on the page it uses most (ADR 0037); a role not listed lands on Início.
LANDING = {
    Role.CLIENT: "/console/avaliar", Role.ADMIN: "/console/avaliar", Role.AUDITOR: "/console/auditoria",
    Role.REVIEWER: "/console/revisao", Role.COORDINATOR: "/console/revisao",
}
CSRF_REFUSED = (
    "Formulário sem o código de segurança válido (CSRF): a sessão mudou, por exemplo ao entrar de novo em outra aba. "
    "Recarregue a página e envie de novo."
)
FORM_OPT = {FORM_BODY: True}


class ConsoleController(Controller):
    path = "/console"
    include_in_schema = False

    @get("/")
    async def home(self, request: Request[Any, Any, Any], console_sessions: NamedDependency[ConsoleSessions]) -> Any:
        lookup = _lookup(request, console_sessions)
        if lookup.session is None:
            return _to_sign_in(request, lookup.expired)
        return _page("inicio.html", lookup.session)

    @get("/entrar")
    async def sign_in_form(
        self, request: Request[Any, Any, Any], expirada: Annotated[str | None, QueryParameter(required=False)] = None
    ) -> Template:
        return self._sign_in_page(request, erro=None, expirada=expirada == "1", status=200)

    @staticmethod
    def _sign_in_page(request: Request[Any, Any, Any], erro: str | None, expirada: bool, status: int) -> Template:
        token = new_token()
        response = Template(
            template_name="entrar.html", context={"csrf": token, "erro": erro, "expirada": expirada},
            status_code=status, media_type=MediaType.HTML,
        )
        response.cookies.append(_cookie(request, LOGIN_CSRF_COOKIE, token, "/console/entrar"))
        return response

    @post("/entrar", opt=FORM_OPT)
    async def sign_in(
        self,
        request: Request[Any, Any, Any],
        console_sessions: NamedDependency[ConsoleSessions],
        console_authenticate: NamedDependency[Authenticate],
    ) -> Any:
        form = await request.form()
        if not same_token(request.cookies.get(LOGIN_CSRF_COOKIE), form.get(CSRF_FIELD)):
            return _refused(CSRF_REFUSED, 403)
        key = str(form.get("chave", "")).strip()
        principal = await anyio.to_thread.run_sync(console_authenticate, key or None) if key else None
        if principal is None:
            erro = "Informe a chave de API." if not key else "Chave de API inválida, revogada ou de um tenant inativo."
            return self._sign_in_page(request, erro=erro, expirada=False, status=401)
        session = console_sessions.sign_in(principal)
        return Redirect(
            path=LANDING.get(principal.role, "/console"), status_code=303,
            cookies=[
                _cookie(request, SESSION_COOKIE, session.session_id, "/console"),
                _cookie(request, LOGIN_CSRF_COOKIE, "", "/console/entrar", max_age=0),
            ],
        )

    @post("/sair", opt=FORM_OPT)
    async def sign_out(self, request: Request[Any, Any, Any], console_sessions: NamedDependency[ConsoleSessions]) -> Any:
        form = await request.form()
        lookup = _lookup(request, console_sessions)
        if lookup.session is None:
            return _to_sign_in(request, lookup.expired)
        if not same_token(lookup.session.csrf_token, form.get(CSRF_FIELD)):
            return _refused(CSRF_REFUSED, 403)
        console_sessions.sign_out(lookup.session.session_id)
        return Redirect(
            path="/console/entrar", status_code=303, cookies=[_cookie(request, SESSION_COOKIE, "", "/console", max_age=0)]
        )

    @get("/avaliar")
    async def evaluate_form(self, request: Request[Any, Any, Any], console_sessions: NamedDependency[ConsoleSessions]) -> Any:
        lookup = _lookup(request, console_sessions)
        if lookup.session is None:
            return _to_sign_in(request, lookup.expired)
        if lookup.session.principal.role not in EVALUATORS:
            return _page("inicio.html", lookup.session, status=403, aviso="Sua chave não pode avaliar pares.")
        return _page("avaliar.html", lookup.session, form=empty_form(), resultado=None, request_id=new_request_id())

    @post("/avaliar", opt={**FORM_OPT, BODY_LIMIT: "evaluate"})
    async def evaluate(
        self,
        request: Request[Any, Any, Any],
        console_sessions: NamedDependency[ConsoleSessions],
        evaluate_pair: NamedDependency[EvaluatePair],
    ) -> Any:
        form = await request.form()
        lookup = _lookup(request, console_sessions)
        if lookup.session is None:
            return _to_sign_in(request, lookup.expired)
        session = lookup.session
        if not same_token(session.csrf_token, form.get(CSRF_FIELD)):
            return _refused(CSRF_REFUSED, 403)
        if session.principal.role not in EVALUATORS:
            return _page("inicio.html", session, status=403, aviso="Sua chave não pode avaliar pares.")
        partial = request.headers.get("HX-Request") == "true"
        name = "_avaliar_form.html" if partial else "avaliar.html"
        parsed = parse_pair(form)
        request_id = form_request_id(form)  # made when the form was rendered: a resubmission replays
        if parsed.request is None:
            return _page(name, session, status=422, form=parsed, resultado=None, request_id=request_id)
        try:
            outcome = await anyio.to_thread.run_sync(self._evaluate, evaluate_pair, session.principal, parsed, request_id)
        except Exception:  # noqa: BLE001 - the page says so; the log keeps the cause
            request.logger.exception("console evaluation failed")
            return _page(name, session, status=503, form=parsed, resultado=None, request_id=request_id,
                         falha="Não foi possível avaliar agora. Tente de novo em instantes.")
        document = msgspec.to_builtins(msgspec.convert(outcome.document, EvaluateResponse))
        return _page(name, session, form=parsed, resultado=result_view(document), request_id=new_request_id())

    @staticmethod
    def _evaluate(evaluate_pair: EvaluatePair, principal: Principal, parsed: PairForm, request_id: str) -> EvaluateOutcome:
        """The same rendered form sent twice replays its first answer (one evaluation, one review
        item). A form edited after a send whose answer never arrived is a new evaluation."""
        assert parsed.request is not None
        try:
            return evaluate_pair(to_command(principal.tenant_id, parsed.request, request_id, principal_actor(principal)))
        except IdempotencyConflict:
            fresh = new_request_id()
            return evaluate_pair(to_command(principal.tenant_id, parsed.request, fresh, principal_actor(principal)))


def _sessions(state: State) -> ConsoleSessions:
    sessions: ConsoleSessions = state.console_sessions  # set by create_app (tests may swap it)
    return sessions


def console_router(authenticate: Authenticate) -> Router:
    from adapters.http.console.auditoria import AuditConsoleController  # these import this module's helpers
    from adapters.http.console.caso import CaseConsoleController
    from adapters.http.console.catalogo import CatalogConsoleController
    from adapters.http.console.chaves import KeysConsoleController
    from adapters.http.console.precedentes import PrecedentConsoleController
    from adapters.http.console.revisao import ReviewConsoleController

    return Router(
        path="/",
        route_handlers=[
            ConsoleController,
            ReviewConsoleController,
            CaseConsoleController,
            PrecedentConsoleController,
            CatalogConsoleController,
            AuditConsoleController,
            KeysConsoleController,
        ],
        dependencies={
            "console_sessions": Provide(_sessions, sync_to_thread=False),
            "console_authenticate": Provide(lambda: authenticate, sync_to_thread=False),
        },
        include_in_schema=False,
        exception_handlers=CONSOLE_ERRORS,  # Portuguese HTML pages, not the API's JSON (error_pages.py)
        cache_control=CacheControlHeader(no_store=True),  # pages carry CSRF tokens and evaluations
    )
