"""/v1/precedents: the tenant's equivalence table (ADR 0024).

Thin: parse, call core/usecases/precedents.py, map its errors. Coordinators and admins write
(register from a review, import CSV, end a vigência); reviewers and auditors read. Another
tenant's precedent is 404 like a missing one; a precedent is never deleted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import partial
from typing import Annotated, Any

import anyio.to_thread
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import ValidationException
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIType as OpenAPIDataType, Operation, RequestBody, Schema
from litestar.params import JSONBody, PathParameter, QueryParameter

from adapters.http.body_guard import _read_at_most
from adapters.http.dto import ErrorBody
from adapters.http.dto_precedents import EndIn, FromReviewIn, ImportOut, KindName, PrecedentOut, PrecedentPageOut, precedent_out
from adapters.http.routes_equivalences import AUTH_ERRORS, BODY_ERRORS, _error
from adapters.precedents.csv_format import parse_precedents_csv
from core.domain.actors import principal_actor
from core.domain.audit import sha256_text
from core.domain.errors import InvalidInput, InvalidTransition, TransitionForbidden
from core.domain.precedents import InvalidPrecedent, PrecedentKind
from core.domain.rate_limits import RouteGroup
from core.domain.records import Principal, Role
from core.domain.review import ReviewActor
from core.ports.clock import Clock
from core.ports.precedent_repository import PrecedentFilter
from core.ports.unit_of_work import UnitOfWorkFactory
from core.usecases import precedents

READERS = (Role.REVIEWER, Role.COORDINATOR, Role.AUDITOR, Role.ADMIN)
WRITERS = (Role.COORDINATOR, Role.ADMIN)
MAX_CSV_BYTES = 16 * 1024 * 1024
PrecedentId = Annotated[str, PathParameter(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$", description="a precedent id")]
Short = Annotated[str | None, QueryParameter(min_length=1, max_length=200)]
Uow = NamedDependency[UnitOfWorkFactory]
NOT_FOUND = {404: _error("no such precedent (or review item) for this tenant (another tenant's looks the same)")}
BAD_PATH = {422: _error("invalid path or query parameter; `extra` names it")}
WRITE_ERRORS = {
    **AUTH_ERRORS,
    **NOT_FOUND,
    409: _error("the review is not homologated/DEFERIDO or already registered; or the vigência already ends by then"),
    422: _error("invalid body; `extra` names each field (CSV: `linhas[N].coluna`)"),
}
WRITE_OPT = {"roles": WRITERS, "rate_group": RouteGroup.ADMIN}


@dataclass
class CsvOperation(Operation):
    """The import reads its body itself (CSV), so the OpenAPI request body is stated here."""

    def __post_init__(self) -> None:
        self.request_body = RequestBody(
            required=True,
            description="the precedent table as CSV; columns in docs/adr/0024-precedents.md",
            content={"text/csv": OpenAPIMediaType(schema=Schema(type=OpenAPIDataType.STRING))},
        )


def _invalid_precedent(request: Request[Any, Any, Any], exc: Exception) -> Response[ErrorBody]:
    field = exc.field if isinstance(exc, InvalidPrecedent) else "body"
    return Response(ErrorBody(422, "Validation failed", [{"field": field, "message": str(exc), "source": "body"}]), status_code=422)


def _conflict(request: Request[Any, Any, Any], exc: Exception) -> Response[ErrorBody]:
    return Response(ErrorBody(409, str(exc)), status_code=409)


def _forbidden(request: Request[Any, Any, Any], exc: Exception) -> Response[ErrorBody]:
    return Response(ErrorBody(403, str(exc)), status_code=403)


class PrecedentController(Controller):
    path = "/v1/precedents"
    tags = ["precedents"]
    exception_handlers = {
        InvalidPrecedent: _invalid_precedent,
        InvalidInput: _invalid_precedent,
        InvalidTransition: _conflict,
        TransitionForbidden: _forbidden,
    }

    @get("/", operation_id="listPrecedents", sync_to_thread=True, responses={**AUTH_ERRORS, **BAD_PATH}, opt={"roles": READERS})
    def list_precedents(
        self,
        principal: NamedDependency[Principal],
        uow_factory: Uow,
        clock: NamedDependency[Clock],
        instituicao: Annotated[Short, QueryParameter(description="origem institution (compared without case, accents or spaces)")] = None,
        codigo: Annotated[Short, QueryParameter(description="origem course code (compared without case or spaces)")] = None,
        destino_codigo: Annotated[Short, QueryParameter(description="destino curriculum unit code")] = None,
        course_id: Annotated[Short, QueryParameter(description="destino course_id")] = None,
        tipo: Annotated[KindName | None, QueryParameter(description="binding or advisory")] = None,
        vigente_em: Annotated[dt.date | None, QueryParameter(description="only those in force on this day")] = None,
        after: Annotated[str | None, QueryParameter(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$", description="`next_after` of the previous page")] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=200, description="precedents per page")] = 50,
    ) -> PrecedentPageOut:
        """The tenant's precedents in creation order, filtered, one keyset page at a time."""
        where = PrecedentFilter(instituicao, codigo, destino_codigo, course_id, None if tipo is None else PrecedentKind(tipo), vigente_em)
        found = precedents.list_precedents(uow_factory, principal.tenant_id, limit, after, where)
        today = clock.now().date()
        next_after = found[-1].precedent_id if len(found) == limit else None
        return PrecedentPageOut(items=[precedent_out(p, today) for p in found], next_after=next_after)

    @get("/{precedent_id:str}", operation_id="getPrecedent", sync_to_thread=True, responses={**AUTH_ERRORS, **NOT_FOUND, **BAD_PATH}, opt={"roles": READERS})
    def show(self, precedent_id: PrecedentId, principal: NamedDependency[Principal], uow_factory: Uow, clock: NamedDependency[Clock]) -> PrecedentOut:
        """One precedent with its provenance and vigência."""
        return precedent_out(precedents.get_precedent(uow_factory, principal.tenant_id, precedent_id), clock.now().date())

    @post("/from-review", operation_id="registerPrecedentFromReview", status_code=201, sync_to_thread=True, responses={**WRITE_ERRORS, **BODY_ERRORS}, opt=WRITE_OPT)
    def from_review(self, data: JSONBody[FromReviewIn], principal: NamedDependency[Principal], uow_factory: Uow, clock: NamedDependency[Clock]) -> PrecedentOut:
        """Register a DEFERIDO parecer as a precedent; with `homologar` the parecer is homologated in the same transaction."""
        terms = precedents.PrecedentTerms(PrecedentKind(data.tipo), data.vigencia_inicio, data.vigencia_fim, data.escopo)
        if data.homologar:
            actor = ReviewActor(principal.key_id, principal.role)
            _, made = precedents.homologate_as_precedent(uow_factory, principal.tenant_id, data.review_id, actor, terms, clock)
        else:
            made = precedents.register_reviewed(uow_factory, principal.tenant_id, data.review_id, principal_actor(principal), terms, clock)
        return precedent_out(made, clock.now().date())

    @post("/import", operation_id="importPrecedents", status_code=201, responses=WRITE_ERRORS, opt=WRITE_OPT, operation_class=CsvOperation)
    async def import_csv(self, request: Request[Any, Any, Any], principal: NamedDependency[Principal], uow_factory: Uow, clock: NamedDependency[Clock]) -> ImportOut:
        """Import a precedent table (CSV; SIGAA expressions for N:1): every row or none."""
        media_type, _ = request.content_type
        if media_type != "text/csv":
            raise ValidationException(detail="Validation failed", extra=[{"field": "Content-Type", "message": "send text/csv", "source": "header"}])
        body = await _read_at_most(request, MAX_CSV_BYTES)
        return await anyio.to_thread.run_sync(partial(_import, body, principal, uow_factory, clock))

    @post("/{precedent_id:str}/end", operation_id="endPrecedent", status_code=200, sync_to_thread=True, responses={**WRITE_ERRORS, **BODY_ERRORS}, opt=WRITE_OPT)
    def end(
        self, precedent_id: PrecedentId, data: JSONBody[EndIn], principal: NamedDependency[Principal], uow_factory: Uow, clock: NamedDependency[Clock]
    ) -> PrecedentOut:
        """End the vigência (from today unless `vigencia_fim`); audited; the precedent stays on record."""
        ended = precedents.end_precedent(uow_factory, principal.tenant_id, precedent_id, data.vigencia_fim, data.motivo, principal_actor(principal), clock)
        return precedent_out(ended, clock.now().date())


def _import(body: bytes, principal: Principal, uow_factory: UnitOfWorkFactory, clock: Clock) -> ImportOut:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidPrecedent("arquivo", "o arquivo não está em UTF-8") from None
    digest = sha256_text(text)
    made = precedents.import_precedents(uow_factory, principal.tenant_id, parse_precedents_csv(text), digest, principal_actor(principal), clock)
    return ImportOut(quantidade=len(made), precedent_ids=[p.precedent_id for p in made], arquivo_sha256=digest)
