"""Curriculum versions of a tenant and their units, in SQL (immutable: migration 0003)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, select, update
from sqlalchemy.orm import Session

from adapters.persistence.sqla_models import CurriculumDefaultRow, CurriculumUnitRow, CurriculumVersionRow
from core.domain.catalog import DEPRECATED
from core.domain.curriculum import Curriculum, CurriculumInfo, CurriculumUnit, UnitType
from core.domain.errors import VersionExists
from core.domain.workload import Workload, WorkloadUnit

_CLOCK_HOURS = case(
    (
        CurriculumUnitRow.unidade_carga == WorkloadUnit.HORA_AULA.value,
        CurriculumUnitRow.carga_horaria * CurriculumUnitRow.minutos_hora_aula / 60.0,
    ),
    else_=CurriculumUnitRow.carga_horaria,
)  # Workload.clock_hours() in SQL, so a list is one query
_SUMMARY = (
    select(CurriculumVersionRow, func.count(CurriculumUnitRow.position), func.sum(_CLOCK_HOURS))
    .outerjoin(CurriculumUnitRow, CurriculumUnitRow.curriculum_version_id == CurriculumVersionRow.id)
    .group_by(CurriculumVersionRow.id)
)


class SqlaCurriculumRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, tenant_id: str, curriculum: Curriculum) -> None:
        if self._row(tenant_id, curriculum.version) is not None:
            raise VersionExists(f"curriculum version {curriculum.version!r} already exists")
        row = CurriculumVersionRow(
            tenant_id=tenant_id,
            version=curriculum.version,
            nome_curso=curriculum.nome_curso,
            codigo_curriculo=curriculum.codigo_curriculo,
            source_format=curriculum.source_format,
            signature_present=curriculum.signature_present,
        )
        self._session.add(row)
        self._session.flush()
        self._session.add_all(_to_row(row.id, position, unit) for position, unit in enumerate(curriculum.units))
        self._session.flush()

    def get(self, tenant_id: str, version: str) -> Curriculum | None:
        row = self._row(tenant_id, version)
        if row is None:
            return None
        units = self._session.scalars(
            select(CurriculumUnitRow)
            .where(CurriculumUnitRow.curriculum_version_id == row.id)
            .order_by(CurriculumUnitRow.position)
        )
        return Curriculum(
            version=row.version,
            units=tuple(_to_unit(u) for u in units),
            nome_curso=row.nome_curso,
            codigo_curriculo=row.codigo_curriculo,
            source_format=row.source_format,
            signature_present=row.signature_present,
        )

    def info(self, tenant_id: str, version: str) -> CurriculumInfo | None:
        found = self._session.execute(
            _SUMMARY.where(CurriculumVersionRow.tenant_id == tenant_id, CurriculumVersionRow.version == version)
        ).first()
        return None if found is None else _to_info(*found)

    def infos(self, tenant_id: str) -> list[CurriculumInfo]:
        rows = self._session.execute(
            _SUMMARY.where(CurriculumVersionRow.tenant_id == tenant_id).order_by(
                CurriculumVersionRow.created_at, CurriculumVersionRow.id
            )
        )
        return [_to_info(*row) for row in rows]

    def deprecate(self, tenant_id: str, version: str) -> None:
        """Only the status changes (the database refuses any other update of a version)."""
        self._session.execute(
            update(CurriculumVersionRow)
            .where(CurriculumVersionRow.tenant_id == tenant_id, CurriculumVersionRow.version == version)
            .values(status=DEPRECATED)
        )

    def default(self, tenant_id: str) -> str | None:
        row = self._session.get(CurriculumDefaultRow, tenant_id)
        return None if row is None else row.version

    def set_default(self, tenant_id: str, version: str) -> None:
        row = self._session.get(CurriculumDefaultRow, tenant_id)
        if row is None:
            self._session.add(CurriculumDefaultRow(tenant_id=tenant_id, version=version))
        else:
            row.version = version
        self._session.flush()

    def _row(self, tenant_id: str, version: str) -> CurriculumVersionRow | None:
        return self._session.scalars(
            select(CurriculumVersionRow).where(
                CurriculumVersionRow.tenant_id == tenant_id, CurriculumVersionRow.version == version
            )
        ).first()


def _to_info(row: CurriculumVersionRow, units: Any, clock_hours: Any) -> CurriculumInfo:
    return CurriculumInfo(
        row.version, row.status, row.created_at, int(units or 0), round(float(clock_hours or 0), 2),
        row.nome_curso, row.codigo_curriculo, row.source_format, row.signature_present,
    )


def _to_row(version_id: int, position: int, unit: CurriculumUnit) -> CurriculumUnitRow:
    return CurriculumUnitRow(
        curriculum_version_id=version_id,
        position=position,
        codigo=unit.codigo,
        nome=unit.nome,
        tipo=unit.tipo.value,
        carga_horaria=unit.workload.amount,
        unidade_carga=unit.workload.unit.value,
        minutos_hora_aula=unit.workload.minutos_hora_aula,
        ementa=list(unit.ementa),
        fase=unit.fase,
        pre_requisitos=list(unit.pre_requisitos),
        equivalencias=[list(group) for group in unit.equivalencias],
    )


def _to_unit(row: CurriculumUnitRow) -> CurriculumUnit:
    return CurriculumUnit(
        codigo=row.codigo,
        nome=row.nome,
        tipo=UnitType(row.tipo),
        workload=Workload(row.carga_horaria, WorkloadUnit(row.unidade_carga), row.minutos_hora_aula),
        ementa=tuple(row.ementa or ()),
        fase=row.fase,
        pre_requisitos=tuple(row.pre_requisitos or ()),
        equivalencias=tuple(tuple(group) for group in row.equivalencias or ()),
    )
