"""Request and response bodies of the public API (msgspec structs; validated by Litestar)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

from adapters.http import dto_docs as doc

# Litestar's OpenAPI generator drops a bound equal to 0 (it tests the bound's truth value), so
# fields bounded below by 0 restate it for the schema; validation uses `ge` as usual.
_MINIMUM_ZERO = {"extra": {"minimum": 0}}

Nivel = Literal["basico", "intermediario", "avancado"]
ShortText = Annotated[str, Meta(min_length=1, max_length=300)]
Score = Annotated[float, Meta(ge=0, le=100, extra_json_schema=_MINIMUM_ZERO)]
UnitInterval = Annotated[float, Meta(ge=0, le=1, extra_json_schema=_MINIMUM_ZERO)]


class CourseIn(msgspec.Struct, kw_only=True):
    nome: Annotated[ShortText, Meta(description=doc.NOME)]
    carga_horaria: Annotated[int, Meta(ge=1, le=2000, description=doc.CARGA_HORARIA, examples=[60])]
    ementa: Annotated[str, Meta(min_length=5, max_length=20000, description=doc.EMENTA)]
    aprovado: Annotated[bool | None, Meta(description=doc.APROVADO)] = None
    nivel: Annotated[Nivel | None, Meta(description=doc.NIVEL)] = None
    ano_conclusao: Annotated[int, Meta(ge=1900, le=2100, description=doc.ANO_CONCLUSAO)] | None = None
    disciplina_id: Annotated[ShortText, Meta(description=doc.DISCIPLINA_ID)] | None = None
    instituicao: Annotated[ShortText, Meta(description=doc.INSTITUICAO)] | None = None
    codigo: Annotated[ShortText, Meta(description=doc.CODIGO)] | None = None
    creditos: (
        Annotated[float, Meta(ge=0, le=1000, extra_json_schema=_MINIMUM_ZERO, description=doc.CREDITOS)] | None
    ) = None
    objetivos: Annotated[
        Annotated[list[Annotated[str, Meta(max_length=2000)]], Meta(max_length=100)],
        Meta(description=doc.OBJETIVOS),
    ] = []


class WeightsIn(msgspec.Struct, kw_only=True):
    cobertura: Annotated[UnitInterval, Meta(description=doc.COBERTURA)] | None = None
    critica: Annotated[UnitInterval, Meta(description=doc.CRITICA)] | None = None
    nivel: Annotated[UnitInterval, Meta(description=doc.WEIGHTS_NIVEL)] | None = None


class PolicyIn(msgspec.Struct, kw_only=True):
    min_score_deferir: Annotated[Score, Meta(description=doc.MIN_SCORE_DEFERIR)] | None = None
    min_score_complemento: Annotated[Score, Meta(description=doc.MIN_SCORE_COMPLEMENTO)] | None = None
    tolerancia_carga: Annotated[float, Meta(gt=0, le=1, description=doc.TOLERANCIA_CARGA)] | None = None
    exigir_criticos: Annotated[bool, Meta(description=doc.EXIGIR_CRITICOS)] | None = None
    max_anos_validade: (
        Annotated[int, Meta(ge=0, le=100, extra_json_schema=_MINIMUM_ZERO, description=doc.MAX_ANOS_VALIDADE)] | None
    ) = None
    weights: Annotated[WeightsIn, Meta(description=doc.WEIGHTS)] | None = None
    confidence_cutoff: Annotated[UnitInterval, Meta(description=doc.CONFIDENCE_CUTOFF)] | None = None


class OptionsIn(msgspec.Struct, kw_only=True):
    return_evidence: Annotated[bool, Meta(description=doc.RETURN_EVIDENCE)] = True
    allow_degraded_fallback: Annotated[bool, Meta(description=doc.ALLOW_DEGRADED_FALLBACK)] = True


VersionName = Annotated[str, Meta(min_length=1, max_length=100)]


class EvaluateRequest(msgspec.Struct, kw_only=True):
    origem: Annotated[CourseIn, Meta(description=doc.ORIGEM)]
    destino: Annotated[CourseIn, Meta(description=doc.DESTINO)]
    request_id: (
        Annotated[str, Meta(min_length=8, max_length=80, pattern=r"^[A-Za-z0-9._:\-]+$", description=doc.REQUEST_ID)]
        | None
    ) = None
    policy: Annotated[PolicyIn, Meta(description=doc.POLICY)] | None = None
    taxonomy_version: Annotated[VersionName, Meta(description=doc.TAXONOMY_VERSION)] | None = None
    policy_version: Annotated[VersionName, Meta(description=doc.POLICY_VERSION)] | None = None
    course_id: Annotated[VersionName, Meta(description=doc.COURSE_ID)] | None = None
    options: Annotated[OptionsIn, Meta(description=doc.OPTIONS)] = msgspec.field(default_factory=OptionsIn)
    context: Annotated[dict[str, Any], Meta(description=doc.CONTEXT)] | None = None


class ErrorBody(msgspec.Struct):
    status_code: int
    detail: str
    extra: list[dict[str, Any]] | dict[str, Any] | None = None


class BreakdownOut(msgspec.Struct):
    cobertura: float
    cobertura_critica: float
    penalidade_nivel: float


class HardRuleOut(msgspec.Struct):
    rule: str
    ok: bool
    details: str


class CoveredConceptOut(msgspec.Struct):
    node_id: str
    conceito: str
    weight: float
    confidence: float
    evidence: list[str]


class MissingConceptOut(msgspec.Struct):
    node_id: str
    conceito: str
    critico: bool
    weight: float


class EvidenceOut(msgspec.Struct):
    covered_concepts: list[CoveredConceptOut]
    missing_concepts: list[MissingConceptOut]
    missing_critical_concepts: list[MissingConceptOut]


class EvaluateResponse(msgspec.Struct):
    request_id: str
    decisao: Literal["DEFERIDO", "INDEFERIDO", "ANALISE_HUMANA"]
    score: float
    breakdown: BreakdownOut
    hard_rules: list[HardRuleOut]
    faltantes: list[str]
    criticos_faltantes: list[str]
    justificativa_curta: str
    justificativa_detalhada: str
    evidence: EvidenceOut
    degraded_mode: bool
    model_version: str
    policy_version: str
    taxonomy_version: str
    timings_ms: dict[str, float]
    meta: dict[str, Any]


class HealthOut(msgspec.Struct):
    status: str


class ReadyOut(msgspec.Struct):
    status: str
    checks: dict[str, str]
