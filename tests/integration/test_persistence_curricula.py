"""The SQL curriculum repository on both databases, and migration 0003's immutability triggers."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DatabaseError

from adapters.persistence.sqla_unit_of_work import SqlaUnitOfWorkFactory
from core.domain.curriculum import Curriculum, CurriculumUnit, UnitType
from core.domain.errors import VersionExists
from core.domain.workload import Workload, WorkloadUnit

CURRICULUM = Curriculum(
    "cur-1",
    (
        CurriculumUnit("MAT1", "Cálculo I", UnitType.DISCIPLINA, Workload(72, WorkloadUnit.HORA_AULA, 50),
                       ementa=("Limites.", "Derivadas."), fase="1"),
        CurriculumUnit("MAT2", "Cálculo II", UnitType.DISCIPLINA, Workload(66.67), fase="2",
                       pre_requisitos=("MAT1",), equivalencias=(("OLD1", "OLD2"), ("OLD3",))),
        CurriculumUnit("TCC1", "TCC", UnitType.TCC, Workload(108)),
    ),
    nome_curso="Matemática",
    codigo_curriculo="MAT-2024",
    source_format="xml",
    signature_present=False,
)
REFUSED = [
    "UPDATE curriculum_units SET nome = 'changed'",
    "UPDATE curriculum_units SET carga_horaria = 1",
    "DELETE FROM curriculum_units",
    "UPDATE curriculum_versions SET version = 'renamed'",
    "UPDATE curriculum_versions SET signature_present = true",
    "DELETE FROM curriculum_versions",
]


def _store(uow_factory: SqlaUnitOfWorkFactory, tenant_id: str) -> None:
    with uow_factory() as uow:
        uow.curricula.add(tenant_id, CURRICULUM)
        uow.commit()


def _execute(engine: Engine, statement: str, tenant_id: str) -> None:
    table = statement.split()[1] if statement.startswith("UPDATE") else statement.split()[2]
    scope = {
        "curriculum_units": "curriculum_version_id IN (SELECT id FROM curriculum_versions WHERE tenant_id = :t)",
        "curriculum_versions": "tenant_id = :t",
    }[table]
    with engine.begin() as connection:
        connection.execute(text(f"{statement} WHERE {scope}"), {"t": tenant_id})


def test_round_trip_keeps_every_field(uow_factory: SqlaUnitOfWorkFactory, tenant_id: str) -> None:
    _store(uow_factory, tenant_id)
    with uow_factory.reading() as uow:
        assert uow.curricula.get(tenant_id, "cur-1") == CURRICULUM
        info = uow.curricula.info(tenant_id, "cur-1")
        assert uow.curricula.get("someone-else", "cur-1") is None
        assert uow.curricula.info("someone-else", "cur-1") is None
    assert info is not None and info.units == 3 and info.clock_hours == pytest.approx(234.67)
    assert (info.status, info.source_format, info.signature_present) == ("active", "xml", False)


def test_a_version_name_is_taken_once_per_tenant(uow_factory: SqlaUnitOfWorkFactory, tenant_id: str) -> None:
    _store(uow_factory, tenant_id)
    with pytest.raises(VersionExists), uow_factory() as uow:
        uow.curricula.add(tenant_id, CURRICULUM)
    _store(uow_factory, tenant_id + "-b")  # another tenant may use the same name


def test_status_and_current_pointer(uow_factory: SqlaUnitOfWorkFactory, tenant_id: str) -> None:
    _store(uow_factory, tenant_id)
    with uow_factory() as uow:
        assert uow.curricula.default(tenant_id) is None
        uow.curricula.set_default(tenant_id, "cur-1")
        uow.commit()
    with uow_factory() as uow:
        uow.curricula.set_default(tenant_id, "cur-2")
        uow.curricula.deprecate(tenant_id, "cur-1")
        uow.commit()
    with uow_factory.reading() as uow:
        assert uow.curricula.default(tenant_id) == "cur-2"
        assert [i.status for i in uow.curricula.infos(tenant_id)] == ["deprecated"]


@pytest.mark.parametrize("statement", REFUSED)
def test_stored_curriculum_cannot_be_changed_or_deleted(
    engine: Engine, uow_factory: SqlaUnitOfWorkFactory, tenant_id: str, statement: str
) -> None:
    _store(uow_factory, tenant_id)
    with pytest.raises(DatabaseError, match="immutable"):
        _execute(engine, statement, tenant_id)


def test_status_may_go_from_active_to_deprecated_only(engine: Engine, uow_factory: SqlaUnitOfWorkFactory, tenant_id: str) -> None:
    _store(uow_factory, tenant_id)
    _execute(engine, "UPDATE curriculum_versions SET status = 'deprecated'", tenant_id)
    with pytest.raises(DatabaseError, match="immutable"):
        _execute(engine, "UPDATE curriculum_versions SET status = 'active'", tenant_id)


@pytest.mark.postgres
def test_truncate_is_refused_on_postgresql(postgres_url: str) -> None:
    from adapters.persistence.database import create_engine_for

    engine = create_engine_for(postgres_url)
    try:
        for table in ("curriculum_units", "curriculum_versions CASCADE"):
            with pytest.raises(DatabaseError, match="immutable"), engine.begin() as connection:
                connection.execute(text(f"TRUNCATE {table}"))
    finally:
        engine.dispose()
