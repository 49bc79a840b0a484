"""Curricula: the destination side of a request, stored once per tenant as an immutable version.

A curriculum version lists its units (disciplinas, módulos, estágios, TCC…) with their workload
and unit, ementa items, phase, prerequisites and internal equivalences. Like taxonomies it is
never changed once stored: a change is a new version, and an old one can be deprecated
(docs/adr/0016-curricula.md). The unit types are those of MEC's Currículo Escolar Digital.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from core.domain.errors import DomainError
from core.domain.workload import Workload


class UnitType(str, enum.Enum):
    """`TTipoUnidadeCurricular` of the Currículo Escolar Digital v1.05."""

    DISCIPLINA = "Disciplina"
    MODULO = "Módulo"
    ATIVIDADE = "Atividade"
    ESTAGIO = "Estágio"
    TCC = "Trabalho de Conclusão de Curso"
    MONOGRAFIA = "Monografia"
    ARTIGO = "Artigo"
    PROJETO = "Projeto"
    PRODUTO = "Produto"
    ATIVIDADE_COMPLEMENTAR = "Atividade Complementar"
    ATIVIDADE_EXTENSAO = "Atividade de Extensão"

    @classmethod
    def parse(cls, text: str) -> UnitType:
        """The MEC name, or the short `TCC` offices write."""
        return cls.TCC if text.strip().upper() == "TCC" else cls(text.strip())


UNIT_TYPES = tuple(t.value for t in UnitType) + ("TCC",)
SOURCE_FORMATS = ("json", "csv", "xml")


class InvalidCurriculum(DomainError):
    """A curriculum whose units contradict each other; `field` is the path of the first problem."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, slots=True)
class CurriculumUnit:
    """One unit. `equivalencias` are groups of codes: the unit counts as done when every code of
    at least one group was passed (the Currículo's `Equivalencias`, SIGAA's `(A E B) OU C`)."""

    codigo: str
    nome: str
    tipo: UnitType
    workload: Workload
    ementa: tuple[str, ...] = ()
    fase: str | None = None
    pre_requisitos: tuple[str, ...] = ()
    equivalencias: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True, slots=True)
class Curriculum:
    """A version of a course's curriculum; `signature_present` only for MEC XML (never verified)."""

    version: str
    units: tuple[CurriculumUnit, ...]
    nome_curso: str | None = None
    codigo_curriculo: str | None = None
    source_format: str = "json"
    signature_present: bool | None = None

    @property
    def clock_hours(self) -> float:
        return sum(unit.workload.clock_hours() for unit in self.units)

    def unit(self, codigo: str) -> CurriculumUnit | None:
        return next((u for u in self.units if u.codigo == codigo), None)


@dataclass(frozen=True, slots=True)
class CurriculumInfo:
    """What the catalog knows of one stored version, without its units."""

    version: str
    status: str
    created_at: dt.datetime
    units: int
    clock_hours: float
    nome_curso: str | None
    codigo_curriculo: str | None
    source_format: str
    signature_present: bool | None


def deprecated_curriculum_message(version: str) -> str:
    """Why a new case may not use a deprecated version: the wording of a deprecated taxonomy's."""
    return (
        f"curriculum version '{version}' is deprecated: cases decided with it stay readable, "
        "but new decisions may not use it"
    )


def check_curriculum(curriculum: Curriculum) -> None:
    """Codes are unique; prerequisites name units of the same curriculum, never the unit itself.

    Equivalence codes may name units of other (older) curricula, so they are not checked.
    Raises InvalidCurriculum naming the first offending unit as `units[i].field`.
    """
    if not curriculum.units:
        raise InvalidCurriculum("units", "a curriculum needs at least one unit")
    codes = {unit.codigo for unit in curriculum.units}
    seen: set[str] = set()
    for index, unit in enumerate(curriculum.units):
        if unit.codigo in seen:
            raise InvalidCurriculum(f"units[{index}].codigo", f"unit code {unit.codigo!r} appears more than once")
        seen.add(unit.codigo)
        for required in unit.pre_requisitos:
            if required == unit.codigo:
                raise InvalidCurriculum(f"units[{index}].pre_requisitos", f"unit {unit.codigo!r} cannot require itself")
            if required not in codes:
                raise InvalidCurriculum(
                    f"units[{index}].pre_requisitos", f"prerequisite {required!r} of {unit.codigo!r} is not a unit of this curriculum"
                )
