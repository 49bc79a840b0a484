"""/v1/reviews: the review queue of the key's tenant and the transitions of its items (ADR 0020).

Thin: parse, call core/usecases/reviews.py, map its errors. Each transition route accepts
exactly the roles core/domain/review.py allows for it (403 before the body is read); the
domain checks again (a reviewer decides only an item assigned to them). A transition from the
wrong state is 409; another tenant's item is 404, like a missing one.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller
from adapters.http.threaded import get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, PathParameter, QueryParameter

from adapters.http.dto_reviews import AssignIn, DecideIn, RecursoIn, ReturnIn, ReviewOut, ReviewPageOut, ReviewStateName, review_out
from adapters.http.dto import NOT_BLANK
from adapters.http.error_table import AUTH, BODY, INVALID, responses
from core.domain.rate_limits import RouteGroup
from core.domain.errors import InvalidInput, InvalidTransition, NotFound, TransitionForbidden
from core.domain.records import Principal, Role
from core.domain.review import REVIEW_ID_PATTERN, Move, ReviewAction, ReviewActor, ReviewState, allowed_roles
from core.usecases.reviews import Recurso, ReviewQuery, Reviews

REVIEW_READERS = (Role.REVIEWER, Role.COORDINATOR, Role.AUDITOR, Role.ADMIN)
ReviewId = Annotated[str, PathParameter(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$", description="a review item id")]
LIST_ERRORS = responses(AUTH, INVALID)
READ_ERRORS = responses(AUTH, NotFound, INVALID)
MOVE_ERRORS = responses(AUTH, NotFound, INVALID, TransitionForbidden, InvalidTransition, InvalidInput)
MOVE_BODY_ERRORS = responses(AUTH, BODY, NotFound, TransitionForbidden, InvalidTransition, InvalidInput)


def _opt(action: ReviewAction) -> dict[str, Any]:
    """A transition's roles; its rate budget is the admin calls' (human-paced writes, not evaluations)."""
    return {"roles": allowed_roles(action), "rate_group": RouteGroup.ADMIN}


class ReviewController(Controller):
    path = "/v1/reviews"
    tags = ["reviews"]

    @get("/", operation_id="listReviews", responses=LIST_ERRORS, opt={"roles": REVIEW_READERS})
    def list_reviews(
        self,
        principal: NamedDependency[Principal],
        reviews: NamedDependency[Reviews],
        review_state: Annotated[ReviewStateName | None, QueryParameter(name="state", description="only items in this state")] = None,
        assignee: Annotated[
            str | None, QueryParameter(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$", description="only items assigned to this key id")
        ] = None,
        overdue: Annotated[bool, QueryParameter(description="only items past their deadline still awaiting a parecer")] = False,
        institution: Annotated[
            str | None,
            QueryParameter(min_length=1, max_length=200, pattern=NOT_BLANK, description="only items whose origem is of this institution (case, accents and spacing ignored)"),
        ] = None,
        course: Annotated[
            str | None,
            QueryParameter(min_length=1, max_length=200, pattern=NOT_BLANK, description="only items whose destino course has this code (case, accents and spacing ignored)"),
        ] = None,
        min_age_days: Annotated[int | None, QueryParameter(ge=0, le=3650, description="only items opened at least this many days ago")] = None,
        after: Annotated[
            str | None, QueryParameter(pattern=REVIEW_ID_PATTERN, description="`next_after` of the previous page (anything else: 422)")
        ] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=200, description="items per page")] = 50,
    ) -> ReviewPageOut:
        """The tenant's review items in opening order, filtered, one keyset page at a time."""
        query = ReviewQuery(
            limit, after, None if review_state is None else ReviewState(review_state), assignee, overdue, institution, course, min_age_days
        )
        items = reviews.search(principal.tenant_id, query)
        now = reviews.now()
        next_after = items[-1].review_id if len(items) == limit else None
        return ReviewPageOut(items=[review_out(item, now) for item in items], next_after=next_after)

    @post(
        "/recursos",
        operation_id="fileRecurso",
        status_code=200,
        responses=MOVE_BODY_ERRORS,
        opt=_opt(ReviewAction.RECURSO),
    )
    def file_recurso(
        self, data: JSONBody[RecursoIn], principal: NamedDependency[Principal], reviews: NamedDependency[Reviews]
    ) -> ReviewOut:
        """A recurso: reopens a result's final decision (a new round of its review) within the
        policy's window, or takes an automatic DEFERIDO/INDEFERIDO to review. Filed by the client
        key on the student's behalf, or by the coordination."""
        actor = ReviewActor(principal.key_id, principal.role)
        item = reviews.recurso(principal.tenant_id, Recurso(data.request_id, data.fatos, data.ementa_origem), actor)
        return review_out(item, reviews.now())

    @get(
        "/{review_id:str}",
        operation_id="getReview",
        responses=READ_ERRORS,
        opt={"roles": REVIEW_READERS},
    )
    def show(self, review_id: ReviewId, principal: NamedDependency[Principal], reviews: NamedDependency[Reviews]) -> ReviewOut:
        """One review item with its history."""
        return review_out(reviews.get(principal.tenant_id, review_id), reviews.now())

    @post("/{review_id:str}/claim", operation_id="claimReview", status_code=200, responses=MOVE_ERRORS, opt=_opt(ReviewAction.CLAIM))
    def claim(self, review_id: ReviewId, principal: NamedDependency[Principal], reviews: NamedDependency[Reviews]) -> ReviewOut:
        """A reviewer takes a pending item: it is assigned to the caller's key."""
        return _move(reviews, principal, review_id, Move(ReviewAction.CLAIM))

    @post(
        "/{review_id:str}/assign",
        operation_id="assignReview",
        status_code=200,
        responses=MOVE_BODY_ERRORS,
        opt=_opt(ReviewAction.ASSIGN),
    )
    def assign(
        self, review_id: ReviewId, data: JSONBody[AssignIn], principal: NamedDependency[Principal], reviews: NamedDependency[Reviews]
    ) -> ReviewOut:
        """A coordinator assigns (or reassigns) an item awaiting its parecer to a reviewer key."""
        return _move(reviews, principal, review_id, Move(ReviewAction.ASSIGN, assignee=data.assignee_key_id))

    @post(
        "/{review_id:str}/decide",
        operation_id="decideReview",
        status_code=200,
        responses=MOVE_BODY_ERRORS,
        opt=_opt(ReviewAction.DECIDE),
    )
    def decide(
        self, review_id: ReviewId, data: JSONBody[DecideIn], principal: NamedDependency[Principal], reviews: NamedDependency[Reviews]
    ) -> ReviewOut:
        """The assigned reviewer's parecer: DEFERIDO or INDEFERIDO, a reason code and the text."""
        move = Move(ReviewAction.DECIDE, decisao=data.decisao, motivo=data.motivo, parecer=data.parecer)
        return _move(reviews, principal, review_id, move)

    @post(
        "/{review_id:str}/homologate",
        operation_id="homologateReview",
        status_code=200,
        responses=MOVE_ERRORS,
        opt=_opt(ReviewAction.HOMOLOGATE),
    )
    def homologate(self, review_id: ReviewId, principal: NamedDependency[Principal], reviews: NamedDependency[Reviews]) -> ReviewOut:
        """A coordinator homologates the parecer: it becomes the final decision."""
        return _move(reviews, principal, review_id, Move(ReviewAction.HOMOLOGATE))

    @post(
        "/{review_id:str}/return",
        operation_id="returnReview",
        status_code=200,
        responses=MOVE_BODY_ERRORS,
        opt=_opt(ReviewAction.RETURN),
    )
    def return_to_reviewer(
        self, review_id: ReviewId, data: JSONBody[ReturnIn], principal: NamedDependency[Principal], reviews: NamedDependency[Reviews]
    ) -> ReviewOut:
        """A coordinator sends the parecer back to its reviewer (em_analise again), saying why."""
        return _move(reviews, principal, review_id, Move(ReviewAction.RETURN, motivo=data.motivo))


def _move(reviews: Reviews, principal: Principal, review_id: str, move: Move) -> ReviewOut:
    actor = ReviewActor(principal.key_id, principal.role)
    item = reviews.move(principal.tenant_id, review_id, move, actor)
    return review_out(item, reviews.now())
