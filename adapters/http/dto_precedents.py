"""Bodies and answers of /v1/precedents (strict input: unknown fields are 422)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

from core.domain.precedents import Precedent

KindName = Literal["binding", "advisory"]
ReviewIdText = Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]


class FromReviewIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    review_id: Annotated[ReviewIdText, Meta(description="the review item whose DEFERIDO parecer becomes the precedent")]
    homologar: Annotated[
        bool, Meta(description="true: homologate the parecer now and register it in the same transaction; false: it is already homologated")
    ] = False
    tipo: Annotated[KindName, Meta(description="binding decides alone; advisory is only shown to reviewers")] = "binding"
    vigencia_inicio: Annotated[dt.date | None, Meta(description="first day in force (default: today)")] = None
    vigencia_fim: Annotated[dt.date | None, Meta(description="first day no longer in force (default: open-ended)")] = None
    escopo: Annotated[str, Meta(min_length=1, max_length=500, description="where it applies, in the institution's words")] | None = None


class EndIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    vigencia_fim: Annotated[dt.date | None, Meta(description="first day no longer in force (default: today)")] = None
    motivo: Annotated[str, Meta(min_length=1, max_length=2000, description="why it ends (recorded in the audit chain)")] | None = None


class OriginOut(msgspec.Struct, kw_only=True):
    instituicao: str
    codigo: str
    ementa: str
    ementa_fingerprint: str | None


class PrecedentOut(msgspec.Struct, kw_only=True):
    precedent_id: str
    tipo: KindName
    origens: Annotated[list[OriginOut], Meta(description="all must have been passed (one alternative of an N:1 expression)")]
    destino_codigo: str | None
    course_id: str | None
    vigencia_inicio: dt.date
    vigencia_fim: Annotated[dt.date | None, Meta(description="first day no longer in force; null: open-ended")]
    vigente: Annotated[bool, Meta(description="in force today")]
    escopo: str | None
    parecer: str | None
    review_id: str | None
    request_id: str | None
    expressao: str | None
    created_at: dt.datetime
    created_by: dict[str, Any]
    ended_at: dt.datetime | None
    ended_by: dict[str, Any] | None


class PrecedentPageOut(msgspec.Struct, kw_only=True):
    items: list[PrecedentOut]
    next_after: Annotated[str | None, Meta(description="pass as `after` for the next page; null on the last one")]


class ImportOut(msgspec.Struct, kw_only=True):
    quantidade: int
    precedent_ids: list[str]
    arquivo_sha256: str


def precedent_out(p: Precedent, today: dt.date) -> PrecedentOut:
    return PrecedentOut(
        precedent_id=p.precedent_id,
        tipo=p.kind.value,  # type: ignore[arg-type]  # the enum's values are the Literal's
        origens=[OriginOut(instituicao=o.instituicao, codigo=o.codigo, ementa=o.ementa, ementa_fingerprint=o.fingerprint) for o in p.origens],
        destino_codigo=p.destino_codigo,
        course_id=p.course_id,
        vigencia_inicio=p.valid_from,
        vigencia_fim=p.valid_to,
        vigente=p.in_force(today),
        escopo=p.escopo,
        parecer=p.parecer,
        review_id=p.review_id,
        request_id=p.request_id,
        expressao=p.expressao,
        created_at=p.created_at,
        created_by=p.created_by,
        ended_at=p.ended_at,
        ended_by=p.ended_by,
    )
