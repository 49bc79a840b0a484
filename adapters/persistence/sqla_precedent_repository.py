"""Precedents in SQL: a row each, plus one `precedent_origins` row per origem course for the lookup.

`for_origin` is one indexed range read on (tenant_id, instituicao_key, codigo_key) — O(log n) in
the number of precedents — then the few precedents it names by primary key (ADR 0024).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import RowMapping, Select, and_, bindparam, exists, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from adapters.persistence.sqla_models import PrecedentImportRow, PrecedentOriginRow, PrecedentPairRow, PrecedentRow
from core.domain.precedents import Origin, PairOrigin, Precedent, PrecedentImport, PrecedentKind, ReviewedPair, course_key
from core.ports.precedent_repository import PrecedentFilter

_TABLE = PrecedentRow.__table__
_ORIGINS = PrecedentOriginRow.__table__
_IMPORTS = PrecedentImportRow.__table__
_ADD_IMPORT = {  # a concurrent import of the same file that committed first leaves this one a no-op
    name: dialect_insert(_IMPORTS)
    .on_conflict_do_nothing(index_elements=["tenant_id", "arquivo_sha256"])
    .returning(_IMPORTS.c.arquivo_sha256)
    for name, dialect_insert in (("postgresql", postgresql.insert), ("sqlite", sqlite.insert))
}
# Built once: evaluate runs it for every pair whose origem names institution and code (ADR 0024).
_FOR_ORIGIN = select(_TABLE).where(
    _TABLE.c.tenant_id == bindparam("t"),
    _TABLE.c.precedent_id.in_(
        select(_ORIGINS.c.precedent_id).where(
            _ORIGINS.c.tenant_id == bindparam("t"),
            _ORIGINS.c.instituicao_key == bindparam("i"),
            _ORIGINS.c.codigo_key == bindparam("c"),
        )
    ),
)


class SqlaPrecedentRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, precedent: Precedent) -> None:
        self._session.execute(_TABLE.insert().values(**_row(precedent)))
        origins = [
            {
                "tenant_id": precedent.tenant_id,
                "precedent_id": precedent.precedent_id,
                "position": position,
                "instituicao_key": origin.key[0],
                "codigo_key": origin.key[1],
                "fingerprint": origin.fingerprint,
            }
            for position, origin in enumerate(precedent.origens)
        ]
        self._session.execute(_ORIGINS.insert(), origins)

    def get(self, tenant_id: str, precedent_id: str) -> Precedent | None:
        row = self._session.get(PrecedentRow, (tenant_id, precedent_id))
        return None if row is None else _precedent(_mapping(row))

    def for_origin(self, tenant_id: str, instituicao_key: str, codigo_key: str) -> list[Precedent]:
        rows = self._session.execute(_FOR_ORIGIN, {"t": tenant_id, "i": instituicao_key, "c": codigo_key}).mappings()
        return [_precedent(row) for row in rows]

    def for_origins(self, tenant_id: str, keys: Sequence[tuple[str, str]]) -> list[Precedent]:
        if not keys:
            return []
        named = select(_ORIGINS.c.precedent_id).where(
            _ORIGINS.c.tenant_id == tenant_id,
            tuple_(_ORIGINS.c.instituicao_key, _ORIGINS.c.codigo_key).in_(sorted(set(keys))),
        )
        statement = select(_TABLE).where(_TABLE.c.tenant_id == tenant_id, _TABLE.c.precedent_id.in_(named))
        return [_precedent(row) for row in self._session.execute(statement.order_by(_TABLE.c.precedent_id)).mappings()]

    def end_vigencia(self, precedent: Precedent) -> None:
        self._session.execute(
            update(_TABLE)
            .where(_TABLE.c.tenant_id == precedent.tenant_id, _TABLE.c.precedent_id == precedent.precedent_id)
            .values(valid_to=precedent.valid_to, ended_at=precedent.ended_at, ended_by=precedent.ended_by)
        )

    def list_page(self, tenant_id: str, limit: int, after: str | None, where: PrecedentFilter) -> list[Precedent]:
        statement = select(PrecedentRow).where(PrecedentRow.tenant_id == tenant_id)
        if after is not None:
            statement = statement.where(PrecedentRow.precedent_id > after)
        statement = _filtered(statement, tenant_id, where).order_by(PrecedentRow.precedent_id).limit(limit)
        return [_precedent(_mapping(row)) for row in self._session.scalars(statement)]

    def remember_pair(self, tenant_id: str, request_id: str, pair: ReviewedPair) -> None:
        document = {
            "origem": {"instituicao": pair.origem.instituicao, "codigo": pair.origem.codigo, "ementa": pair.origem.ementa},
            "destino_codigo": pair.destino_codigo,
            "course_id": pair.course_id,
        }
        self._session.execute(
            PrecedentPairRow.__table__.insert().values(tenant_id=tenant_id, request_id=request_id, pair=document)
        )

    def pair_for(self, tenant_id: str, request_id: str) -> ReviewedPair | None:
        row = self._session.get(PrecedentPairRow, (tenant_id, request_id))
        if row is None:
            return None
        origem = row.pair["origem"]
        return ReviewedPair(
            PairOrigin(origem["instituicao"], origem["codigo"], origem["ementa"]), row.pair["destino_codigo"], row.pair["course_id"]
        )

    def import_of(self, tenant_id: str, arquivo_sha256: str) -> PrecedentImport | None:
        row = self._session.get(PrecedentImportRow, (tenant_id, arquivo_sha256))
        if row is None:
            return None
        return PrecedentImport(row.tenant_id, row.arquivo_sha256, row.imported_at, dict(row.imported_by), tuple(row.precedent_ids))

    def add_import(self, record: PrecedentImport) -> bool:
        values = {
            "tenant_id": record.tenant_id,
            "arquivo_sha256": record.arquivo_sha256,
            "imported_at": record.imported_at,
            "imported_by": record.imported_by,
            "precedent_ids": list(record.precedent_ids),
        }
        inserted = self._session.execute(_ADD_IMPORT[self._session.get_bind().dialect.name], values).first()
        return inserted is not None


def _filtered(statement: Select[PrecedentRow], tenant_id: str, where: PrecedentFilter) -> Select[PrecedentRow]:
    origin_terms = []
    if where.instituicao is not None:
        origin_terms.append(PrecedentOriginRow.instituicao_key == course_key(where.instituicao))
    if where.codigo is not None:
        origin_terms.append(PrecedentOriginRow.codigo_key == course_key(where.codigo))
    if origin_terms:
        statement = statement.where(
            exists().where(
                PrecedentOriginRow.tenant_id == tenant_id,
                PrecedentOriginRow.precedent_id == PrecedentRow.precedent_id,
                and_(*origin_terms),
            )
        )
    if where.destino_codigo is not None:
        statement = statement.where(PrecedentRow.destino_codigo == where.destino_codigo)
    if where.course_id is not None:
        statement = statement.where(PrecedentRow.course_id == where.course_id)
    if where.kind is not None:
        statement = statement.where(PrecedentRow.kind == where.kind.value)
    if where.in_force_on is not None:
        day: dt.date = where.in_force_on
        statement = statement.where(
            PrecedentRow.valid_from <= day, (PrecedentRow.valid_to.is_(None)) | (PrecedentRow.valid_to > day)
        )
    return statement


def _row(p: Precedent) -> dict[str, Any]:
    return {
        "tenant_id": p.tenant_id,
        "precedent_id": p.precedent_id,
        "kind": p.kind.value,
        "origens": [{"instituicao": o.instituicao, "codigo": o.codigo, "ementa": o.ementa} for o in p.origens],
        "destino_codigo": p.destino_codigo,
        "course_id": p.course_id,
        "valid_from": p.valid_from,
        "valid_to": p.valid_to,
        "escopo": p.escopo,
        "parecer": p.parecer,
        "review_id": p.review_id,
        "request_id": p.request_id,
        "expressao": p.expressao,
        "created_at": p.created_at,
        "created_by": p.created_by,
        "ended_at": p.ended_at,
        "ended_by": p.ended_by,
    }


def _mapping(row: PrecedentRow) -> dict[str, Any]:
    return {column.key: getattr(row, column.key) for column in _TABLE.columns}


def _precedent(row: RowMapping | dict[str, Any]) -> Precedent:
    ended_by = row["ended_by"]
    return Precedent(
        tenant_id=row["tenant_id"],
        precedent_id=row["precedent_id"],
        origens=tuple(Origin(o["instituicao"], o["codigo"], o.get("ementa", "")) for o in row["origens"]),
        destino_codigo=row["destino_codigo"],
        course_id=row["course_id"],
        kind=PrecedentKind(row["kind"]),
        valid_from=row["valid_from"],
        valid_to=row["valid_to"],
        created_at=row["created_at"],
        created_by=dict(row["created_by"]),
        escopo=row["escopo"],
        parecer=row["parecer"],
        review_id=row["review_id"],
        request_id=row["request_id"],
        expressao=row["expressao"],
        ended_at=row["ended_at"],
        ended_by=None if ended_by is None else dict(ended_by),
    )
