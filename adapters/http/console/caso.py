"""*Caso* (issue 13, ADR 0036): a histórico uploaded against a curriculum, the waiver table, its CSV.

The page builds the body of POST /v1/cases from the upload (JSON as the API takes it, a MEC
Histórico XML, or CSV read by adapters/curricula/historico_csv.py), decodes it as strictly as the
API (`decode_strict` into `CaseRequest`), and calls the same `to_case_command` and
`decide_or_queue` → `EvaluateCase` / `SubmitCase`. A large case runs as a job: its page polls
(HTMX) until the table is there. Every refusal is shown next to the form field at fault.
"""

from __future__ import annotations

import json
import re
from typing import Any

import anyio.to_thread
import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import ValidationException
from litestar.response import Redirect

from adapters.curricula.historico_csv import decode_historico_csv
from adapters.documents.parecer_pdf import render_pdf
from adapters.curricula.document import CurriculumFormatError
from adapters.http.auth import EVALUATORS, READERS
from adapters.http.body_guard import BODY_LIMIT, FORM_BODY, UPLOAD
from adapters.http.console.forms import DECISOES
from adapters.http.console.access import Upload, form_session, page_session
from adapters.http.console.routes import _page, _refused
from adapters.http.console.sessions import ConsoleSession, ConsoleSessions
from adapters.http.dto_cases import CaseRequest
from adapters.http.routes_cases import CaseId, decide_or_queue, to_case_command
from adapters.http.strict_json import InvalidBody, decode_strict
from core.domain.actors import principal_actor
from core.domain.errors import DomainError, NotFound
from core.usecases.case_jobs import SubmitCase
from core.usecases.cases import EvaluateCase, case_csv
from core.usecases.curricula import Curricula
from core.usecases.pareceres import Pareceres

UPLOAD_OPT = {FORM_BODY: UPLOAD, BODY_LIMIT: "case"}
INLINE = "__inline__"
NOT_AN_EVALUATOR = "Sua chave não pode enviar casos."
NOT_A_READER = "Sua chave não pode ver casos."
POLICY_FIELDS = ("limite_percentual", "max_combinacao", "validade_anos")
FIELDS = ("curriculo", "unidades", "ementas", "minutos_hora_aula", *POLICY_FIELDS)
SITUACAO = {"queued": "Na fila", "running": "Em processamento", "failed": "Falhou", "done": "Concluído"}
_LINE = re.compile(r"\bline (\d+)")
_INDEX = re.compile(r"^historico\[(\d+)\]\.?(\w*)")


class CaseForm(msgspec.Struct, kw_only=True):
    values: dict[str, str]
    assincrono: bool = False
    errors: dict[str, str] = msgspec.field(default_factory=dict)  # field → what the page says, next to it
    details: dict[str, list[str]] = msgspec.field(default_factory=dict)  # field → the API's findings, listed under it


class CaseConsoleController(Controller):
    path = "/console/caso"
    include_in_schema = False

    @get("/")
    async def form(
        self, request: Request[Any, Any, Any], console_sessions: NamedDependency[ConsoleSessions], curricula: NamedDependency[Curricula]
    ) -> Any:
        door = page_session(request, console_sessions, EVALUATORS, NOT_AN_EVALUATOR)
        if door.session is None:
            return door.answer
        session = door.session
        return await _form_page(session, curricula, CaseForm(values=dict.fromkeys(FIELDS, "")))

    @post("/", opt=UPLOAD_OPT)
    async def submit(
        self,
        request: Request[Any, Any, Any],
        console_sessions: NamedDependency[ConsoleSessions],
        curricula: NamedDependency[Curricula],
        evaluate_case: NamedDependency[EvaluateCase],
        submit_case: NamedDependency[SubmitCase],
    ) -> Any:
        door = await form_session(request, console_sessions, EVALUATORS, NOT_AN_EVALUATOR)
        if door.session is None or door.form is None:
            return door.answer
        session, form = door.session, door.form
        filled = CaseForm(values={name: form.get(name, "") for name in FIELDS}, assincrono=form.get("assincrono") == "1")
        upload = door.uploads.get("arquivo", Upload("", b""))
        content, name = upload.content, upload.filename
        lines: list[int] | None = None
        try:
            body, lines = _body(filled, content, name or "")
            data = msgspec.convert(decode_strict(json.dumps(body).encode(), CaseRequest), CaseRequest)
            principal = session.principal
            command = to_case_command(principal.tenant_id, data, principal_actor(principal), principal.tenant)
            _, document = await anyio.to_thread.run_sync(decide_or_queue, command, data.assincrono, evaluate_case, submit_case)
        except _Refused as refused:
            filled.errors[refused.field] = refused.message
        except InvalidBody as invalid:
            _add(filled, [_said(e.field, e.message, lines) for e in invalid.errors])
        except ValidationException as invalid:
            extra = invalid.extra if isinstance(invalid.extra, list) else []
            _add(filled, [_said(str(e.get("key", "")), str(e.get("message", "")), lines) for e in extra])
        except DomainError as error:  # e.g. a curriculum version the tenant does not have (VersionNotFound)
            _add(filled, [_said(str(getattr(error, "field", "")), str(error), None)])
        except Exception:  # noqa: BLE001 - the page says so; the log keeps the cause (as Avaliar does)
            request.logger.exception("console case failed")
            filled.errors["arquivo"] = "Não foi possível decidir o caso agora. Tente de novo em instantes."
            return await _form_page(session, curricula, filled, status=503)
        if filled.errors:
            return await _form_page(session, curricula, filled, status=422)
        return Redirect(path=f"/console/caso/{document['case_id']}", status_code=303)

    @get("/{case_id:str}")
    async def show(
        self, request: Request[Any, Any, Any], case_id: CaseId,
        console_sessions: NamedDependency[ConsoleSessions], submit_case: NamedDependency[SubmitCase],
    ) -> Any:
        door = page_session(request, console_sessions, READERS, NOT_A_READER)
        if door.session is None:
            return door.answer
        session = door.session
        try:
            decided, document = await anyio.to_thread.run_sync(submit_case.progress, session.principal.tenant_id, case_id)
        except NotFound:
            return _refused("Caso não encontrado.", 404)
        name = "_caso.html" if request.headers.get("HX-Request") == "true" else "caso.html"
        return _page(name, session, case_id=case_id, decidido=decided, caso=_view(document) if decided else None,
                     progresso=None if decided else _progress(document), form=None)

    @get("/{case_id:str}/caso.csv")
    async def export(
        self, request: Request[Any, Any, Any], case_id: CaseId,
        console_sessions: NamedDependency[ConsoleSessions], submit_case: NamedDependency[SubmitCase],
    ) -> Any:
        door = page_session(request, console_sessions, READERS, NOT_A_READER)
        if door.session is None:
            return door.answer
        session = door.session
        try:
            decided, document = await anyio.to_thread.run_sync(submit_case.progress, session.principal.tenant_id, case_id)
        except NotFound:
            return _refused("Caso não encontrado.", 404)
        if not decided:
            return _refused("O caso ainda está em processamento: exporte quando a tabela aparecer.", 409)
        headers = {"Content-Disposition": f'attachment; filename="caso-{case_id}.csv"'}
        return Response(case_csv(document), media_type="text/csv", headers=headers)


    @get("/{case_id:str}/parecer.pdf")
    async def parecer_pdf(
        self, request: Request[Any, Any, Any], case_id: CaseId,
        console_sessions: NamedDependency[ConsoleSessions], pareceres: NamedDependency[Pareceres],
    ) -> Any:
        """The same document as GET /v1/cases/{id}/parecer?format=pdf (ADR 0034), for a browser that holds no key."""
        door = page_session(request, console_sessions, READERS, NOT_A_READER)
        if door.session is None:
            return door.answer
        session = door.session
        try:
            parecer = await anyio.to_thread.run_sync(pareceres.of_case, session.principal.tenant_id, case_id)
        except NotFound:
            return _refused("Caso não encontrado, ou ainda em processamento: baixe o parecer quando a tabela aparecer.", 404)
        pdf = await anyio.to_thread.run_sync(render_pdf, parecer)
        headers = {"Content-Disposition": f'attachment; filename="parecer-caso-{case_id}.pdf"'}
        return Response(pdf, media_type="application/pdf", headers=headers)

class _Refused(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


async def _form_page(session: ConsoleSession, curricula: Curricula, form: CaseForm, status: int = 200) -> Any:
    infos, current = await anyio.to_thread.run_sync(curricula.catalog, session.principal.tenant_id)
    versoes = [{"versao": i.version, "rotulo": _curriculum_label(i.version, i.nome_curso, i.units, i.status, i.version == current)}
               for i in reversed(infos)]
    return _page("caso.html", session, status=status, form=form, versoes=versoes, vigente=current, caso=None,
                 progresso=None, inline=INLINE)


def _curriculum_label(version: str, course: str | None, units: int, status: str, current: bool) -> str:
    extra = " · vigente" if current else (" · descontinuado" if status == "deprecated" else "")
    return f"{version}{f' — {course}' if course else ''} ({units} unidades{extra})"


def _body(form: CaseForm, content: bytes, filename: str) -> tuple[dict[str, Any], list[int] | None]:
    """The POST /v1/cases body of the form (and, for a CSV, each course's line in the file)."""
    if not content.strip():
        raise _Refused("arquivo", "Escolha o arquivo do histórico (JSON, CSV ou XML do Histórico Escolar Digital).")
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        raise _Refused("arquivo", "O arquivo não está em UTF-8: salve-o como UTF-8 e envie de novo.") from None
    lines = None
    kind = _kind(text, filename)
    if kind == "xml":
        body: dict[str, Any] = {"historico_xml": text}
        if form.values["ementas"]:
            body["ementas"] = _json_field(form.values["ementas"], "ementas", "um objeto JSON {\"CodigoDisciplina\": \"ementa\"}")
        if form.values["minutos_hora_aula"]:
            body["historico_minutos_hora_aula"] = _integer(form.values["minutos_hora_aula"], "minutos_hora_aula")
    elif kind == "json":
        value = _json_field(text, "arquivo", "JSON: o corpo de POST /v1/cases ou a lista de disciplinas")
        body = {"historico": value} if isinstance(value, list) else value
        if not isinstance(body, dict):
            raise _Refused("arquivo", "O JSON deve ser um objeto (o corpo de POST /v1/cases) ou uma lista de disciplinas.")
    else:
        try:
            read = decode_historico_csv(text)
        except CurriculumFormatError as exc:
            raise _Refused("arquivo", f"O histórico CSV não foi aceito — {exc}") from None
        body, lines = {"historico": read.courses}, read.lines
    if kind != "xml" and (form.values["ementas"] or form.values["minutos_hora_aula"]):
        field = "ementas" if form.values["ementas"] else "minutos_hora_aula"
        raise _Refused(field, "Este campo vale só para o histórico em XML (no JSON e no CSV cada disciplina traz o seu).")
    _curriculum(body, form)
    politica = dict(body.get("politica") or {})
    for name in POLICY_FIELDS:
        if form.values[name]:
            politica[name] = _integer(form.values[name], name) if name != "limite_percentual" else _decimal(form.values[name], name)
    if politica:
        body["politica"] = politica
    if form.assincrono:
        body["assincrono"] = True
    return body, lines


def _kind(text: str, filename: str) -> str:
    suffix = filename.lower().rsplit(".", 1)[-1] if "." in filename else ""
    if suffix in ("xml", "json", "csv"):
        return suffix
    start = text.lstrip("\ufeff \t\r\n")[:1]
    return "xml" if start == "<" else "json" if start in "[{" and start else "csv"


def _curriculum(body: dict[str, Any], form: CaseForm) -> None:
    chosen, unidades = form.values["curriculo"], form.values["unidades"]
    if unidades and chosen != INLINE:
        raise _Refused("unidades", "Para usar estas unidades, escolha “Unidades informadas abaixo” em Currículo.")
    if chosen == INLINE:
        if not unidades:
            raise _Refused("unidades", "Informe as unidades do currículo (JSON), ou escolha um currículo cadastrado.")
        body.pop("curriculo", None)
        body["unidades"] = _json_field(unidades, "unidades", "uma lista JSON de unidades")
    elif chosen:
        body.pop("unidades", None)
        body["curriculo"] = {"versao": chosen}


def _json_field(text: str, field: str, what: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise _Refused(field, f"Não é JSON válido ({what}): {exc}") from None


def _integer(text: str, field: str) -> int:
    if not text.isdigit():
        raise _Refused(field, "Informe um número inteiro.")
    return int(text)


def _decimal(text: str, field: str) -> float:
    try:
        return float(text.replace(",", "."))
    except ValueError:
        raise _Refused(field, "Informe um número (por exemplo 50 ou 37,5).") from None


def _add(form: CaseForm, said: list[tuple[str, str, str]], most: int = 5) -> None:
    """Each field's errors: one sentence, then the first few findings."""
    for field, lead, detail in said:
        form.errors.setdefault(field, lead)
        found = form.details.setdefault(field, [])
        if len(found) < most:
            found.append(detail)


def _said(path: str, message: str, lines: list[int] | None) -> tuple[str, str, str]:
    """(form field, the Portuguese sentence, the finding) for an error at a body path."""
    message = _LINE.sub(r"linha \1", message)  # the parsers' "line 12: …", said in Portuguese
    found = _INDEX.match(path)
    if found and lines is not None and int(found.group(1)) < len(lines):  # a CSV: its line and column
        message = f"linha {lines[int(found.group(1))]}, coluna {found.group(2) or 'disciplina'}: {message}"
    elif found:
        message = f"{path}: {message}"
    top = path.split(".")[0].split("[")[0]
    if top == "politica":
        name = path.split(".")[1] if "." in path else ""
        if name in POLICY_FIELDS:
            return name, "Política não aceita:", message
    field = _BODY_FIELDS.get(top)
    if field is None:  # the histórico itself, or another field of an uploaded JSON body
        return "arquivo", "O histórico não foi aceito:", message if top in ("historico", "historico_xml") else f"{path}: {message}"
    return field, "Valor não aceito:", message


_BODY_FIELDS = {"ementas": "ementas", "historico_minutos_hora_aula": "minutos_hora_aula", "curriculo": "curriculo",
                "unidades": "unidades", "assincrono": "assincrono", "taxonomy_version": "curriculo", "policy_version": "curriculo"}


def _view(document: dict[str, Any]) -> dict[str, Any]:
    resumo = document["resumo"]
    return {
        "destinos": [
            {**d, "decisao_rotulo": DECISOES.get(d["decisao"], d["decisao"]),
             "score_texto": "—" if d["score"] is None else f"{d['score']:.1f}"}
            for d in document["destinos"]
        ],
        "nao_usadas": document["origens_nao_usadas"],
        "usadas": document["origens_usadas"],
        "sem_limite": document.get("deferidas_sem_limite", []),
        "resumo": resumo,
        "curriculo": (document.get("curriculo") or {}).get("versao") or "unidades informadas no envio",
    }


def _progress(document: dict[str, Any]) -> dict[str, Any]:
    return {"status": document["status"], "rotulo": SITUACAO.get(document["status"], document["status"]),
            "erro": document.get("erro"), "tentativas": document.get("tentativas", 0),
            "ativo": document["status"] in ("queued", "running")}
