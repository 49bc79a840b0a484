"""The curriculum document every format becomes before it is a domain `Curriculum`.

JSON is this document as is; CSV rows and MEC XML units are converted into it, so the same
limits apply to every format and a 422 names the same paths (`units[3].carga_horaria`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

from core.domain.catalog import VERSION_PATTERN
from core.domain.curriculum import UNIT_TYPES, Curriculum, CurriculumUnit, UnitType
from core.domain.workload import Workload, WorkloadUnit

_TEXT = r"^[^\x00]*[^\x00\s][^\x00]*$"  # no NUL, at least one visible character
Code = Annotated[str, Meta(min_length=1, max_length=100, pattern=r"^[\w\-.]+$", description="letters, digits, '-' or '.'")]
Text = Annotated[str, Meta(min_length=1, max_length=300, pattern=_TEXT)]
EmentaItem = Annotated[str, Meta(min_length=1, max_length=5000, pattern=_TEXT)]


class CurriculumFormatError(ValueError):
    """A document that is not a valid curriculum; `field` is the path (or XML element) at fault."""

    def __init__(self, field: str, message: str, problems: list[tuple[str, str]] | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.problems = problems or [(field, message)]


class UnitIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    codigo: Code
    nome: Text
    tipo: Literal[UNIT_TYPES] = "Disciplina"  # type: ignore[valid-type]
    carga_horaria: Annotated[float, Meta(gt=0, le=10000)]
    unidade_carga: Literal["hora_relogio", "hora_aula"] = "hora_relogio"
    minutos_hora_aula: Annotated[int, Meta(ge=1, le=120)] | None = None
    ementa: Annotated[list[EmentaItem], Meta(max_length=500)] = []
    fase: Annotated[str, Meta(max_length=100, pattern=_TEXT)] | None = None
    pre_requisitos: Annotated[list[Code], Meta(max_length=200)] = []
    equivalencias: Annotated[list[Annotated[list[Code], Meta(min_length=1, max_length=20)]], Meta(max_length=50)] = []

    def __post_init__(self) -> None:
        # The message names the field so the 422 says `units[i].minutos_hora_aula` (adapters/http/errors.py).
        if self.unidade_carga == "hora_aula" and self.minutos_hora_aula is None:
            raise ValueError("missing required field `minutos_hora_aula` (required when unidade_carga is hora_aula)")


class CurriculumIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A curriculum document: what `equivalence curriculum show V --full` prints and JSON import reads."""

    version: Annotated[str, Meta(pattern=VERSION_PATTERN, description="1-100 of A-Z a-z 0-9 . _ : -")]
    nome_curso: Text | None = None
    codigo_curriculo: Text | None = None
    units: Annotated[list[UnitIn], Meta(min_length=1, max_length=2000)]


def document_to_curriculum(
    data: Any, source_format: str = "json", signature_present: bool | None = None
) -> Curriculum:
    """A decoded document (dict, or CurriculumIn) → Curriculum; raises CurriculumFormatError with the path."""
    try:
        doc = data if isinstance(data, CurriculumIn) else msgspec.convert(data, CurriculumIn)
    except msgspec.ValidationError as exc:
        raise CurriculumFormatError(error_path(str(exc)), str(exc)) from None
    return Curriculum(
        version=doc.version,
        units=tuple(_unit(u) for u in doc.units),
        nome_curso=doc.nome_curso,
        codigo_curriculo=doc.codigo_curriculo,
        source_format=source_format,
        signature_present=signature_present,
    )


def curriculum_to_dict(curriculum: Curriculum) -> dict[str, Any]:
    """The JSON document of a stored version (importable again under a new version name)."""
    return {
        "version": curriculum.version,
        "nome_curso": curriculum.nome_curso,
        "codigo_curriculo": curriculum.codigo_curriculo,
        "units": [unit_to_dict(u) for u in curriculum.units],
    }


def unit_to_dict(unit: CurriculumUnit) -> dict[str, Any]:
    workload = unit.workload
    amount = int(workload.amount) if float(workload.amount).is_integer() else workload.amount
    return {
        "codigo": unit.codigo,
        "nome": unit.nome,
        "tipo": unit.tipo.value,
        "carga_horaria": amount,
        "unidade_carga": workload.unit.value,
        "minutos_hora_aula": workload.minutos_hora_aula,
        "clock_hours": round(workload.clock_hours(), 2),
        "ementa": list(unit.ementa),
        "fase": unit.fase,
        "pre_requisitos": list(unit.pre_requisitos),
        "equivalencias": [list(g) for g in unit.equivalencias],
    }


def error_path(message: str) -> str:
    """`units[3].carga_horaria` from msgspec's "... - at `$.units[3].carga_horaria`"."""
    import re

    found = re.search(r"at `\$\.?([^`]*)`", message)
    path = found.group(1) if found else ""
    missing = re.search(r"missing required field `([^`]*)`", message)
    if missing:
        path = f"{path}.{missing.group(1)}" if path else missing.group(1)
    return path or "body"


def _unit(unit: UnitIn) -> CurriculumUnit:
    return CurriculumUnit(
        codigo=unit.codigo,
        nome=unit.nome,
        tipo=UnitType.parse(unit.tipo),
        workload=Workload(unit.carga_horaria, WorkloadUnit(unit.unidade_carga), unit.minutos_hora_aula),
        ementa=tuple(unit.ementa),
        fase=unit.fase,
        pre_requisitos=tuple(unit.pre_requisitos),
        equivalencias=tuple(tuple(g) for g in unit.equivalencias),
    )
