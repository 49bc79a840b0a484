"""POST /v1/equivalences/evaluate and GET /v1/equivalences/{request_id}."""

from __future__ import annotations

import hashlib
import uuid
from typing import Annotated, Any

import msgspec
from litestar import Controller, Response
from adapters.http.threaded import get, post
from litestar.exceptions import ValidationException
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, HeaderParameter, PathParameter

from adapters.http import openapi_examples as ex
from adapters.http.auth import EVALUATORS, READERS
from adapters.http.body_guard import BODY_LIMIT
from adapters.http.error_table import AUTH, BODY, INVALID, responses
from adapters.mappers.warm_gate import MappersWarmingUp
from adapters.http.dto import (
    ID_LIMITS,
    REQUEST_ID_LIMITS,
    CourseIn,
    EvaluateRequest,
    EvaluateResponse,
    StoredEvaluationResponse,
)
from core.domain.actors import Actor, principal_actor
from core.domain.audit import canonical_json
from core.domain.errors import IdempotencyConflict, NotFound, OverridesNotAllowed, VersionNotFound
from core.domain.model import Course, Level
from core.domain.rate_limits import RouteGroup
from core.domain.records import Principal, Role, Tenant
from core.domain.review import final_view
from core.usecases.evaluate import EvaluateCommand, EvaluateOutcome, EvaluatePair
from core.usecases.results import Results


RESULT_READERS = (*READERS, Role.REVIEWER, Role.COORDINATOR)  # a parecer starts from the stored result
ResourceId = Annotated[str, PathParameter(**ID_LIMITS)]  # a job or key id: no control characters, no '/'
# Every authenticated route: the key is checked against the database (hence 503 too).
# The error answers come from the one table (error_table.py), which also writes the handlers.
EVALUATE_ERRORS = responses(
    AUTH,
    BODY,
    OverridesNotAllowed,
    IdempotencyConflict,
    VersionNotFound,
    MappersWarmingUp,
    shown={422: ex.error_example("422_json", "a body that is not JSON")},
)
EVALUATE_BODY = Body(
    media_type=RequestEncodingType.JSON,
    title="EvaluateRequest",
    examples=[ex.example("evaluate_request", "Cálculo I (UF de origem) for Cálculo Diferencial e Integral I")],
)


def to_course(course: CourseIn) -> Course:
    return Course(
        nome=course.nome,
        carga_horaria=course.carga_horaria,
        ementa=course.ementa,
        aprovado=course.aprovado,
        nivel=Level(course.nivel) if course.nivel else None,
        ano_conclusao=course.ano_conclusao,
        disciplina_id=course.disciplina_id,
        instituicao=course.instituicao,
        codigo=course.codigo,
        creditos=course.creditos,
        objetivos=tuple(course.objetivos),
        unidade_carga=course.unidade_carga,
        minutos_hora_aula=course.minutos_hora_aula,
    )


def _without_default_unit(course: dict[str, Any]) -> None:
    """A clock-hour course hashes as it did before units existed, so stored request_ids replay."""
    if course.get("unidade_carga") == "hora_relogio":
        del course["unidade_carga"]
    if course.get("minutos_hora_aula") is None:
        course.pop("minutos_hora_aula", None)


def to_command(
    tenant_id: str, data: EvaluateRequest, idempotency_key: str | None, caller: Actor, tenant: Tenant | None = None
) -> EvaluateCommand:
    """Validated body → use-case command; the payload hash covers everything but the key itself
    (and the caller: any key of the tenant replays the same stored answer)."""
    request_id = _request_id(data.request_id, idempotency_key)
    body = msgspec.to_builtins(data)
    body.pop("request_id", None)
    _without_default_unit(body["origem"])
    _without_default_unit(body["destino"])
    context = body.pop("context", None)
    context_hash = hashlib.sha256(canonical_json(context).encode()).hexdigest() if context is not None else None
    body["context_sha256"] = context_hash
    payload_hash = hashlib.sha256(canonical_json(body).encode()).hexdigest()
    return EvaluateCommand(
        tenant_id=tenant_id,
        request_id=request_id,
        payload_hash=payload_hash,
        origem=to_course(data.origem),
        destino=to_course(data.destino),
        taxonomy_version=data.taxonomy_version,
        policy_version=data.policy_version,
        course_id=data.course_id,
        policy_overrides=msgspec.to_builtins(data.policy) if data.policy else None,
        return_evidence=data.options.return_evidence,
        allow_degraded_fallback=data.options.allow_degraded_fallback,
        context_hash=context_hash,
        caller=caller,
        tenant=tenant,
    )


def _request_id(body_id: str | None, header_id: str | None) -> str:
    if body_id and header_id and body_id != header_id:
        raise _invalid("request_id", "request_id and the Idempotency-Key header differ", "body")
    return body_id or header_id or uuid.uuid4().hex


def _invalid(field: str, message: str, source: str) -> ValidationException:
    return ValidationException(detail="Validation failed", extra=[{"key": field, "message": message, "source": source}])


class EquivalenceController(Controller):
    path = "/v1/equivalences"
    tags = ["equivalences"]

    @post(
        "/evaluate",
        operation_id="evaluate",
        summary="Decide one origem/destino pair synchronously",
        status_code=200,
        responses={
            200: ex.ok(
                EvaluateResponse,
                "the decision; a replay of a stored `request_id` has the header `Idempotent-Replayed: true`",
                ex.example("evaluate_response", "DEFERIDO: every destino concept covered"),
            ),
            **EVALUATE_ERRORS,
        },
        opt={"roles": EVALUATORS, "rate_group": RouteGroup.EVALUATE, BODY_LIMIT: "evaluate"},
    )
    def evaluate(
        self,
        data: Annotated[EvaluateRequest, EVALUATE_BODY],
        principal: NamedDependency[Principal],
        evaluate_pair: NamedDependency[EvaluatePair],
        idempotency_key: Annotated[
            str | None, HeaderParameter(name="Idempotency-Key", required=False, **REQUEST_ID_LIMITS)
        ] = None,
    ) -> Response[EvaluateResponse]:
        """Hard rules, concept mapping, coverage and decision; idempotent per request_id."""
        outcome: EvaluateOutcome = evaluate_pair(
            to_command(principal.tenant_id, data, idempotency_key, principal_actor(principal), principal.tenant)
        )
        headers = {"Idempotent-Replayed": "true"} if outcome.replayed else {}
        return Response(msgspec.convert(outcome.document, EvaluateResponse), headers=headers)

    @get(
        "/{request_id:str}",
        operation_id="getEvaluation",
        summary="A stored evaluation result",
        responses={
            200: ex.ok(
                StoredEvaluationResponse,
                "the stored answer, as first given, with `decisao_final` and the review of an ANALISE_HUMANA result", ex.example("evaluate_response", "a stored DEFERIDO")
            ),
            **responses(
                AUTH,
                NotFound,
                INVALID,
                shown={
                    404: ex.error_example("404_result", "unknown request_id"),
                    422: ex.error_example("422_path", "an id with a NUL character"),
                },
            ),
        },
        opt={"roles": RESULT_READERS, "rate_group": RouteGroup.READ},
    )
    def get_evaluation(
        self,
        request_id: Annotated[str, PathParameter(**REQUEST_ID_LIMITS)],
        principal: NamedDependency[Principal],
        results: NamedDependency[Results],
    ) -> StoredEvaluationResponse:
        """The stored answer of an earlier evaluation of this tenant, and its final decision."""
        document, item = results.with_review(principal.tenant_id, request_id)
        final = final_view(document["decisao"], document.get("decisao_origem"), item)
        return msgspec.convert({**document, **msgspec.to_builtins(final)}, StoredEvaluationResponse)



