"""Precedent helpers shared by the unit, integration and e2e tests."""

from __future__ import annotations

import datetime as dt

from core.domain.precedents import Origin, Precedent, PrecedentKind

ORIGEM_INSTITUICAO = "Universidade Federal da Paraíba"
ORIGEM_CODIGO = "MAT101"
NOW = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.timezone.utc)
COORDINATOR = {"key_id": "k-coord", "role": "coordinator"}


def precedent(
    tenant_id: str,
    precedent_id: str,
    ementa: str,
    destino_codigo: str | None = "CALC-A",
    kind: PrecedentKind = PrecedentKind.BINDING,
    valid_from: dt.date = dt.date(2026, 1, 1),
    valid_to: dt.date | None = None,
    codigo: str = ORIGEM_CODIGO,
    parecer: str | None = "Conteúdos equivalentes.",
) -> Precedent:
    return Precedent(
        tenant_id=tenant_id,
        precedent_id=precedent_id,
        origens=(Origin(ORIGEM_INSTITUICAO, codigo, ementa),),
        destino_codigo=destino_codigo,
        course_id=None,
        kind=kind,
        valid_from=valid_from,
        valid_to=valid_to,
        created_at=NOW,
        created_by=COORDINATOR,
        parecer=parecer,
    )


def csv_table(*rows: str) -> str:
    header = "instituicao,origem,ementa_origem,destino_codigo,course_id,tipo,vigencia_inicio,vigencia_fim,escopo,parecer"
    return "\n".join((header, *rows)) + "\n"
