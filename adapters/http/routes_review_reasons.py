"""/admin/tenant/review_reasons (role admin): the reason codes the tenant's pareceres may cite
(ADR 0026). Without a list of its own a tenant uses the default list; `decide` refuses any other
code with a 422 naming the allowed ones."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller
from adapters.http.threaded import get, put
from litestar.di import NamedDependency
from litestar.params import JSONBody
from msgspec import Meta

from adapters.http.auth import ADMIN_ONLY
from adapters.http.error_table import AUTH, BODY, responses
from core.domain.actors import principal_actor
from core.domain.errors import InvalidInput
from core.domain.reason_codes import MAX_CODES
from core.domain.records import Principal
from core.usecases.reviews import Reviews

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

    @get("/", operation_id="getReviewReasons", summary="The tenant's parecer reason codes", responses=responses(AUTH))
    def get_reasons(self, principal: NamedDependency[Principal], reviews: NamedDependency[Reviews]) -> ReasonCodesOut:
        codes, default = reviews.reason_codes(principal.tenant_id)
        return ReasonCodesOut(codes=list(codes), default=default)

    @put(
        "/",
        operation_id="setReviewReasons",
        summary="Replace the tenant's parecer reason codes",
        responses=responses(AUTH, BODY, InvalidInput),
    )
    def set_reasons(
        self,
        data: JSONBody[ReasonCodesIn],
        principal: NamedDependency[Principal],
        reviews: NamedDependency[Reviews],
    ) -> ReasonCodesOut:
        """Audited (`review.reason_codes`). Pareceres already given keep the code they cited."""
        codes = reviews.set_reason_codes(principal.tenant_id, data.codes, principal_actor(principal))
        return ReasonCodesOut(codes=list(codes), default=False)
