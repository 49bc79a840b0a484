"""Request body of POST /v1/cases (msgspec structs, decoded strictly like every body: strict_json.py).

The answer is the use case's document (core/usecases/cases.py::case_document), returned as is.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

from adapters.curricula.document import Code, UnitIn
from adapters.http.dto import NOT_BLANK, ShortText, VersionName
from core.domain.catalog import VERSION_PATTERN
from core.domain.curriculum import UNIT_TYPES

MAX_COURSES = 200
JOB_MIN_COURSES = 60
"""A histórico with more courses than this runs as a job unless `assincrono` says otherwise."""
MAX_UNITS = 500


class CaseCourseIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """One course of the histórico (origem)."""

    codigo: Annotated[Code, Meta(description="the course's code in the histórico; unique within the case")]
    nome: ShortText
    carga_horaria: Annotated[float, Meta(gt=0, le=2000, description="workload in `unidade_carga`")]
    unidade_carga: Literal["hora_relogio", "hora_aula"] = "hora_relogio"
    minutos_hora_aula: Annotated[int, Meta(ge=1, le=120)] | None = None
    ementa: Annotated[str, Meta(max_length=20000, description="the syllabus; empty: the course covers nothing")] = ""
    instituicao: ShortText | None = None
    nota: Annotated[float, Meta(ge=0, le=100, description="the grade, as the histórico states it")] | None = None
    conceito: Annotated[str, Meta(max_length=20, pattern=NOT_BLANK, description="a letter grade (A, B, SS...)")] | None = None
    status: Annotated[str, Meta(max_length=40, pattern=NOT_BLANK, description="`Aprovado...` counts as approved unless `aprovado` says otherwise")] | None = None
    aprovado: bool | None = None
    periodo: Annotated[str, Meta(max_length=20, pattern=NOT_BLANK, description="the term taken, e.g. 2019.1 (its year counts for validity)")] | None = None
    ano: Annotated[int, Meta(ge=1900, le=2100)] | None = None

    def __post_init__(self) -> None:
        if self.unidade_carga == "hora_aula" and self.minutos_hora_aula is None:
            raise ValueError("missing required field `minutos_hora_aula` (required when unidade_carga is hora_aula)")


class CurriculoRefIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A curriculum version the tenant stored (/admin/curricula); no `versao`: its current one."""

    versao: Annotated[str, Meta(pattern=VERSION_PATTERN)] | None = None
    id: Annotated[str, Meta(min_length=1, max_length=300, description="if given, must be the version's codigo_curriculo")] | None = None


class CasePolicyIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    max_combinacao: Annotated[int, Meta(ge=1, le=5, description="origem courses combined to waive one unit")] = 3
    permite_reuso: Annotated[bool, Meta(description="an origem course may waive more than one unit")] = False
    limite_percentual: Annotated[float, Meta(gt=0, le=100, description="cap on the waived share of the curriculum's clock hours, in %")] | None = None
    tipos_excluidos: Annotated[
        list[Literal[UNIT_TYPES]], Meta(max_length=20, description="unit types never waived; default TCC and Estágio")  # type: ignore[valid-type]
    ] | None = None
    validade_anos: Annotated[int, Meta(ge=0, le=100, description="courses older than this (by their year) are not used")] | None = None
    limiar_carga: Annotated[float, Meta(ge=0.7, le=1.0, description="share of the unit's clock hours the origem courses must add up to")] = 1.0


MAX_HISTORICO_XML = 4 * 1024 * 1024


class CaseRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """`historico` (the courses as JSON) or `historico_xml` (a MEC Histórico Escolar Digital
    v1.05 document as a string) with its `ementas` by CodigoDisciplina: exactly one of the two."""

    historico: Annotated[list[CaseCourseIn], Meta(min_length=1, max_length=MAX_COURSES)] | None = None
    historico_xml: Annotated[str, Meta(min_length=1, max_length=MAX_HISTORICO_XML, description="a MEC Histórico Escolar Digital v1.05 XML document")] | None = None
    ementas: Annotated[
        dict[Code, Annotated[str, Meta(max_length=20000)]],
        Meta(max_length=MAX_COURSES, description="with historico_xml: each Disciplina's ementa by CodigoDisciplina"),
    ] | None = None
    historico_minutos_hora_aula: Annotated[
        int, Meta(ge=1, le=120, description="with historico_xml: clock minutes of the histórico's hora-aula (needed if it states HoraAula)")
    ] | None = None
    curriculo: CurriculoRefIn | None = None
    unidades: Annotated[list[UnitIn], Meta(min_length=1, max_length=MAX_UNITS)] | None = None
    politica: CasePolicyIn = msgspec.field(default_factory=CasePolicyIn)
    student: Annotated[dict[str, Any], Meta(description="the student's identifiers: stored only as a SHA-256")] | None = None
    taxonomy_version: VersionName | None = None
    policy_version: VersionName | None = None
    assincrono: Annotated[
        bool, Meta(description=f"true: run as a job (202); false: answer now; absent: a job above {JOB_MIN_COURSES} courses")
    ] | None = None


class CaseAccepted(msgspec.Struct):
    """202 of POST /v1/cases: a large case queued as a job (its id is the case id)."""

    case_id: str
    job_id: str
    status: str  # queued
    resultado: str  # where to poll: /v1/cases/{case_id}


class CaseUnitsProgress(msgspec.Struct):
    """How far a running case is: curriculum units scored of those to score (ADR 0034)."""

    fase: str  # avaliando
    unidades_avaliadas: int
    unidades_total: int


class CaseRunning(msgspec.Struct):
    """202 of GET /v1/cases/{case_id} while its job is queued or running (200 once failed)."""

    case_id: str
    status: str  # queued, running, failed, dead_lettered
    job_id: str
    tentativas: int
    erro: str | None
    created_at: str
    started_at: str | None
    progresso: CaseUnitsProgress | None  # None until the first units are scored
