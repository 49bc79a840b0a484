"""The SQL precedent repository on SQLite and PostgreSQL: round trip, indexed lookup, filters, vigência end."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid

from sqlalchemy import inspect
from sqlalchemy.engine import Engine

from adapters.persistence.database import session_factory
from adapters.persistence.sqla_unit_of_work import SqlaUnitOfWorkFactory
from core.domain.precedents import Origin, PairOrigin, PrecedentImport, PrecedentKind, ReviewedPair, course_key
from core.ports.precedent_repository import PrecedentFilter
from tests.support.precedents import ORIGEM_CODIGO, ORIGEM_INSTITUICAO, precedent

EMENTA = "Limites, derivadas e integrais."


def test_round_trip_lookup_filters_and_vigencia_end(engine: Engine) -> None:
    uows = SqlaUnitOfWorkFactory(session_factory(engine))
    tenant = f"pp-{uuid.uuid4().hex[:10]}"
    one = precedent(tenant, "pc_1", EMENTA)
    advisory = precedent(tenant, "pc_2", EMENTA, kind=PrecedentKind.ADVISORY, valid_to=dt.date(2026, 6, 1))
    combined = dataclasses.replace(
        precedent(tenant, "pc_3", "", codigo="MAT201"),
        origens=(Origin(ORIGEM_INSTITUICAO, "MAT201", "vetores"), Origin(ORIGEM_INSTITUICAO, "MAT202", "")),
        expressao="(MAT201 E MAT202) OU MAT203",
    )
    elsewhere = precedent("another-tenant-" + tenant, "pc_1", EMENTA)
    with uows() as uow:
        for item in (one, advisory, combined, elsewhere):
            uow.precedents.add(item)
        uow.precedents.remember_pair(tenant, "req-1", ReviewedPair(PairOrigin("UFPB", "X1", "texto"), "CALC-A", "curso-1"))
        uow.commit()
    key = (course_key(ORIGEM_INSTITUICAO), course_key(ORIGEM_CODIGO))
    with uows.reading() as uow:
        assert uow.precedents.get(tenant, "pc_1") == one
        assert uow.precedents.get(tenant, "pc_3") == combined
        assert sorted(p.precedent_id for p in uow.precedents.for_origin(tenant, *key)) == ["pc_1", "pc_2"]
        assert uow.precedents.for_origin(tenant, key[0], course_key("mat 202")) == [combined]
        assert uow.precedents.pair_for(tenant, "req-1") == ReviewedPair(PairOrigin("UFPB", "X1", "texto"), "CALC-A", "curso-1")
        assert uow.precedents.pair_for(tenant, "req-2") is None
        page = uow.precedents.list_page(tenant, 2, None, PrecedentFilter())
        assert [p.precedent_id for p in page] == ["pc_1", "pc_2"]
        assert [p.precedent_id for p in uow.precedents.list_page(tenant, 2, "pc_2", PrecedentFilter())] == ["pc_3"]
        in_force = PrecedentFilter(in_force_on=dt.date(2026, 6, 1), instituicao="universidade federal da paraiba")
        assert [p.precedent_id for p in uow.precedents.list_page(tenant, 10, None, in_force)] == ["pc_1", "pc_3"]
        assert [p.precedent_id for p in uow.precedents.list_page(tenant, 10, None, PrecedentFilter(kind=PrecedentKind.ADVISORY))] == ["pc_2"]
        assert [p.precedent_id for p in uow.precedents.list_page(tenant, 10, None, PrecedentFilter(codigo="MAT202"))] == ["pc_3"]
        assert uow.precedents.list_page(tenant, 10, None, PrecedentFilter(destino_codigo="FIS")) == []

    ended = dataclasses.replace(one, valid_to=dt.date(2026, 3, 2), ended_at=one.created_at, ended_by={"key_id": "k"})
    with uows() as uow:
        uow.precedents.end_vigencia(ended)
        uow.commit()
    with uows.reading() as uow:
        assert uow.precedents.get(tenant, "pc_1") == ended
        assert uow.precedents.get("another-tenant-" + tenant, "pc_1") == elsewhere


def test_the_lookup_is_served_by_an_index(engine: Engine) -> None:
    indexes = {ix["name"]: ix["column_names"] for ix in inspect(engine).get_indexes("precedent_origins")}
    assert indexes["ix_precedent_origins_lookup"][:3] == ["tenant_id", "instituicao_key", "codigo_key"]


def test_a_files_import_is_recorded_once_per_tenant(engine: Engine) -> None:
    uows = SqlaUnitOfWorkFactory(session_factory(engine))
    tenant = f"pi-{uuid.uuid4().hex[:10]}"
    record = PrecedentImport(tenant, "a" * 64, dt.datetime(2026, 3, 2, 12, tzinfo=dt.timezone.utc), {"key_id": "k"}, ("pc_1", "pc_2"))
    with uows() as uow:
        assert uow.precedents.import_of(tenant, record.arquivo_sha256) is None
        assert uow.precedents.add_import(record) is True
        uow.commit()
    with uows() as uow:
        assert uow.precedents.add_import(dataclasses.replace(record, precedent_ids=("pc_9",))) is False  # nothing stored
        assert uow.precedents.add_import(dataclasses.replace(record, tenant_id="other-" + tenant)) is True
        uow.commit()
    with uows.reading() as uow:
        assert uow.precedents.import_of(tenant, record.arquivo_sha256) == record
