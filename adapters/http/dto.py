"""Request and response bodies of the public API (msgspec structs).

Request structs refuse unknown fields and are decoded strictly by strict_json.py (no coercion,
every error reported). Patterns used here have a sentence in PATTERN_MESSAGES for the 422.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

from adapters.http import dto_docs as doc
from core.domain.catalog import VERSION_PATTERN
from core.domain.precedents import PRECEDENT_ID_PATTERN
from core.domain.review import REVIEW_ID_PATTERN

# Litestar's OpenAPI generator drops a bound equal to 0 (it tests the bound's truth value), so
# fields bounded below by 0 restate it for the schema; validation uses `ge` as usual.
_MINIMUM_ZERO = {"extra": {"minimum": 0}}

# One line of visible text: no control characters (tab and line breaks included), not blank.
SINGLE_LINE = r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*$"
NOT_BLANK = r"\S"  # free text: at least one visible character (controls are refused apart)
TOKEN = r"^[A-Za-z0-9._:\-]+$"
COURSE_ID = r"^[^\x00-\x1f\x7f/]+$"
PATTERN_MESSAGES: dict[str, str] = {
    VERSION_PATTERN: "must be 1-100 of A-Z a-z 0-9 . _ : -, starting with a letter or digit",
    COURSE_ID: "must not contain '/' or control characters",
    SINGLE_LINE: "must be one line of visible text: not blank, no control characters (tab and line breaks included)",
    NOT_BLANK: "must not be blank (it has only whitespace)",
    TOKEN: "may contain only A-Z a-z 0-9 . _ : -",
    REVIEW_ID_PATTERN: "not a cursor from next_after (a review id, rv_…)",
    PRECEDENT_ID_PATTERN: "not a cursor from next_after (a precedent id, pc_…)",
}

Nivel = Literal["basico", "intermediario", "avancado"]
ShortText = Annotated[str, Meta(min_length=1, max_length=300, pattern=SINGLE_LINE)]
Score = Annotated[float, Meta(ge=0, le=100, extra_json_schema=_MINIMUM_ZERO)]
UnitInterval = Annotated[float, Meta(ge=0, le=1, extra_json_schema=_MINIMUM_ZERO)]


class CourseIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    nome: Annotated[ShortText, Meta(description=doc.NOME)]
    carga_horaria: Annotated[int, Meta(ge=1, le=2000, description=doc.CARGA_HORARIA, examples=[60])]
    ementa: Annotated[str, Meta(min_length=5, max_length=20000, pattern=NOT_BLANK, description=doc.EMENTA)]
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
    unidade_carga: Annotated[
        Literal["hora_relogio", "hora_aula"], Meta(description=doc.UNIDADE_CARGA)
    ] = "hora_relogio"
    minutos_hora_aula: Annotated[int, Meta(ge=1, le=120, description=doc.MINUTOS_HORA_AULA)] | None = None

    def __post_init__(self) -> None:
        # The message names the field so the 422 says `origem.minutos_hora_aula` (adapters/http/errors.py).
        if self.unidade_carga == "hora_aula" and self.minutos_hora_aula is None:
            raise ValueError("missing required field `minutos_hora_aula` (required when unidade_carga is hora_aula)")


class WeightsIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    cobertura: Annotated[UnitInterval, Meta(description=doc.COBERTURA)] | None = None
    critica: Annotated[UnitInterval, Meta(description=doc.CRITICA)] | None = None
    nivel: Annotated[UnitInterval, Meta(description=doc.WEIGHTS_NIVEL)] | None = None


class PolicyIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    min_score_deferir: Annotated[Score, Meta(description=doc.MIN_SCORE_DEFERIR)] | None = None
    min_score_complemento: Annotated[Score, Meta(description=doc.MIN_SCORE_COMPLEMENTO)] | None = None
    tolerancia_carga: Annotated[float, Meta(gt=0, le=1, description=doc.TOLERANCIA_CARGA)] | None = None
    exigir_criticos: Annotated[bool, Meta(description=doc.EXIGIR_CRITICOS)] | None = None
    max_anos_validade: (
        Annotated[int, Meta(ge=0, le=100, extra_json_schema=_MINIMUM_ZERO, description=doc.MAX_ANOS_VALIDADE)] | None
    ) = None
    weights: Annotated[WeightsIn, Meta(description=doc.WEIGHTS)] | None = None
    confidence_cutoff: Annotated[UnitInterval, Meta(description=doc.CONFIDENCE_CUTOFF)] | None = None
    aprovacao_nao_informada: (
        Annotated[Literal["revisao", "bloqueia"], Meta(description=doc.APROVACAO_NAO_INFORMADA)] | None
    ) = None
    prazo_parecer_dias: Annotated[int, Meta(ge=1, le=3650, description=doc.PRAZO_PARECER_DIAS)] | None = None
    prazo_recurso_dias: Annotated[int, Meta(ge=0, le=365, extra_json_schema=_MINIMUM_ZERO, description=doc.PRAZO_RECURSO_DIAS)] | None = None
    homologacao_obrigatoria: Annotated[bool, Meta(description=doc.HOMOLOGACAO_OBRIGATORIA)] | None = None


class OptionsIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    return_evidence: Annotated[bool, Meta(description=doc.RETURN_EVIDENCE)] = True
    allow_degraded_fallback: Annotated[bool, Meta(description=doc.ALLOW_DEGRADED_FALLBACK)] = True


VersionName = Annotated[str, Meta(min_length=1, max_length=100, pattern=SINGLE_LINE)]
RequestId = Annotated[str, Meta(min_length=8, max_length=80, pattern=TOKEN)]
REQUEST_ID_LIMITS: dict[str, Any] = {"min_length": 8, "max_length": 80, "pattern": TOKEN}  # path and header too
ID_LIMITS: dict[str, Any] = {"min_length": 1, "max_length": 100, "pattern": TOKEN}  # job and key ids in paths


class EvaluateRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    origem: Annotated[CourseIn, Meta(description=doc.ORIGEM)]
    destino: Annotated[CourseIn, Meta(description=doc.DESTINO)]
    request_id: Annotated[RequestId, Meta(description=doc.REQUEST_ID)] | None = None
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
    cobertura_topicos: float | None = None
    cobertura_vocabulario: float | None = None


class CoveredTopicOut(msgspec.Struct):
    topico: str
    similaridade: float
    trecho_origem: str | None


class PartialTopicOut(msgspec.Struct):
    topico: str
    similaridade: float


class TopicsOut(msgspec.Struct):
    """The destino's topics (its own words): covered with the origem's excerpt, partly, missing."""

    cobertura: float | None
    cobertos: list[CoveredTopicOut]
    parciais: list[PartialTopicOut]
    faltantes: list[str]
    matcher_version: str


class ReadingOut(msgspec.Struct):
    """Languages detected and what was not read as syllabus (bibliography, negated topics)."""

    idioma_origem: str
    idioma_destino: str
    desconsiderado_origem: list[str]
    desconsiderado_destino: list[str]


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


class PolicyOverrideOut(msgspec.Struct):
    """What the request's `policy` changed in the resolved policy (ADR 0013)."""

    policy_sha256: Annotated[str, Meta(description="SHA-256 of the canonical JSON of the effective policy (every field)")]
    fields: Annotated[dict[str, Any], Meta(description='each overridden field (dotted, e.g. "weights.nivel") and the value applied')]
    by: Annotated[dict[str, Any] | None, Meta(description="the key that asked: key_id and role")]


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
    rules_version: Annotated[
        str | None,
        Meta(description="version of the decision rules that made this answer; null only in results stored before rules were versioned"),
    ] = None
    policy_override: Annotated[
        PolicyOverrideOut | None, Meta(description="null unless the request's `policy` overrode the resolved policy")
    ] = None
    motivo_revisao: (
        Literal[
            "ementa_insuficiente",
            "idioma_nao_suportado",
            "area_fora_do_vocabulario",
            "cobertura_incerta",
            "mapeamento_degradado",
            "carga_horaria_limitrofe",
            "aprovacao_nao_informada",
            "precedente_relacionado",
        ]
        | None
    ) = None
    topicos: TopicsOut | None = None
    leitura: ReadingOut | None = None
    # Precedents (ADR 0024): present only when the tenant's table took part in the decision.
    decisao_origem: Annotated[
        Literal["precedente"] | None, Meta(description="`precedente` when a binding precedent decided; null: the automatic evaluation")
    ] = None
    precedente: Annotated[
        dict[str, Any] | None, Meta(description="the binding precedent that decided: id, origens, destino, vigência, provenance and parecer")
    ] = None
    precedentes_relacionados: Annotated[
        list[dict[str, Any]] | None,
        Meta(description="precedents shown to the reviewer as evidence (advisory, reworded ementa, N:1), each with `motivo`; never applied"),
    ] = None


class ReviewSummaryOut(msgspec.Struct, kw_only=True):
    review_id: str
    state: str
    decisao: str | None
    motivo: str | None
    history: list[dict[str, Any]]


class StoredEvaluationResponse(EvaluateResponse, kw_only=True):
    """A stored answer as GET shows it: the decision as first given, and where it ended (ADR 0020)."""

    decisao_final: Annotated[
        Literal["DEFERIDO", "INDEFERIDO"] | None,
        Meta(description="the automatic decision, or the homologated parecer of its review; null while a review is open"),
    ] = None
    decisao_final_origem: Annotated[
        Literal["automatica", "revisao", "precedente"] | None, Meta(description="how `decisao_final` was reached")
    ] = None
    revisao: Annotated[ReviewSummaryOut | None, Meta(description="the review item of an ANALISE_HUMANA result")] = None


class HealthOut(msgspec.Struct):
    status: str


class ReadyOut(msgspec.Struct):
    status: str
    checks: dict[str, str]
