"""Admin curriculum routes (role admin, the key's tenant): import, list, show, activate, deprecate.

Thin: parse, call one use case (core/usecases/curricula.py), map its errors. The import body
is JSON, CSV or MEC Currículo Escolar Digital XML, told by `?format=` or the Content-Type.
Another tenant's version answers 404 like a missing one; there is no update route (ADR 0016).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Annotated, Any, Literal

import anyio.to_thread
from litestar import Controller, Request
from adapters.http.threaded import get, post
from litestar.di import NamedDependency
from litestar.exceptions import ValidationException
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIType as OpenAPIDataType, Operation, RequestBody, Schema
from litestar.params import PathParameter, QueryParameter

from adapters.curricula.csv_format import decode_csv
from adapters.curricula.document import CurriculumFormatError, CurriculumIn, document_to_curriculum, unit_to_dict
from adapters.curricula.mec_xml import decode_xml
from adapters.http.auth import ADMIN_ONLY
from adapters.http.dto_curricula import CurriculumDetailOut, CurriculumOut, CurriculumUnitOut
from adapters.http.error_table import AUTH, INVALID, WRONG_MEDIA_TYPE, responses
from adapters.http.strict_json import InvalidBody, check_strict, parse_json
from adapters.http.routes_catalog import AUTH_ERRORS, CHANGE_ERRORS, READ_ERRORS
from core.domain.actors import principal_actor
from core.domain.catalog import VERSION_PATTERN
from core.domain.curriculum import Curriculum, CurriculumInfo, InvalidCurriculum
from core.domain.errors import VersionExists
from core.domain.records import Principal
from core.usecases.curricula import Curricula, CurriculumView

Version = Annotated[str, PathParameter(pattern=VERSION_PATTERN, description="a curriculum version name")]
Format = Literal["json", "csv", "xml"]
IMPORT_ERRORS = responses(AUTH, WRONG_MEDIA_TYPE, INVALID, VersionExists)  # 422: CSV rows and XML elements name their line
_CONTENT_TYPES = {"application/json": "json", "text/csv": "csv", "application/xml": "xml", "text/xml": "xml"}


@dataclass
class ImportOperation(Operation):
    """The import reads its body itself (three formats), so the OpenAPI request body is stated here."""

    def __post_init__(self) -> None:
        text = Schema(type=OpenAPIDataType.STRING)
        self.request_body = RequestBody(
            required=True,
            description="a JSON curriculum document, a CSV (one row per unit) or a MEC Currículo Escolar Digital XML v1.05",
            content={
                "application/json": OpenAPIMediaType(schema=Schema(type=OpenAPIDataType.OBJECT)),
                "text/csv": OpenAPIMediaType(schema=text),
                "application/xml": OpenAPIMediaType(schema=text),
            },
        )


def _summary(info: CurriculumInfo, is_default: bool) -> dict[str, Any]:
    return {
        "version": info.version,
        "status": info.status,
        "is_default": is_default,
        "created_at": info.created_at,
        "unit_count": info.units,
        "clock_hours": info.clock_hours,
        "nome_curso": info.nome_curso,
        "codigo_curriculo": info.codigo_curriculo,
        "source_format": info.source_format,
        "signature_present": info.signature_present,
    }


def _out(view: CurriculumView) -> CurriculumOut:
    return CurriculumOut(**_summary(view.info, view.is_default))


def _invalid(problems: list[tuple[str, str]], source: str = "body") -> ValidationException:
    extra = [{"field": field, "message": message, "source": source} for field, message in problems]  # as named
    return ValidationException(detail="Validation failed", extra=extra)


def _decode(body: bytes, fmt: str, version: str | None) -> Curriculum:
    if fmt == "csv":
        if version is None:
            raise CurriculumFormatError("version", "a CSV import needs ?version=")
        return decode_csv(body, version)
    if fmt == "xml":
        return decode_xml(body, version)
    return decode_json_strictly(body, version)


def decode_json_strictly(body: bytes, version: str | None = None) -> Curriculum:
    """A JSON document decoded like every JSON body (strict_json.py: no coercion, every error
    with its path); `version` (the query parameter) fills a missing `version`. The CLI reads
    files with it too. Raises CurriculumFormatError listing every problem."""
    try:
        value = parse_json(body)
        if isinstance(value, dict) and version is not None:
            value.setdefault("version", version)
        check_strict(value, CurriculumIn)
    except InvalidBody as exc:
        problems = [(error.field, error.message) for error in exc.errors]
        raise CurriculumFormatError(*problems[0], problems) from None
    return document_to_curriculum(value, "json")


def _format(request: Request[Any, Any, Any], fmt: Format | None) -> str:
    if fmt is not None:
        return fmt
    content_type = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    found = _CONTENT_TYPES.get(content_type)
    if found is None:
        raise _invalid([("Content-Type", f"unsupported {content_type!r}: use {', '.join(_CONTENT_TYPES)} or ?format=")], "header")
    return found


class CurriculumAdminController(Controller):
    path = "/admin/curricula"
    tags = ["admin: curricula"]
    opt = {"roles": ADMIN_ONLY}

    @post("/", operation_id="importCurriculum", status_code=201, responses=IMPORT_ERRORS, operation_class=ImportOperation)
    async def import_curriculum(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        curricula: NamedDependency[Curricula],
        version: Annotated[str | None, QueryParameter(pattern=VERSION_PATTERN, description="required for CSV")] = None,
        format: Annotated[Format | None, QueryParameter(description="else told by Content-Type")] = None,  # noqa: A002
    ) -> CurriculumOut:
        """Store a new curriculum version of the tenant from JSON, CSV (one row per unit) or MEC Currículo XML."""
        fmt = _format(request, format)
        body = await request.body()
        run = partial(self._import, body, fmt, version, principal, curricula)
        return await anyio.to_thread.run_sync(run)

    @staticmethod
    def _import(body: bytes, fmt: str, version: str | None, principal: Principal, curricula: Curricula) -> CurriculumOut:
        try:
            curriculum = _decode(body, fmt, version)
            view = curricula.import_version(principal.tenant_id, curriculum, principal_actor(principal))
        except CurriculumFormatError as exc:
            raise _invalid(exc.problems) from None
        except InvalidCurriculum as exc:
            raise _invalid([(exc.field, str(exc))]) from None
        return _out(view)

    @get("/", operation_id="listCurricula", responses=AUTH_ERRORS)
    def list_curricula(self, principal: NamedDependency[Principal], curricula: NamedDependency[Curricula]) -> list[CurriculumOut]:
        """The tenant's curriculum versions, oldest first, with status and which one is current."""
        infos, default = curricula.catalog(principal.tenant_id)
        return [CurriculumOut(**_summary(info, info.version == default)) for info in infos]

    @get("/{version:str}", operation_id="getCurriculum", responses=READ_ERRORS)
    def show_curriculum(
        self,
        version: Version,
        principal: NamedDependency[Principal],
        curricula: NamedDependency[Curricula],
        full: Annotated[bool, QueryParameter(description="include the units (the JSON import document's)")] = False,
    ) -> CurriculumDetailOut:
        """A version's summary; `?full=true` adds its units."""
        view = curricula.show(principal.tenant_id, version, full)
        units = None
        if view.curriculum is not None:
            units = [CurriculumUnitOut(**unit_to_dict(unit)) for unit in view.curriculum.units]
        return CurriculumDetailOut(**_summary(view.info, view.is_default), units=units)

    @post(
        "/{version:str}/activate",
        operation_id="activateCurriculum",
        status_code=200,
        responses=CHANGE_ERRORS,
    )
    def activate(
        self, version: Version, principal: NamedDependency[Principal], curricula: NamedDependency[Curricula]
    ) -> CurriculumOut:
        """Make the version the tenant's current curriculum (not a deprecated one)."""
        return _out(curricula.activate(principal.tenant_id, version, principal_actor(principal)))

    @post(
        "/{version:str}/deprecate",
        operation_id="deprecateCurriculum",
        status_code=200,
        responses=CHANGE_ERRORS,
    )
    def deprecate(
        self, version: Version, principal: NamedDependency[Principal], curricula: NamedDependency[Curricula]
    ) -> CurriculumOut:
        """Retire the version from new use (one way); it stays stored and readable."""
        return _out(curricula.deprecate(principal.tenant_id, version, principal_actor(principal)))
