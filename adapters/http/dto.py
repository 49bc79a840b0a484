"""Request and response bodies of the public API (msgspec structs; validated by Litestar)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

# Litestar's OpenAPI generator drops a bound equal to 0 (it tests the bound's truth value), so
# fields bounded below by 0 restate it for the schema; validation uses `ge` as usual.
_MINIMUM_ZERO = {"extra": {"minimum": 0}}

Nivel = Literal["basico", "intermediario", "avancado"]
ShortText = Annotated[str, Meta(min_length=1, max_length=300)]
Score = Annotated[float, Meta(ge=0, le=100, extra_json_schema=_MINIMUM_ZERO)]
UnitInterval = Annotated[float, Meta(ge=0, le=1, extra_json_schema=_MINIMUM_ZERO)]


class CourseIn(msgspec.Struct, kw_only=True):
    nome: ShortText
    carga_horaria: Annotated[int, Meta(ge=1, le=2000)]
    ementa: Annotated[str, Meta(min_length=5, max_length=20000)]
    aprovado: bool | None = None
    nivel: Nivel | None = None
    ano_conclusao: Annotated[int, Meta(ge=1900, le=2100)] | None = None
    disciplina_id: ShortText | None = None
    instituicao: ShortText | None = None
    codigo: ShortText | None = None
    creditos: Annotated[float, Meta(ge=0, le=1000, extra_json_schema=_MINIMUM_ZERO)] | None = None
    objetivos: Annotated[list[Annotated[str, Meta(max_length=2000)]], Meta(max_length=100)] = []
    unidade_carga: Literal["hora_relogio", "hora_aula"] = "hora_relogio"
    minutos_hora_aula: Annotated[int, Meta(ge=1, le=120)] | None = None

    def __post_init__(self) -> None:
        # The message names the field so the 422 says `origem.minutos_hora_aula` (adapters/http/errors.py).
        if self.unidade_carga == "hora_aula" and self.minutos_hora_aula is None:
            raise ValueError("missing required field `minutos_hora_aula` (required when unidade_carga is hora_aula)")


class WeightsIn(msgspec.Struct, kw_only=True):
    cobertura: UnitInterval | None = None
    critica: UnitInterval | None = None
    nivel: UnitInterval | None = None


class PolicyIn(msgspec.Struct, kw_only=True):
    min_score_deferir: Score | None = None
    min_score_complemento: Score | None = None
    tolerancia_carga: Annotated[float, Meta(gt=0, le=1)] | None = None
    exigir_criticos: bool | None = None
    max_anos_validade: Annotated[int, Meta(ge=0, le=100, extra_json_schema=_MINIMUM_ZERO)] | None = None
    weights: WeightsIn | None = None
    confidence_cutoff: UnitInterval | None = None


class OptionsIn(msgspec.Struct, kw_only=True):
    return_evidence: bool = True
    allow_degraded_fallback: bool = True


VersionName = Annotated[str, Meta(min_length=1, max_length=100)]


class EvaluateRequest(msgspec.Struct, kw_only=True):
    origem: CourseIn
    destino: CourseIn
    request_id: Annotated[str, Meta(min_length=8, max_length=80, pattern=r"^[A-Za-z0-9._:\-]+$")] | None = None
    policy: PolicyIn | None = None
    taxonomy_version: VersionName | None = None
    policy_version: VersionName | None = None
    course_id: VersionName | None = None
    options: OptionsIn = msgspec.field(default_factory=OptionsIn)
    context: dict[str, Any] | None = None


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
