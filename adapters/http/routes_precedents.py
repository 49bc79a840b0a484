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
from litestar import Controller, Request
from adapters.http.threaded import get, post
from litestar.di import NamedDependency
from litestar.exceptions import ValidationException
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIType as OpenAPIDataType, Operation, RequestBody, Schema
from litestar.params import JSONBody, PathParameter, QueryParameter

from adapters.http.body_guard import _read_at_most
from adapters.http.dto_precedents import EndIn, FromReviewIn, ImportOut, KindName, PrecedentOut, PrecedentPageOut, precedent_out
from adapters.http.error_table import AUTH, BODY, INVALID, responses
from adapters.precedents.csv_format import parse_precedents_csv
from core.domain.actors import principal_actor
from core.domain.audit import sha256_text
from core.domain.errors import InvalidTransition, NotFound, TransitionForbidden
from core.domain.precedents import PRECEDENT_ID_PATTERN, InvalidPrecedent, PrecedentFileImported, PrecedentKind
from core.domain.rate_limits import RouteGroup
from core.domain.records import Principal, Role
from core.domain.review import ReviewActor
from core.ports.precedent_repository import PrecedentFilter
from core.usecases.precedents import Precedents, PrecedentTerms

READERS = (Role.REVIEWER, Role.COORDINATOR, Role.AUDITOR, Role.ADMIN)
WRITERS = (Role.COORDINATOR, Role.ADMIN)
MAX_CSV_BYTES = 16 * 1024 * 1024
PrecedentId = Annotated[str, PathParameter(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$", description="a precedent id")]
Short = Annotated[str | None, QueryParameter(min_length=1, max_length=200)]
READ_ERRORS = responses(AUTH, NotFound, INVALID)
IMPORT_ERRORS = responses(AUTH, NotFound, TransitionForbidden, InvalidPrecedent, PrecedentFileImported)
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


class PrecedentController(Controller):
    path = "/v1/precedents"
    tags = ["precedents"]

    @get("/", operation_id="listPrecedents", responses=responses(AUTH, INVALID), opt={"roles": READERS})
    def list_precedents(
        self,
        principal: NamedDependency[Principal],
        precedents: NamedDependency[Precedents],
        instituicao: Annotated[Short, QueryParameter(description="origem institution (compared without case, accents or spaces)")] = None,
        codigo: Annotated[Short, QueryParameter(description="origem course code (compared without case or spaces)")] = None,
        destino_codigo: Annotated[Short, QueryParameter(description="destino curriculum unit code")] = None,
        course_id: Annotated[Short, QueryParameter(description="destino course_id")] = None,
        tipo: Annotated[KindName | None, QueryParameter(description="binding or advisory")] = None,
        vigente_em: Annotated[dt.date | None, QueryParameter(description="only those in force on this day")] = None,
        after: Annotated[str | None, QueryParameter(pattern=PRECEDENT_ID_PATTERN, description="`next_after` of the previous page (anything else: 422)")] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=200, description="precedents per page")] = 50,
    ) -> PrecedentPageOut:
        """The tenant's precedents in creation order, filtered, one keyset page at a time."""
        where = PrecedentFilter(instituicao, codigo, destino_codigo, course_id, None if tipo is None else PrecedentKind(tipo), vigente_em)
        found = precedents.page(principal.tenant_id, limit, after, where)
        today = precedents.today()
        next_after = found[-1].precedent_id if len(found) == limit else None
        return PrecedentPageOut(items=[precedent_out(p, today) for p in found], next_after=next_after)

    @get("/{precedent_id:str}", operation_id="getPrecedent", responses=READ_ERRORS, opt={"roles": READERS})
    def show(self, precedent_id: PrecedentId, principal: NamedDependency[Principal], precedents: NamedDependency[Precedents]) -> PrecedentOut:
        """One precedent with its provenance and vigência."""
        return precedent_out(precedents.get(principal.tenant_id, precedent_id), precedents.today())

    @post("/from-review", operation_id="registerPrecedentFromReview", status_code=201, responses=responses(AUTH, BODY, NotFound, InvalidTransition, TransitionForbidden, InvalidPrecedent), opt=WRITE_OPT)
    def from_review(self, data: JSONBody[FromReviewIn], principal: NamedDependency[Principal], precedents: NamedDependency[Precedents]) -> PrecedentOut:
        """Register a DEFERIDO parecer as a precedent; with `homologar` the parecer is homologated in the same transaction."""
        terms = PrecedentTerms(PrecedentKind(data.tipo), data.vigencia_inicio, data.vigencia_fim, data.escopo)
        if data.homologar:
            actor = ReviewActor(principal.key_id, principal.role)
            _, made = precedents.homologate_as_precedent(principal.tenant_id, data.review_id, actor, terms)
        else:
            made = precedents.register_reviewed(principal.tenant_id, data.review_id, principal_actor(principal), terms)
        return precedent_out(made, precedents.today())

    @post("/import", operation_id="importPrecedents", status_code=201, responses=IMPORT_ERRORS, opt=WRITE_OPT, operation_class=CsvOperation)
    async def import_csv(self, request: Request[Any, Any, Any], principal: NamedDependency[Principal], precedents: NamedDependency[Precedents]) -> ImportOut:
        """Import a precedent table (CSV; SIGAA expressions for N:1): every row or none; a file imported before: 409."""
        media_type, _ = request.content_type
        if media_type != "text/csv":
            raise ValidationException(detail="Validation failed", extra=[{"field": "Content-Type", "message": "send text/csv", "source": "header"}])
        body = await _read_at_most(request, MAX_CSV_BYTES)
        return await anyio.to_thread.run_sync(partial(import_csv_table, body, principal, precedents))

    @post("/{precedent_id:str}/end", operation_id="endPrecedent", status_code=200, responses=responses(AUTH, BODY, NotFound, InvalidTransition, TransitionForbidden, InvalidPrecedent), opt=WRITE_OPT)
    def end(
        self, precedent_id: PrecedentId, data: JSONBody[EndIn], principal: NamedDependency[Principal], precedents: NamedDependency[Precedents]
    ) -> PrecedentOut:
        """End the vigência (from today unless `vigencia_fim`); audited; the precedent stays on record."""
        ended = precedents.end(principal.tenant_id, precedent_id, data.vigencia_fim, data.motivo, principal_actor(principal))
        return precedent_out(ended, precedents.today())


def import_csv_table(body: bytes, principal: Principal, precedents: Precedents) -> ImportOut:
    """The CSV bytes → every precedent or none (the API's import and the console's *Precedentes*)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidPrecedent("arquivo", "o arquivo não está em UTF-8") from None
    digest = sha256_text(text)
    made = precedents.import_table(principal.tenant_id, parse_precedents_csv(text), digest, principal_actor(principal))
    return ImportOut(quantidade=len(made), precedent_ids=[p.precedent_id for p in made], arquivo_sha256=digest)
