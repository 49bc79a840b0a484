"""/admin/tenant/review_reasons (role admin): the reason codes the tenant's pareceres may cite
(ADR 0026). Without a list of its own a tenant uses the default list; `decide` refuses any other
code with a 422 naming the allowed ones."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, get, put
from litestar.di import NamedDependency
from litestar.params import JSONBody
from msgspec import Meta

from adapters.http.auth import ADMIN_ONLY
from adapters.http.routes_equivalences import AUTH_ERRORS, BODY_ERRORS, _error
from adapters.http.routes_reviews import _invalid
from core.domain.actors import principal_actor
from core.domain.errors import InvalidInput
from core.domain.reason_codes import MAX_CODES
from core.domain.records import Principal
from core.ports.clock import Clock
from core.ports.unit_of_work import UnitOfWorkFactory
from core.usecases import reviews

Code = Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[a-z0-9_]+$")]


class ReasonCodesIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    codes: Annotated[list[Code], Meta(min_length=1, max_length=MAX_CODES, description="the tenant's reason codes, each once")]


class ReasonCodesOut(msgspec.Struct, kw_only=True):
    codes: list[str]
    default: Annotated[bool, Meta(description="true while the tenant uses the shipped default list")]


class ReviewReasonsController(Controller):
    path = "/admin/tenant/review_reasons"
    tags = ["admin"]
    opt = {"roles": ADMIN_ONLY}
    exception_handlers = {InvalidInput: _invalid}

    @get("/", operation_id="getReviewReasons", summary="The tenant's parecer reason codes", sync_to_thread=True, responses=AUTH_ERRORS)
    def get_reasons(self, principal: NamedDependency[Principal], uow_factory: NamedDependency[UnitOfWorkFactory]) -> ReasonCodesOut:
        codes, default = reviews.get_reason_codes(uow_factory, principal.tenant_id)
        return ReasonCodesOut(codes=list(codes), default=default)

    @put(
        "/",
        operation_id="setReviewReasons",
        summary="Replace the tenant's parecer reason codes",
        sync_to_thread=True,
        responses={**AUTH_ERRORS, **BODY_ERRORS, 422: _error("invalid body, or a repeated code; `extra` names it")},
    )
    def set_reasons(
        self,
        data: JSONBody[ReasonCodesIn],
        principal: NamedDependency[Principal],
        uow_factory: NamedDependency[UnitOfWorkFactory],
        clock: NamedDependency[Clock],
    ) -> ReasonCodesOut:
        """Audited (`review.reason_codes`). Pareceres already given keep the code they cited."""
        codes = reviews.set_reason_codes(uow_factory, principal.tenant_id, data.codes, principal_actor(principal), clock)
        return ReasonCodesOut(codes=list(codes), default=False)
