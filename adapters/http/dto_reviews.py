"""Bodies and answers of /v1/reviews (strict input like every other body: unknown fields are 422)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

from core.domain.review import EMENTA_MAX, FATOS_MAX, MOTIVO_MAX, PARECER_MAX, ReviewItem

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


class RecursoIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    request_id: Annotated[str, Meta(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._:-]+$", description="the result whose final decision is appealed")]
    fatos: Annotated[str, Meta(min_length=1, max_length=FATOS_MAX, description="the new facts the recurso brings")]
    ementa_origem: Annotated[str, Meta(min_length=1, max_length=EMENTA_MAX, description="a new ementa of the origem, if the recurso brings one")] | None = None


class ReviewTermsOut(msgspec.Struct, kw_only=True):
    prazo_parecer_dias: int
    prazo_recurso_dias: int
    homologacao_obrigatoria: bool


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
    rodada: Annotated[int, Meta(description="1 for the first review, +1 for each recurso")] = 1
    recurso: Annotated[dict[str, Any] | None, Meta(description="the latest recurso: `fatos` and the new `ementa` (or null)")] = None
    recurso_ate: Annotated[dt.datetime | None, Meta(description="end of the window for a recurso (working days), once final")] = None
    terms: ReviewTermsOut | None = None
    instituicao: Annotated[str | None, Meta(description="the origem's institution, as the request named it (null: not named, or an appeal)")] = None
    curso: Annotated[str | None, Meta(description="the destino course's code, as the request named it")] = None


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
        rodada=item.rodada,
        recurso=item.recurso,
        recurso_ate=item.recurso_until(),
        terms=ReviewTermsOut(**item.terms.payload()),
        instituicao=item.about.instituicao,
        curso=item.about.curso,
    )
