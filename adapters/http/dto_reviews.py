"""Bodies and answers of /v1/reviews (strict input like every other body: unknown fields are 422)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

from core.domain.review import MOTIVO_MAX, PARECER_MAX, ReviewItem

KeyId = Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")]
ReasonCode = Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[a-z0-9_]+$")]
ReviewStateName = Literal["pendente", "em_analise", "parecer_emitido", "homologado"]


class AssignIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    assignee_key_id: Annotated[KeyId, Meta(description="id of an active reviewer (or admin) key of the tenant")]


class DecideIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    decisao: Annotated[Literal["DEFERIDO", "INDEFERIDO"], Meta(description="the reviewer's decision")]
    motivo: Annotated[ReasonCode, Meta(description="a reason code of the tenant's list (default list in ADR 0020)")]
    parecer: Annotated[str, Meta(min_length=1, max_length=PARECER_MAX, description="the parecer text")]


class ReturnIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    motivo: Annotated[str, Meta(min_length=1, max_length=MOTIVO_MAX, description="why the parecer goes back to the reviewer")]


class ReviewOut(msgspec.Struct, kw_only=True):
    review_id: str
    request_id: str
    state: ReviewStateName
    assignee_key_id: str | None
    decisao: str | None
    motivo: str | None
    parecer: str | None
    deadline: dt.datetime
    overdue: bool
    created_at: dt.datetime
    updated_at: dt.datetime
    history: list[dict[str, Any]]


class ReviewPageOut(msgspec.Struct, kw_only=True):
    items: list[ReviewOut]
    next_after: Annotated[str | None, Meta(description="pass as `after` for the next page; null when the page came back short (the last one)")]


def review_out(item: ReviewItem, now: dt.datetime) -> ReviewOut:
    return ReviewOut(
        review_id=item.review_id,
        request_id=item.request_id,
        state=item.state.value,  # type: ignore[arg-type]  # the enum's values are the Literal's
        assignee_key_id=item.assignee,
        decisao=item.decision,
        motivo=item.reason_code,
        parecer=item.parecer,
        deadline=item.deadline,
        overdue=item.overdue(now),
        created_at=item.created_at,
        updated_at=item.updated_at,
        history=list(item.history),
    )
