"""*Fila de revisão* and the review item (issue 13, ADR 0030): the console face of `/v1/reviews`.

The pages call the same `Reviews` and `Pareceres` use cases as the API with the session's
tenant and key; a route refuses a role the domain would refuse (403 before anything is read),
and the domain checks again. A domain refusal (403/404/409/422) is shown next to the form that
caused it, in Portuguese — never a 500.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Annotated, Any
from urllib.parse import urlencode

import anyio.to_thread
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.params import QueryParameter
from litestar.response import Redirect

from adapters.documents.parecer_pdf import render_pdf
from adapters.http.console.forms import DECISOES, result_view
from adapters.http.console.routes import CSRF_FIELD, CSRF_REFUSED, FORM_OPT, _lookup, _page, _refused, _to_sign_in
from adapters.http.console.sessions import ConsoleSession, ConsoleSessions, same_token
from adapters.http.routes_reviews import REVIEW_READERS, ReviewId
from core.domain.parecer_labels import MOTIVOS_PARECER, PAPEIS, label
from core.domain.errors import DomainError, InvalidInput, InvalidTransition, NotFound, RecursoForaDoPrazo, TransitionForbidden
from core.domain.review import AWAITING_PARECER, REVIEW_DECISIONS, Move, ReviewAction, ReviewActor, ReviewItem, ReviewState, ReviewSubject, SubjectCourse, allowed_roles
from core.usecases.pareceres import Pareceres
from core.usecases.results import Results
from core.usecases.reviews import Recurso, ReviewQuery, Reviews

PAGE_SIZE = 25
TEXT_FILTER_MAX = 200  # the API's bound on institution and course
MAX_AGE_DAYS = 3650
EMENTA_CURTA = 600  # characters: a longer ementa starts folded on the item page
ESTADOS = {
    ReviewState.PENDENTE.value: "Pendente",
    ReviewState.EM_ANALISE.value: "Em análise",
    ReviewState.PARECER_EMITIDO.value: "Parecer emitido",
    ReviewState.HOMOLOGADO.value: "Homologado",
}
ACOES = {
    "claim": "assumiu", "assign": "atribuiu", "decide": "emitiu parecer", "homologate": "homologou",
    "return": "devolveu", "recurso": "recurso", "opened": "aberto",
}
NOT_A_READER = "Sua chave não pode ver a fila de revisão."
# A domain refusal, as the page says it (status, message); the domain's own text follows in detail.
REFUSALS: tuple[tuple[type[DomainError], int, str], ...] = (
    (NotFound, 404, "Item de revisão não encontrado."),
    (TransitionForbidden, 403, "Seu perfil não pode fazer isto com este item (um parecerista só decide o item que assumiu)."),
    (InvalidTransition, 409, "O item não está num estado que permita isto (talvez outra pessoa o tenha movido). Recarregue a página."),
    (InvalidInput, 422, "Dados não aceitos."),
)


def _refusal(error: DomainError) -> tuple[int, str]:
    for kind, status, message in REFUSALS:
        if isinstance(error, kind):
            return status, message
    return 422, "Operação não aceita."


def _filter_errors(filtros: dict[str, Any], apos: str | None) -> dict[str, str]:
    """The queue filters' errors, by field, in Portuguese (none: the filters are fine)."""
    erros: dict[str, str] = {}
    if filtros["estado"] and filtros["estado"] not in ESTADOS:
        erros["estado"] = "Escolha um dos estados da lista."
    for campo in ("instituicao", "curso"):
        if len(filtros[campo]) > TEXT_FILTER_MAX:
            erros[campo] = f"Use até {TEXT_FILTER_MAX} caracteres."
    if filtros["dias"] and not (re.fullmatch(r"[0-9]{1,4}", filtros["dias"]) and int(filtros["dias"]) <= MAX_AGE_DAYS):
        erros["dias"] = f"Informe um número inteiro de dias, de 0 a {MAX_AGE_DAYS}."
    if apos is not None and not (0 < len(apos) <= 64 and apos.replace("-", "").replace("_", "").replace(".", "").isalnum()):
        erros["apos"] = "Página inválida: volte ao início da fila."
    return erros


def _data(moment: dt.datetime | None) -> str:
    return "" if moment is None else moment.strftime("%d/%m/%Y %H:%M UTC")


def _row(item: ReviewItem, now: dt.datetime) -> dict[str, Any]:
    return {
        "id": item.review_id, "request_id": item.request_id, "estado": item.state.value,
        "estado_rotulo": ESTADOS.get(item.state.value, item.state.value), "prazo": _data(item.deadline),
        "atrasado": item.overdue(now), "responsavel": item.assignee or "—", "rodada": item.rodada,
        "decisao": DECISOES.get(item.decision or "", item.decision or "—"), "aberto": _data(item.created_at),
        "origem": _course_label(item.about.origem, item.about.instituicao), "destino": _course_label(item.about.destino, item.about.curso),
    }


def _course_label(course: SubjectCourse | None, identity: str | None) -> str:
    """A course as the queue names it: its name, then its institution and code when the request gave them
    (items opened before the names were kept show only what the queue's filters keep)."""
    if course is None:
        return identity or "—"
    extra = " · ".join(part for part in (course.instituicao, course.codigo) if part)
    return f"{course.nome} ({extra})" if extra else course.nome


def _courses(subject: ReviewSubject) -> list[dict[str, Any]]:
    """Both courses for the item page, ementas in full (the template escapes and folds long ones)."""
    sides = (("origem", "Disciplina de origem", subject.origem), ("destino", "Disciplina de destino", subject.destino))
    return [
        {"lado": lado, "titulo": titulo, "nome": c.nome, "instituicao": c.instituicao or "", "codigo": c.codigo or "",
         "ementa": c.ementa, "longa": len(c.ementa) > EMENTA_CURTA}
        for lado, titulo, c in sides if c is not None
    ]


def _history(item: ReviewItem) -> list[dict[str, Any]]:
    rows = []
    for entry in item.history:
        actor = entry.get("actor") or {}
        detail = " · ".join(str(entry[k]) for k in ("decisao", "motivo", "assignee", "fatos") if entry.get(k))
        at = entry.get("at")
        rows.append({
            "acao": ACOES.get(str(entry.get("action")), str(entry.get("action"))),
            "de": ESTADOS.get(str(entry.get("from")), entry.get("from") or ""), "para": ESTADOS.get(str(entry.get("to")), entry.get("to") or ""),
            "em": _data(dt.datetime.fromisoformat(at)) if isinstance(at, str) else "", "rodada": entry.get("rodada", ""),
            "quem": f"{actor.get('key_id', '')} ({label(PAPEIS, actor.get('role', ''))})" if isinstance(actor, dict) else str(actor),
            "detalhe": detail,
        })
    return rows


def _may(session: ConsoleSession, action: ReviewAction) -> bool:
    """The API route's roles, among those who see the queue (a client files its recursos through the API)."""
    role = session.principal.role
    return role in allowed_roles(action) and role in REVIEW_READERS


def _actor(session: ConsoleSession) -> ReviewActor:
    return ReviewActor(session.principal.key_id, session.principal.role)


@dataclasses.dataclass(frozen=True, slots=True)
class ReviewForm:
    """One form of the item page: its path (also the key of its error), the fields it posts, and
    the Portuguese message of a field left empty (checked before the use case is called)."""

    path: str
    fields: tuple[str, ...] = ()
    required: tuple[tuple[str, str], ...] = ()
    refused_input: str = "Dados não aceitos."  # the domain's InvalidInput, as this form says it

    def missing(self, valores: dict[str, str]) -> str:
        return next((message for field, message in self.required if not valores.get(field)), "")


FORMS: dict[ReviewAction, ReviewForm] = {
    ReviewAction.CLAIM: ReviewForm("assumir"),
    ReviewAction.DECIDE: ReviewForm(
        "parecer", ("decisao", "motivo", "parecer"),
        (("decisao", "Escolha a decisão: Deferido ou Indeferido."), ("motivo", "Escolha o código do motivo."),
         ("parecer", "Escreva o texto do parecer.")),
    ),
    ReviewAction.HOMOLOGATE: ReviewForm("homologar"),
    ReviewAction.RETURN: ReviewForm("devolver", ("motivo",), (("motivo", "Diga por que o parecer volta ao parecerista."),)),
    ReviewAction.ASSIGN: ReviewForm(
        "atribuir", ("responsavel",), (("responsavel", "Escolha o parecerista."),),
        "Esta chave não é de um parecerista ativo desta instituição.",
    ),
    ReviewAction.RECURSO: ReviewForm(
        "recurso", ("fatos", "ementa"), (("fatos", "Descreva os fatos novos do recurso."),),
        "Recurso não aceito.",
    ),
}


def _form_route(action: ReviewAction) -> HTTPRouteHandler:
    """The POST handler of one item form: every form of the page is handled by `_submit`."""

    async def handler(
        self: Controller, request: Request[Any, Any, Any], review_id: ReviewId, console_sessions: NamedDependency[ConsoleSessions],
        reviews: NamedDependency[Reviews], results: NamedDependency[Results],
    ) -> Any:
        return await _submit(request, review_id, console_sessions, reviews, results, action)

    handler.__name__ = f"form_{FORMS[action].path}"
    return post(f"/{{review_id:str}}/{FORMS[action].path}", opt=FORM_OPT)(handler)


class ReviewConsoleController(Controller):
    path = "/console/revisao"
    include_in_schema = False

    @get("/")
    async def queue(
        self,
        request: Request[Any, Any, Any],
        console_sessions: NamedDependency[ConsoleSessions],
        reviews: NamedDependency[Reviews],
        estado: Annotated[str | None, QueryParameter(required=False)] = None,
        atrasados: Annotated[str | None, QueryParameter(required=False)] = None,
        minhas: Annotated[str | None, QueryParameter(required=False)] = None,
        instituicao: Annotated[str | None, QueryParameter(required=False)] = None,
        curso: Annotated[str | None, QueryParameter(required=False)] = None,
        dias: Annotated[str | None, QueryParameter(required=False)] = None,
        apos: Annotated[str | None, QueryParameter(required=False)] = None,
    ) -> Any:
        lookup = _lookup(request, console_sessions)
        if lookup.session is None:
            return _to_sign_in(request, lookup.expired)
        session = lookup.session
        if session.principal.role not in REVIEW_READERS:
            return _page("inicio.html", session, status=403, aviso=NOT_A_READER)
        filtros: dict[str, Any] = {
            "estado": estado or "", "atrasados": atrasados == "1", "minhas": minhas == "1",
            "instituicao": (instituicao or "").strip(), "curso": (curso or "").strip(), "dias": (dias or "").strip(),
        }
        erros = _filter_errors(filtros, apos)
        if erros:
            return _page("revisao.html", session, status=422, filtros=filtros, erros=erros, itens=[], proxima=None, estados=ESTADOS)
        query = ReviewQuery(
            PAGE_SIZE, apos, ReviewState(estado) if estado else None,
            session.principal.key_id if filtros["minhas"] else None, bool(filtros["atrasados"]),
            filtros["instituicao"] or None, filtros["curso"] or None, int(filtros["dias"]) if filtros["dias"] else None,
        )
        items = await anyio.to_thread.run_sync(reviews.search, session.principal.tenant_id, query)
        now = reviews.now()
        proxima = None
        if len(items) == PAGE_SIZE:
            kept = {k: ("1" if v is True else v) for k, v in filtros.items() if v}  # the filters, as the form sent them
            proxima = "/console/revisao?" + urlencode({**kept, "apos": items[-1].review_id})
        return _page("revisao.html", session, filtros=filtros, erros=erros, itens=[_row(i, now) for i in items],
                     proxima=proxima, estados=ESTADOS)

    @get("/{review_id:str}")
    async def item(
        self,
        request: Request[Any, Any, Any],
        review_id: ReviewId,
        console_sessions: NamedDependency[ConsoleSessions],
        reviews: NamedDependency[Reviews],
        results: NamedDependency[Results],
    ) -> Any:
        lookup = _lookup(request, console_sessions)
        if lookup.session is None:
            return _to_sign_in(request, lookup.expired)
        return await _item_page(lookup.session, reviews, results, review_id)

    claim = _form_route(ReviewAction.CLAIM)
    decide = _form_route(ReviewAction.DECIDE)
    homologate = _form_route(ReviewAction.HOMOLOGATE)
    return_to_reviewer = _form_route(ReviewAction.RETURN)
    assign = _form_route(ReviewAction.ASSIGN)
    recurso = _form_route(ReviewAction.RECURSO)

    @get("/{review_id:str}/parecer.pdf")
    async def parecer_pdf(
        self, request: Request[Any, Any, Any], review_id: ReviewId, console_sessions: NamedDependency[ConsoleSessions],
        pareceres: NamedDependency[Pareceres],
    ) -> Any:
        lookup = _lookup(request, console_sessions)
        if lookup.session is None:
            return _to_sign_in(request, lookup.expired)
        session = lookup.session
        if session.principal.role not in REVIEW_READERS:
            return _page("inicio.html", session, status=403, aviso=NOT_A_READER)
        try:
            parecer = await anyio.to_thread.run_sync(pareceres.of_review, session.principal.tenant_id, review_id)
        except DomainError as error:
            status, message = _refusal(error)
            return _refused(message, status)
        pdf = await anyio.to_thread.run_sync(render_pdf, parecer)
        headers = {"Content-Disposition": f'attachment; filename="parecer-{review_id}.pdf"'}
        return Response(pdf, media_type="application/pdf", headers=headers)


async def _item_page(
    session: ConsoleSession, reviews: Reviews, results: Results, review_id: str,
    status: int = 200, erros: dict[str, str] | None = None, valores: dict[str, str] | None = None,
) -> Any:
    if session.principal.role not in REVIEW_READERS:
        return _page("inicio.html", session, status=403, aviso=NOT_A_READER)
    tenant = session.principal.tenant_id
    try:
        item = await anyio.to_thread.run_sync(reviews.get, tenant, review_id)
        document, _ = await anyio.to_thread.run_sync(results.with_review, tenant, item.request_id)
    except NotFound:
        return _refused("Item de revisão não encontrado.", 404)
    codes, _default = await anyio.to_thread.run_sync(reviews.reason_codes, tenant)
    resultado = result_view(document)  # the Avaliar page's panel: topics covered / partial / missing, rules
    now = reviews.now()
    recurso_ate = item.recurso_until()
    pode = {
        "assumir": _may(session, ReviewAction.CLAIM) and item.state is ReviewState.PENDENTE,
        "parecer": _may(session, ReviewAction.DECIDE) and item.state is ReviewState.EM_ANALISE,
        "homologar": _may(session, ReviewAction.HOMOLOGATE) and item.state is ReviewState.PARECER_EMITIDO,
        "devolver": _may(session, ReviewAction.RETURN) and item.state is ReviewState.PARECER_EMITIDO,
        "atribuir": _may(session, ReviewAction.ASSIGN) and item.state in AWAITING_PARECER,
        "recurso": _may(session, ReviewAction.RECURSO) and recurso_ate is not None and now <= recurso_ate,
    }
    pareceristas = []
    if pode["atribuir"]:
        keys = await anyio.to_thread.run_sync(reviews.assignees, tenant)
        pareceristas = [{"key_id": key.key_id, "nome": key.name} for key in keys]
    erros = erros or {}
    for form in erros:  # a refused form stays on the page, with its error next to it
        pode[form] = True
    return _page(
        "revisao_item.html", session, status=status, item=_row(item, now), final=item.final,
        parecer=item.parecer, motivo=label(MOTIVOS_PARECER, item.reason_code) if item.reason_code else "", decisao=DECISOES.get(item.decision or "", item.decision),
        historico=_history(item), resultado=resultado, disciplinas=_courses(item.about), request_id=item.request_id, pode=pode,
        erros=erros, valores=valores or {}, motivos=codes, decisoes=REVIEW_DECISIONS,
        tem_parecer=item.state in (ReviewState.PARECER_EMITIDO, ReviewState.HOMOLOGADO),
        pareceristas=pareceristas, recurso_ate=_data(recurso_ate), responsavel_atual=item.assignee or "",
    )


async def _submit(
    request: Request[Any, Any, Any], review_id: str, sessions: ConsoleSessions, reviews: Reviews, results: Results,
    action: ReviewAction,
) -> Any:
    """Check the session, CSRF, role and the form's fields, then make the move (or file the recurso);
    a refusal is shown next to the form, with what was typed kept."""
    form = await request.form()
    lookup = _lookup(request, sessions)
    if lookup.session is None:
        return _to_sign_in(request, lookup.expired)
    session = lookup.session
    if not same_token(session.csrf_token, form.get(CSRF_FIELD)):
        return _refused(CSRF_REFUSED, 403)
    if not _may(session, action):
        return _page("inicio.html", session, status=403, aviso="Seu perfil não pode fazer isto na fila de revisão.")
    spec = FORMS[action]
    valores = {name: str(form.get(name, "")).strip() for name in spec.fields}
    missing = spec.missing(valores)
    if missing:
        return await _item_page(session, reviews, results, review_id, 422, {spec.path: missing}, valores)
    try:
        await anyio.to_thread.run_sync(_apply, reviews, session, review_id, action, valores)
    except DomainError as error:
        status, message = _refusal(error)
        if status == 404:
            return _refused(message, 404)
        if isinstance(error, RecursoForaDoPrazo):
            message = str(error).capitalize()  # the domain says it in Portuguese, with the date
        elif isinstance(error, InvalidInput):
            message = f"{spec.refused_input} ({error})"
        return await _item_page(session, reviews, results, review_id, status, {spec.path: message}, valores)
    return Redirect(path=f"/console/revisao/{review_id}", status_code=303)


def _apply(reviews: Reviews, session: ConsoleSession, review_id: str, action: ReviewAction, valores: dict[str, str]) -> None:
    """The use case call of a form: a move of the item, or a recurso against its final decision."""
    tenant = session.principal.tenant_id
    if action is ReviewAction.RECURSO:
        item = reviews.get(tenant, review_id)
        reviews.recurso(tenant, Recurso(item.request_id, valores["fatos"], valores["ementa"] or None), _actor(session))
        return
    move = Move(
        action, assignee=valores.get("responsavel"), decisao=valores.get("decisao"), motivo=valores.get("motivo"),
        parecer=valores.get("parecer"),
    )
    reviews.move(tenant, review_id, move, _actor(session))
