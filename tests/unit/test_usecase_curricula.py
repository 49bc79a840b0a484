"""The curriculum use cases over the fakes: import, list, show, activate, deprecate, each audited."""

from __future__ import annotations

import dataclasses

import pytest

from core.domain.catalog import CLI_ACTOR
from core.domain.curriculum import Curriculum, CurriculumUnit, InvalidCurriculum, UnitType, check_curriculum
from core.domain.errors import CatalogConflict, InvalidVersionName, NotFound, VersionExists
from core.domain.model import Policy, Taxonomy, TaxonomyNode
from core.domain.records import AuditEvent, Tenant
from core.domain.workload import Workload, WorkloadUnit
from core.usecases.curricula import Curricula
from core.usecases.bootstrap import DEFAULT_TENANT, Seed
from tests.fakes import FakeUnitOfWorkFactory, FixedClock, SequentialIds

ACTOR = {"key_id": "k-1", "role": "admin"}
CLOCK = FixedClock()
OTHER = "other"
CALCULO = CurriculumUnit("MAT1", "Cálculo I", UnitType.DISCIPLINA, Workload(72, WorkloadUnit.HORA_AULA, 50))
CURRICULUM = Curriculum(
    "cur-1",
    (
        CALCULO,
        CurriculumUnit("MAT2", "Cálculo II", UnitType.DISCIPLINA, Workload(60), pre_requisitos=("MAT1",),
                       equivalencias=(("OLD1", "OLD2"), ("OLD3",))),
        CurriculumUnit("EST", "Estágio", UnitType.ESTAGIO, Workload(200)),
    ),
)


@pytest.fixture
def uows() -> FakeUnitOfWorkFactory:
    uows = FakeUnitOfWorkFactory()
    taxonomy = Taxonomy("t-1", (TaxonomyNode("a", "area", "sub", "A", keywords=("a",)),))
    Seed(uows, b"pepper", FixedClock(), SequentialIds())(taxonomy, Policy(), None)
    with uows() as uow:
        uow.tenants.add(Tenant(OTHER, "Outra", True, taxonomy.version, "default-v1"))
        uow.commit()
    return uows


def events(uows: FakeUnitOfWorkFactory, tenant_id: str = DEFAULT_TENANT) -> list[AuditEvent]:
    with uows.reading() as uow:
        return [e for e in uow.audit.list_events(tenant_id, limit=1000) if e.event_type.startswith("curriculum.")]


def test_import_stores_the_version_and_audits_it_in_one_commit(uows: FakeUnitOfWorkFactory) -> None:
    before = len(uows.units)
    view = Curricula(uows, CLOCK).import_version(DEFAULT_TENANT, CURRICULUM, ACTOR)
    assert [u.commits for u in uows.units[before:] if not u.read_only] == [1]
    assert view.info.units == 3 and view.info.clock_hours == 320 and view.info.status == "active"
    assert not view.is_default
    [event] = events(uows)
    assert event.event_type == "curriculum.imported"
    assert event.payload == {"actor": ACTOR, "version": "cur-1", "units": 3, "format": "json", "signature_present": None}
    shown = Curricula(uows, CLOCK).show(DEFAULT_TENANT, "cur-1", full=True)
    assert shown.curriculum == CURRICULUM


def test_a_version_name_is_never_reused(uows: FakeUnitOfWorkFactory) -> None:
    Curricula(uows, CLOCK).import_version(DEFAULT_TENANT, CURRICULUM, ACTOR)
    with pytest.raises(VersionExists, match="nothing to do"):
        Curricula(uows, CLOCK).import_version(DEFAULT_TENANT, CURRICULUM, ACTOR)
    changed = dataclasses.replace(CURRICULUM, units=CURRICULUM.units[:1])
    with pytest.raises(VersionExists, match="immutable"):
        Curricula(uows, CLOCK).import_version(DEFAULT_TENANT, changed, ACTOR)
    assert len(events(uows)) == 1
    Curricula(uows, CLOCK).import_version(OTHER, CURRICULUM, ACTOR)  # another tenant's own name


def test_bad_names_units_and_tenants_are_refused_before_anything_is_stored(uows: FakeUnitOfWorkFactory) -> None:
    with pytest.raises(InvalidVersionName):
        Curricula(uows, CLOCK).import_version(DEFAULT_TENANT, dataclasses.replace(CURRICULUM, version="a b"), ACTOR)
    with pytest.raises(InvalidCurriculum):
        Curricula(uows, CLOCK).import_version(DEFAULT_TENANT, dataclasses.replace(CURRICULUM, units=CURRICULUM.units[1:]), ACTOR)
    with pytest.raises(NotFound):
        Curricula(uows, CLOCK).import_version("nobody", CURRICULUM, ACTOR)
    assert Curricula(uows, CLOCK).catalog(DEFAULT_TENANT) == ([], None)


def test_activate_and_deprecate(uows: FakeUnitOfWorkFactory) -> None:
    Curricula(uows, CLOCK).import_version(DEFAULT_TENANT, CURRICULUM, ACTOR)
    Curricula(uows, CLOCK).import_version(DEFAULT_TENANT, dataclasses.replace(CURRICULUM, version="cur-2"), ACTOR)
    assert Curricula(uows, CLOCK).activate(DEFAULT_TENANT, "cur-1", ACTOR).is_default
    with pytest.raises(CatalogConflict, match="activate another version first"):
        Curricula(uows, CLOCK).deprecate(DEFAULT_TENANT, "cur-1", ACTOR)
    Curricula(uows, CLOCK).activate(DEFAULT_TENANT, "cur-2", CLI_ACTOR)
    assert Curricula(uows, CLOCK).deprecate(DEFAULT_TENANT, "cur-1", ACTOR).info.status == "deprecated"
    with pytest.raises(CatalogConflict, match="deprecated"):
        Curricula(uows, CLOCK).activate(DEFAULT_TENANT, "cur-1", ACTOR)
    infos, current = Curricula(uows, CLOCK).catalog(DEFAULT_TENANT)
    assert [(i.version, i.status) for i in infos] == [("cur-1", "deprecated"), ("cur-2", "active")] and current == "cur-2"
    assert [(e.event_type, e.payload.get("previous")) for e in events(uows)][2:] == [
        ("curriculum.activated", None), ("curriculum.activated", "cur-1"), ("curriculum.deprecated", None),
    ]


@pytest.mark.parametrize("action", ["show", "activate", "deprecate"])
def test_another_tenants_version_is_missing(uows: FakeUnitOfWorkFactory, action: str) -> None:
    Curricula(uows, CLOCK).import_version(DEFAULT_TENANT, CURRICULUM, ACTOR)
    with pytest.raises(NotFound, match="curriculum version 'cur-1' not found"):
        if action == "show":
            Curricula(uows, CLOCK).show(OTHER, "cur-1", full=False)
        else:
            getattr(Curricula(uows, CLOCK), action)(OTHER, "cur-1", ACTOR)
    assert events(uows, OTHER) == []


@pytest.mark.parametrize(
    ("units", "field"),
    [
        ((), "units"),
        ((CALCULO, CALCULO), "units[1].codigo"),
        ((dataclasses.replace(CALCULO, pre_requisitos=("MAT1",)),), "units[0].pre_requisitos"),
        ((dataclasses.replace(CALCULO, pre_requisitos=("NOPE",)),), "units[0].pre_requisitos"),
    ],
)
def test_curriculum_checks_name_the_unit(units: tuple[CurriculumUnit, ...], field: str) -> None:
    with pytest.raises(InvalidCurriculum) as raised:
        check_curriculum(Curriculum("c", units))
    assert raised.value.field == field


def test_equivalence_codes_may_name_other_curricula() -> None:
    check_curriculum(Curriculum("c", (dataclasses.replace(CALCULO, equivalencias=(("ELSEWHERE",),)),)))


def test_unit_types_are_the_mec_ones_plus_tcc() -> None:
    assert UnitType.parse("TCC") is UnitType.TCC and UnitType.parse(" Estágio ") is UnitType.ESTAGIO
    with pytest.raises(ValueError):
        UnitType.parse("Seminário")
