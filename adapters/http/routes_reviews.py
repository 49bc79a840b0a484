"""/v1/reviews: the review queue of the key's tenant and the transitions of its items (ADR 0020).

Thin: parse, call core/usecases/reviews.py, map its errors. Each transition route accepts
exactly the roles core/domain/review.py allows for it (403 before the body is read); the
domain checks again (a reviewer decides only an item assigned to them). A transition from the
wrong state is 409; another tenant's item is 404, like a missing one.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, PathParameter, QueryParameter

from adapters.http.dto import ErrorBody
from adapters.http.dto_reviews import AssignIn, DecideIn, RecursoIn, ReturnIn, ReviewOut, ReviewPageOut, ReviewStateName, review_out
from adapters.http.routes_equivalences import AUTH_ERRORS, BODY_ERRORS, _error
from core.domain.rate_limits import RouteGroup
from core.domain.errors import InvalidInput, InvalidTransition, TransitionForbidden
from core.domain.records import Principal, Role
from core.domain.review import Move, ReviewAction, ReviewActor, ReviewState, allowed_roles
from core.ports.clock import Clock
from core.ports.unit_of_work import UnitOfWorkFactory
from core.usecases import reviews

REVIEW_READERS = (Role.REVIEWER, Role.COORDINATOR, Role.AUDITOR, Role.ADMIN)
ReviewId = Annotated[str, PathParameter(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$", description="a review item id")]
Uow = NamedDependency[UnitOfWorkFactory]
NOT_FOUND = {404: _error("no such review item for this tenant (another tenant's looks the same)")}
BAD_PATH = {422: _error("invalid path or query parameter; `extra` names it")}
MOVE_ERRORS = {
    **AUTH_ERRORS,
    **NOT_FOUND,
    403: _error("the role may not make this transition, or a reviewer decides an item assigned to another"),
    409: _error("the item's state does not allow this transition (or it changed meanwhile)"),
    422: _error("invalid path or body; `extra` names each field"),
}


def _forbidden(request: Request[Any, Any, Any], exc: Exception) -> Response[ErrorBody]:
    return Response(ErrorBody(403, str(exc)), status_code=403)


def _conflict(request: Request[Any, Any, Any], exc: Exception) -> Response[ErrorBody]:
    return Response(ErrorBody(409, str(exc)), status_code=409)


def _invalid(request: Request[Any, Any, Any], exc: Exception) -> Response[ErrorBody]:
    extra = [{"field": "body", "message": str(exc), "source": "body"}]
    return Response(ErrorBody(422, str(exc), extra), status_code=422)


def _opt(action: ReviewAction) -> dict[str, Any]:
    """A transition's roles; its rate budget is the admin calls' (human-paced writes, not evaluations)."""
    return {"roles": allowed_roles(action), "rate_group": RouteGroup.ADMIN}


class ReviewController(Controller):
    path = "/v1/reviews"
    tags = ["reviews"]
    exception_handlers = {TransitionForbidden: _forbidden, InvalidTransition: _conflict, InvalidInput: _invalid}

    @get("/", operation_id="listReviews", sync_to_thread=True, responses={**AUTH_ERRORS, **BAD_PATH}, opt={"roles": REVIEW_READERS})
    def list_reviews(
        self,
        principal: NamedDependency[Principal],
        uow_factory: Uow,
        clock: NamedDependency[Clock],
        review_state: Annotated[ReviewStateName | None, QueryParameter(name="state", description="only items in this state")] = None,
        assignee: Annotated[
            str | None, QueryParameter(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$", description="only items assigned to this key id")
        ] = None,
        overdue: Annotated[bool, QueryParameter(description="only items past their deadline still awaiting a parecer")] = False,
        after: Annotated[
            str | None, QueryParameter(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$", description="`next_after` of the previous page")
        ] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=200, description="items per page")] = 50,
    ) -> ReviewPageOut:
        """The tenant's review items in opening order, filtered, one keyset page at a time."""
        query = reviews.ReviewQuery(limit, after, None if review_state is None else ReviewState(review_state), assignee, overdue)
        items = reviews.list_reviews(uow_factory, principal.tenant_id, query, clock)
        now = clock.now()
        next_after = items[-1].review_id if len(items) == limit else None
        return ReviewPageOut(items=[review_out(item, now) for item in items], next_after=next_after)

    @post(
        "/recursos",
        operation_id="fileRecurso",
        status_code=200,
        sync_to_thread=True,
        responses={**MOVE_ERRORS, **BODY_ERRORS, 404: _error("no result with this request_id for this tenant"),
                   422: _error("invalid body, or the recurso is outside the policy's window (working days)")},
        opt=_opt(ReviewAction.RECURSO),
    )
    def file_recurso(
        self, data: JSONBody[RecursoIn], principal: NamedDependency[Principal], uow_factory: Uow, clock: NamedDependency[Clock]
    ) -> ReviewOut:
        """A recurso: reopens a result's final decision (a new round of its review) within the
        policy's window, or takes an automatic DEFERIDO/INDEFERIDO to review. Filed by the client
        key on the student's behalf, or by the coordination."""
        actor = ReviewActor(principal.key_id, principal.role)
        item = reviews.file_recurso(uow_factory, principal.tenant_id, reviews.Recurso(data.request_id, data.fatos, data.ementa_origem), actor, clock)
        return review_out(item, clock.now())

    @get(
        "/{review_id:str}",
        operation_id="getReview",
        sync_to_thread=True,
        responses={**AUTH_ERRORS, **NOT_FOUND, **BAD_PATH},
        opt={"roles": REVIEW_READERS},
    )
    def show(self, review_id: ReviewId, principal: NamedDependency[Principal], uow_factory: Uow, clock: NamedDependency[Clock]) -> ReviewOut:
        """One review item with its history."""
        return review_out(reviews.get_review(uow_factory, principal.tenant_id, review_id), clock.now())

    @post("/{review_id:str}/claim", operation_id="claimReview", status_code=200, sync_to_thread=True, responses=MOVE_ERRORS, opt=_opt(ReviewAction.CLAIM))
    def claim(self, review_id: ReviewId, principal: NamedDependency[Principal], uow_factory: Uow, clock: NamedDependency[Clock]) -> ReviewOut:
        """A reviewer takes a pending item: it is assigned to the caller's key."""
        return _move(uow_factory, principal, review_id, Move(ReviewAction.CLAIM), clock)

    @post(
        "/{review_id:str}/assign",
        operation_id="assignReview",
        status_code=200,
        sync_to_thread=True,
        responses={**MOVE_ERRORS, **BODY_ERRORS},
        opt=_opt(ReviewAction.ASSIGN),
    )
    def assign(
        self, review_id: ReviewId, data: JSONBody[AssignIn], principal: NamedDependency[Principal], uow_factory: Uow, clock: NamedDependency[Clock]
    ) -> ReviewOut:
        """A coordinator assigns (or reassigns) an item awaiting its parecer to a reviewer key."""
        return _move(uow_factory, principal, review_id, Move(ReviewAction.ASSIGN, assignee=data.assignee_key_id), clock)

    @post(
        "/{review_id:str}/decide",
        operation_id="decideReview",
        status_code=200,
        sync_to_thread=True,
        responses={**MOVE_ERRORS, **BODY_ERRORS},
        opt=_opt(ReviewAction.DECIDE),
    )
    def decide(
        self, review_id: ReviewId, data: JSONBody[DecideIn], principal: NamedDependency[Principal], uow_factory: Uow, clock: NamedDependency[Clock]
    ) -> ReviewOut:
        """The assigned reviewer's parecer: DEFERIDO or INDEFERIDO, a reason code and the text."""
        move = Move(ReviewAction.DECIDE, decisao=data.decisao, motivo=data.motivo, parecer=data.parecer)
        return _move(uow_factory, principal, review_id, move, clock)

    @post(
        "/{review_id:str}/homologate",
        operation_id="homologateReview",
        status_code=200,
        sync_to_thread=True,
        responses=MOVE_ERRORS,
        opt=_opt(ReviewAction.HOMOLOGATE),
    )
    def homologate(self, review_id: ReviewId, principal: NamedDependency[Principal], uow_factory: Uow, clock: NamedDependency[Clock]) -> ReviewOut:
        """A coordinator homologates the parecer: it becomes the final decision."""
        return _move(uow_factory, principal, review_id, Move(ReviewAction.HOMOLOGATE), clock)

    @post(
        "/{review_id:str}/return",
        operation_id="returnReview",
        status_code=200,
        sync_to_thread=True,
        responses={**MOVE_ERRORS, **BODY_ERRORS},
        opt=_opt(ReviewAction.RETURN),
    )
    def return_to_reviewer(
        self, review_id: ReviewId, data: JSONBody[ReturnIn], principal: NamedDependency[Principal], uow_factory: Uow, clock: NamedDependency[Clock]
    ) -> ReviewOut:
        """A coordinator sends the parecer back to its reviewer (em_analise again), saying why."""
        return _move(uow_factory, principal, review_id, Move(ReviewAction.RETURN, motivo=data.motivo), clock)


def _move(uow_factory: UnitOfWorkFactory, principal: Principal, review_id: str, move: Move, clock: Clock) -> ReviewOut:
    actor = ReviewActor(principal.key_id, principal.role)
    item = reviews.move_review(uow_factory, principal.tenant_id, review_id, move, actor, clock)
    return review_out(item, clock.now())
