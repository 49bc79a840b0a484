"""Bodies of the admin catalog routes: taxonomy and policy versions, course bindings.

Strings that get stored refuse control characters (strict_json.py; PostgreSQL text cannot
hold NUL) and have the lengths of their columns, so bad input is a 422, never a database error.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from adapters.http.dto import COURSE_ID, SINGLE_LINE, Nivel, PolicyIn
from core.domain.catalog import VERSION_PATTERN
from core.domain.model import Policy
from core.domain.policy import apply_overrides

VersionId = Annotated[str, Meta(pattern=VERSION_PATTERN, description="1-100 of A-Z a-z 0-9 . _ : -")]
CourseId = Annotated[str, Meta(min_length=1, max_length=100, pattern=COURSE_ID, description="no '/' or control characters")]
Line = Annotated[str, Meta(min_length=1, max_length=300, pattern=SINGLE_LINE)]
Keyword = Annotated[str, Meta(min_length=1, max_length=300, pattern=SINGLE_LINE)]


class TaxonomyNodeIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    node_id: Annotated[str, Meta(min_length=1, max_length=100, pattern=SINGLE_LINE)]
    area: Line
    subarea: Line
    conceito: Line
    descricao: Annotated[str, Meta(max_length=5000)] = ""
    keywords: Annotated[list[Keyword], Meta(min_length=1, max_length=500)]
    nivel: Nivel | None = None
    critico: bool = False


class TaxonomyIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A taxonomy document: exactly what `equivalence taxonomy export` writes."""

    version: VersionId
    nodes: Annotated[list[TaxonomyNodeIn], Meta(min_length=1, max_length=5000)]


class TaxonomyOut(msgspec.Struct, kw_only=True):
    version: str
    concepts: int
    status: Literal["active", "deprecated"]
    scope: Literal["shared", "own"]
    is_default: bool
    created_at: dt.datetime


class TaxonomyNodeOut(msgspec.Struct, kw_only=True):
    node_id: str
    area: str
    subarea: str
    conceito: str
    descricao: str
    keywords: list[str]
    nivel: Nivel | None
    critico: bool


class TaxonomyDetailOut(TaxonomyOut, kw_only=True):
    """A version's summary; `nodes` (the export document's) only with `?full=true`."""

    areas: dict[str, int]
    critical: int
    nodes: list[TaxonomyNodeOut] | None = None


class TenantDefaultsOut(msgspec.Struct, kw_only=True):
    """The tenant's defaults after an activation (used when a request names no version or course)."""

    taxonomy_version: str | None
    policy_version: str | None


class PolicyCreateIn(PolicyIn, kw_only=True, forbid_unknown_fields=True):
    """A new policy version: the evaluate request's `policy` fields (same limits) and a name.

    Fields left out take the defaults of SPEC §4; the stored version holds every field."""

    version: VersionId


def policy_from_body(data: PolicyCreateIn) -> Policy:
    """The defaults of SPEC §4 with the body's fields applied, as the evaluate request's overrides are."""
    fields = msgspec.to_builtins(data)
    return apply_overrides(Policy(version=fields.pop("version")), fields)


class WeightsOut(msgspec.Struct, kw_only=True):
    cobertura: float
    critica: float
    nivel: float


class PolicyOut(msgspec.Struct, kw_only=True):
    version: str
    scope: Literal["shared", "own"]
    is_default: bool
    created_at: dt.datetime
    min_score_deferir: float
    min_score_complemento: float
    tolerancia_carga: float
    exigir_criticos: bool
    max_anos_validade: int | None
    weights: WeightsOut
    confidence_cutoff: float
    aprovacao_nao_informada: str = "revisao"
    prazo_parecer_dias: int = 30
    prazo_recurso_dias: int = 10
    homologacao_obrigatoria: bool = True


class BindingIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    taxonomy_version: VersionId
    policy_version: VersionId


class BindingOut(msgspec.Struct, kw_only=True):
    course_id: str
    taxonomy_version: str
    policy_version: str
