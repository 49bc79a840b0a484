"""Entities and value objects of an equivalence evaluation.

Plain frozen dataclasses: no framework, no ORM. Everything an evaluation reads or
produces is immutable, so the same input and the same versions give the same output.
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.domain.reading import Reading, ReviewReason

from core.domain.workload import Workload, WorkloadUnit


class Decision(str, enum.Enum):
    DEFERIDO = "DEFERIDO"
    INDEFERIDO = "INDEFERIDO"
    ANALISE_HUMANA = "ANALISE_HUMANA"


class Level(str, enum.Enum):
    BASICO = "basico"
    INTERMEDIARIO = "intermediario"
    AVANCADO = "avancado"

    @property
    def rank(self) -> int:
        return _LEVEL_RANK[self]


_LEVEL_RANK = {Level.BASICO: 0, Level.INTERMEDIARIO: 1, Level.AVANCADO: 2}


@dataclass(frozen=True, slots=True)
class Course:
    """One side of a comparison: a course the student passed (origem) or must replace (destino)."""

    nome: str
    carga_horaria: int
    ementa: str
    aprovado: bool | None = None
    nivel: Level | None = None
    ano_conclusao: int | None = None
    disciplina_id: str | None = None
    instituicao: str | None = None
    codigo: str | None = None
    creditos: float | None = None
    objetivos: tuple[str, ...] = ()
    unidade_carga: str = "hora_relogio"  # or "hora_aula" (core/domain/workload.py)
    minutos_hora_aula: int | None = None  # required with hora_aula, e.g. 50

    @property
    def workload(self) -> Workload:
        """`carga_horaria` in the unit the caller sent; `.clock_hours()` is what rules compare."""
        return Workload(self.carga_horaria, WorkloadUnit(self.unidade_carga), self.minutos_hora_aula)


@dataclass(frozen=True, slots=True)
class Weights:
    cobertura: float = 0.6
    critica: float = 0.4
    nivel: float = 0.1


@dataclass(frozen=True, slots=True)
class Policy:
    """Versioned institutional policy: the thresholds a coordinator would apply by hand."""

    version: str = "default-v1"
    min_score_deferir: float = 85.0
    min_score_complemento: float = 70.0
    tolerancia_carga: float = 1.0
    exigir_criticos: bool = True
    max_anos_validade: int | None = None
    weights: Weights = field(default_factory=Weights)
    confidence_cutoff: float = 0.5
    aprovacao_nao_informada: str = "revisao"
    """When the request does not say whether the origem was passed: "revisao" (a person
    checks it; never an automatic DEFERIDO) or "bloqueia" (INDEFERIDO, like a failed course)."""
    prazo_parecer_dias: int = 30
    """Days a review item (an ANALISE_HUMANA result) has for its parecer before it is overdue."""
    prazo_recurso_dias: int = 10
    """Working days (weekends excluded) after a final decision in which a recurso may be filed."""
    homologacao_obrigatoria: bool = True
    """A parecer is final only once a coordinator homologates it; False makes the parecer final."""


@dataclass(frozen=True, slots=True)
class TaxonomyNode:
    node_id: str
    area: str
    subarea: str
    conceito: str
    descricao: str = ""
    keywords: tuple[str, ...] = ()
    nivel: Level | None = None
    critico: bool = False


@dataclass(frozen=True)
class Taxonomy:
    """An immutable, versioned set of concepts that ementas are mapped onto."""

    version: str
    nodes: tuple[TaxonomyNode, ...]

    @cached_property
    def by_id(self) -> dict[str, TaxonomyNode]:
        return {n.node_id: n for n in self.nodes}

    def node(self, node_id: str) -> TaxonomyNode:
        return self.by_id[node_id]

    @cached_property
    def fingerprint(self) -> str:
        """A short digest of the concepts, computed once per object: two tenants may own different
        taxonomies under one version name, so caches key by version *and* this."""
        return hashlib.sha256(repr(self.nodes).encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class ConceptMatch:
    """A taxonomy concept found in an ementa, with how sure the mapper is and where it saw it."""

    node_id: str
    confidence: float
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class MappingOutcome:
    """What the mapping step produced for one ementa, and whether it had to degrade."""

    matches: tuple[ConceptMatch, ...]
    mapper_version: str
    degraded: bool = False
    error: str | None = None


@dataclass(frozen=True, slots=True)
class HardRuleResult:
    rule: str
    ok: bool
    details: str
    blocking: bool = True


@dataclass(frozen=True, slots=True)
class CoveredConcept:
    node_id: str
    conceito: str
    weight: float
    confidence: float
    evidence: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MissingConcept:
    node_id: str
    conceito: str
    critico: bool
    weight: float


@dataclass(frozen=True, slots=True)
class Breakdown:
    cobertura: float
    cobertura_critica: float
    penalidade_nivel: float
    cobertura_topicos: float | None = None
    """Share of the destino's topics the origem lists (the taxonomy-free path)."""
    cobertura_vocabulario: float | None = None
    """Share of the destino's topics the taxonomy has concepts for."""


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The decision and everything needed to explain it."""

    decisao: Decision
    score: float
    breakdown: Breakdown
    hard_rules: tuple[HardRuleResult, ...]
    covered: tuple[CoveredConcept, ...]
    missing: tuple[MissingConcept, ...]
    justificativa_curta: str
    justificativa_detalhada: str
    degraded_mode: bool
    model_version: str
    policy_version: str
    taxonomy_version: str
    reading: Reading | None = None
    motivo_revisao: ReviewReason | None = None

    @property
    def missing_critical(self) -> tuple[MissingConcept, ...]:
        return tuple(m for m in self.missing if m.critico)
