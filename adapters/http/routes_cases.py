"""POST /v1/cases and GET /v1/cases/{case_id} (JSON, or CSV with ?format=csv): ADR 0027.

Thin: the strict body → a CaseCommand (the `student` object only as its SHA-256, like an
evaluate's `context`), one call of EvaluateCase, its document as the answer.
"""

from __future__ import annotations

import hashlib
import re
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, MediaType, Response
from adapters.http.threaded import get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.exceptions import ValidationException
from litestar.params import Body, PathParameter, QueryParameter

from adapters.documents.parecer_html import render_html
from adapters.documents.parecer_pdf import render_pdf
from adapters.http.routes_pareceres import PARECER_CSP, HtmlOrPdfOperation, JsonOrCsvOperation
from adapters.curricula.document import CurriculumFormatError, document_to_curriculum
from adapters.curricula.mec_historico import decode_historico
from adapters.http.auth import EVALUATORS, READERS
from adapters.http.body_guard import BODY_LIMIT
from adapters.http.dto import ID_LIMITS
from adapters.http import openapi_examples as ex
from adapters.http.dto_cases import JOB_MIN_COURSES, MAX_COURSES, CaseAccepted, CaseCourseIn, CasePolicyIn, CaseRequest, CaseRunning
from adapters.http.error_table import AUTH, BODY, INVALID, responses
from core.domain.actors import Actor, principal_actor
from core.domain.audit import canonical_json
from core.domain.cases.model import DEFAULT_EXCLUDED, CasePolicy, InvalidCase
from core.domain.curriculum import InvalidCurriculum, UnitType, check_curriculum
from core.domain.errors import NotFound, VersionNotFound
from core.domain.rate_limits import RouteGroup
from core.domain.records import Principal, Tenant
from core.usecases.case_jobs import SubmitCase
from core.usecases.cases import CaseCommand, EvaluateCase, TranscriptCourse, case_csv
from core.usecases.pareceres import Pareceres

CaseId = Annotated[str, PathParameter(**ID_LIMITS)]
CASE_ERRORS = responses(AUTH, BODY, VersionNotFound)


def _invalid(field: str, message: str) -> ValidationException:
    return ValidationException(detail="Validation failed", extra=[{"key": field, "message": message, "source": "body"}])


def _sha256(value: Any) -> str:
    return hashlib.sha256(canonical_json(value).encode()).hexdigest()


def to_policy(policy: CasePolicyIn) -> CasePolicy:
    excluded = DEFAULT_EXCLUDED if policy.tipos_excluidos is None else frozenset(UnitType.parse(t) for t in policy.tipos_excluidos)
    try:
        return CasePolicy(
            max_combination=policy.max_combinacao,
            allow_reuse=policy.permite_reuso,
            max_waived_share=None if policy.limite_percentual is None else policy.limite_percentual / 100,
            excluded_types=excluded,
            validity_years=policy.validade_anos,
            workload_threshold=policy.limiar_carga,
        )
    except InvalidCase as exc:
        raise _invalid("politica", str(exc)) from None


def to_case_command(tenant_id: str, data: CaseRequest, caller: Actor | None, tenant: Tenant | None = None) -> CaseCommand:
    """Validated body → command; cross-field rules answer 422 with the field's path."""
    if data.curriculo is not None and data.unidades is not None:
        raise _invalid("unidades", "send either curriculo (a stored version) or unidades (inline), not both")
    courses, source = _transcript(data)
    seen: set[str] = set()
    for i, course in enumerate(courses):
        if course.codigo in seen:
            raise _invalid(f"historico[{i}].codigo", f"course code {course.codigo!r} appears more than once")
        seen.add(course.codigo)
    units = None
    if data.unidades is not None:
        inline = document_to_curriculum({"version": "inline", "units": msgspec.to_builtins(data.unidades)})
        try:
            check_curriculum(inline)
        except InvalidCurriculum as exc:
            raise _invalid(exc.field.replace("units", "unidades", 1), str(exc)) from None
        units = inline.units
    body = msgspec.to_builtins(data)
    for name in ("historico", "historico_xml", "ementas", "historico_minutos_hora_aula", "assincrono"):  # absent: as before
        if body.get(name) is None:
            body.pop(name, None)
    student = body.pop("student", None)
    student_hash = None if student is None else _sha256(student)
    body["student_sha256"] = student_hash
    transcript = tuple(
        TranscriptCourse(
            codigo=c.codigo, nome=c.nome, carga_horaria=c.carga_horaria, ementa=c.ementa,
            unidade_carga=c.unidade_carga, minutos_hora_aula=c.minutos_hora_aula, instituicao=c.instituicao,
            nota=None if c.nota is None and c.conceito is None else (c.conceito or f"{c.nota:g}"),
            status=c.status, aprovado=c.aprovado, periodo=c.periodo, ano=c.ano,
        )
        for c in courses
    )
    return CaseCommand(
        tenant_id=tenant_id,
        payload_hash=_sha256(body),
        transcript=transcript,
        policy=to_policy(data.politica),
        curriculum_version=data.curriculo.versao if data.curriculo else None,
        curriculum_id=data.curriculo.id if data.curriculo else None,
        units=units,
        student_hash=student_hash,
        taxonomy_version=data.taxonomy_version,
        policy_version=data.policy_version,
        caller=caller,
        tenant=tenant,
        transcript_source=source,
    )


def _transcript(data: CaseRequest) -> tuple[list[CaseCourseIn], dict[str, Any] | None]:
    """The courses: `historico` as sent, or read from `historico_xml` with `ementas` (ADR 0027)."""
    xml_only = {"ementas": data.ementas, "historico_minutos_hora_aula": data.historico_minutos_hora_aula}
    if data.historico is not None:
        if data.historico_xml is not None:
            raise _invalid("historico_xml", "send either historico (JSON courses) or historico_xml (a MEC Histórico), not both")
        for name, value in xml_only.items():
            if value is not None:
                raise _invalid(name, f"{name} goes with historico_xml (with historico, each course carries its own)")
        return data.historico, None
    if data.historico_xml is None:
        raise _invalid("historico", "send historico (JSON courses) or historico_xml (a MEC Histórico Escolar Digital)")
    try:
        read = decode_historico(data.historico_xml.encode("utf-8"), data.ementas or {}, data.historico_minutos_hora_aula)
    except CurriculumFormatError as exc:
        raise ValidationException(
            detail="Validation failed", extra=[{"key": k, "message": m, "source": "body"} for k, m in exc.problems]
        ) from None
    if not read.courses:
        raise _invalid("historico_xml", "the histórico has no Disciplina")
    if len(read.courses) > MAX_COURSES:
        raise _invalid("historico_xml", f"the histórico has {len(read.courses)} Disciplina entries; at most {MAX_COURSES}")
    try:
        courses = msgspec.convert(read.courses, list[CaseCourseIn])
    except msgspec.ValidationError as exc:
        raise _invalid("historico_xml", _located(str(exc), read.lines)) from None
    return courses, read.summary()


def _located(message: str, lines: list[int]) -> str:
    """`... - at `$[3].nome`` said with the line of the 4th Disciplina."""
    found = re.search(r"\$\[(\d+)\]\.?(\w*)", message)
    if found is None or int(found.group(1)) >= len(lines):
        return message
    where = f"line {lines[int(found.group(1))]}: Disciplina"
    return f"{where}: {re.sub(r' - at `[^`]*`', '', message)} ({found.group(2) or 'disciplina'})"


def run_case(evaluate_case: EvaluateCase, command: CaseCommand) -> dict[str, Any]:
    """The use case, a missing curriculum told as a 422 on `curriculo.versao`."""
    try:
        return evaluate_case(command)
    except InvalidCase as exc:
        raise _invalid("historico", str(exc)) from None


def decide_or_queue(
    command: CaseCommand, assincrono: bool | None, evaluate_case: EvaluateCase, submit_case: SubmitCase
) -> tuple[int, dict[str, Any]]:
    """(200, the case) now, or (202, its job) for a large one (the API and the console's *Caso*)."""
    as_job = assincrono if assincrono is not None else len(command.transcript) > JOB_MIN_COURSES
    if not as_job:  # answered as GET /v1/cases/{id} will tell it: each unit with its final state
        decided = run_case(evaluate_case, command)
        return 200, submit_case.progress(command.tenant_id, decided["case_id"])[1]
    if command.units is not None:
        raise _invalid("assincrono", "a case runs as a job only against a stored curriculum (curriculo), not inline unidades")
    job = submit_case(command)
    return 202, {"case_id": job.job_id, "job_id": job.job_id, "status": job.status.value, "resultado": f"/v1/cases/{job.job_id}"}


class CaseController(Controller):
    path = "/v1/cases"
    tags = ["cases"]

    @post(
        "/",
        operation_id="evaluateCase",
        summary="Decide a student's whole request: a histórico against a curriculum",
        status_code=200,
        responses={
            202: ex.ok(
                CaseAccepted,
                "accepted: a large case (or `assincrono: true`) stored as a job and queued; poll GET /v1/cases/{case_id}",
                ex.example("case_accepted", "a 40-course histórico queued"),
            ),
            **CASE_ERRORS,
        },
        opt={"roles": EVALUATORS, "rate_group": RouteGroup.EVALUATE, BODY_LIMIT: "case"},
    )
    def evaluate_case(
        self,
        data: Annotated[CaseRequest, Body(media_type=RequestEncodingType.JSON, title="CaseRequest")],
        principal: NamedDependency[Principal],
        evaluate_case: NamedDependency[EvaluateCase],
        submit_case: NamedDependency[SubmitCase],
    ) -> Response[Any]:
        """Per destino unit DEFERIDO / INDEFERIDO / ANALISE_HUMANA, unused courses with reasons, the summary.

        A large case (more than JOB_MIN_COURSES courses, or `assincrono: true`) answers 202 with
        its case id; GET /v1/cases/{case_id} shows the job's progress (202) then the case (200)."""
        command = to_case_command(principal.tenant_id, data, principal_actor(principal), principal.tenant)
        status, document = decide_or_queue(command, data.assincrono, evaluate_case, submit_case)
        return Response(document, status_code=status)

    @get(
        "/{case_id:str}",
        operation_id="getCase",
        summary="A stored case (JSON, or CSV with ?format=csv)",
        operation_class=JsonOrCsvOperation,
        response_description="the decided case (JSON), or its table as text/csv with format=csv; a failed job's status",
        responses={
            202: ex.ok(
                CaseRunning,
                "the case's job is queued or running: its progress (units scored of the total)",
                ex.example("case_running", "40 of 60 units scored"),
            ),
            **responses(AUTH, NotFound, INVALID),
        },
        opt={"roles": READERS, "rate_group": RouteGroup.READ},
    )
    def get_case(
        self,
        case_id: CaseId,
        principal: NamedDependency[Principal],
        submit_case: NamedDependency[SubmitCase],
        format: Annotated[Literal["json", "csv"], QueryParameter(required=False)] = "json",
    ) -> Response[Any]:
        decided, document = submit_case.progress(principal.tenant_id, case_id)
        if not decided:  # a case job still queued or running (or failed): its progress
            return Response(document, status_code=202 if document["status"] in ("queued", "running") else 200)
        if format == "csv":
            headers = {"Content-Disposition": f'attachment; filename="case-{case_id}.csv"'}
            return Response(case_csv(document), media_type="text/csv", headers=headers)
        return Response(document)

    @get(
        "/{case_id:str}/parecer",
        operation_id="getCaseParecer",
        summary="The parecer of a decided case (Relatório, Fundamentação, Conclusão with the waiver table): HTML or PDF",
        media_type=MediaType.HTML,
        operation_class=HtmlOrPdfOperation,
        response_description="the parecer: text/html (format=html, the default) or application/pdf (format=pdf)",
        responses=responses(AUTH, NotFound, INVALID),
        opt={"roles": READERS, "rate_group": RouteGroup.READ},
    )
    def get_case_parecer(
        self,
        case_id: CaseId,
        principal: NamedDependency[Principal],
        pareceres: NamedDependency[Pareceres],
        format: Annotated[Literal["html", "pdf"], QueryParameter(required=False)] = "html",
    ) -> Response[Any]:
        """In Portuguese, from the stored case (ADR 0034); 404 until a case job has decided it.
        The HTML page may use its own inline styles and nothing else (no script can run in it)."""
        parecer = pareceres.of_case(principal.tenant_id, case_id)
        if format == "pdf":
            headers = {"Content-Disposition": f'inline; filename="parecer-caso-{case_id}.pdf"', "Cache-Control": "no-store"}
            return Response(render_pdf(parecer), media_type="application/pdf", headers=headers)
        headers = {"Content-Security-Policy": PARECER_CSP, "Cache-Control": "no-store"}
        return Response(render_html(parecer), media_type=MediaType.HTML, headers=headers)
