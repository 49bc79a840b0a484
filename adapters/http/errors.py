"""The error contract: 422 with the field path, 401, 403, 404, 409 — never a 500 for bad input."""

from __future__ import annotations

import re
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import (
    HTTP_403_FORBIDDEN,
    HTTP_404_NOT_FOUND,
    HTTP_409_CONFLICT,
    HTTP_422_UNPROCESSABLE_ENTITY,
)

from adapters.http.dto import ErrorBody
from core.domain.errors import (
    IdempotencyConflict,
    NotFound,
    OverridesNotAllowed,
    VersionNotFound,
)

_PATH = re.compile(r"at `\$\.?([^`]*)`")
_MISSING = re.compile(r"missing required field `([^`]*)`")


def _body(status: int, detail: str, extra: Any = None) -> Response[ErrorBody]:
    return Response(ErrorBody(status, detail, extra), status_code=status)


def validation_error(request: Request[Any, Any, Any], exc: ValidationException) -> Response[ErrorBody]:
    """Litestar answers 400 by default; the contract says 422 with the path of the bad field."""
    items = exc.extra if isinstance(exc.extra, list) else []
    errors = [_field_error(item) for item in items] or [_field_error({"message": exc.detail})]
    return _body(HTTP_422_UNPROCESSABLE_ENTITY, "Validation failed", errors)


def _field_error(item: Any) -> dict[str, str]:
    """One error as {field, message, source}; the field is a dotted path like `origem.ementa`."""
    item = item if isinstance(item, dict) else {"message": str(item)}
    message = str(item.get("message", ""))
    found = _PATH.search(message)
    field = found.group(1) if found else str(item.get("key") or "")
    if field == "data":  # Litestar's name for the whole body
        field = ""
    missing = _MISSING.search(message)
    if missing:
        field = f"{field}.{missing.group(1)}" if field else missing.group(1)
    source = item.get("source") or "body"
    return {"field": field or "body", "message": message, "source": str(getattr(source, "value", source))}


def http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[ErrorBody]:
    if exc.status_code == 400:  # malformed JSON and friends are unprocessable input too
        return _body(HTTP_422_UNPROCESSABLE_ENTITY, exc.detail, [{"field": "body", "message": exc.detail, "source": "body"}])
    response = _body(exc.status_code, exc.detail, exc.extra or None)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


def not_found(request: Request[Any, Any, Any], exc: NotFound) -> Response[ErrorBody]:
    return _body(HTTP_404_NOT_FOUND, str(exc))


def version_not_found(request: Request[Any, Any, Any], exc: VersionNotFound) -> Response[ErrorBody]:
    field = "course_id" if "course_id" in str(exc) else "taxonomy_version" if "taxonomy" in str(exc) else "policy_version"
    return _body(HTTP_422_UNPROCESSABLE_ENTITY, str(exc), [{"field": field, "message": str(exc), "source": "body"}])


def conflict(request: Request[Any, Any, Any], exc: IdempotencyConflict) -> Response[ErrorBody]:
    return _body(HTTP_409_CONFLICT, str(exc))


def forbidden_override(request: Request[Any, Any, Any], exc: OverridesNotAllowed) -> Response[ErrorBody]:
    return _body(HTTP_403_FORBIDDEN, str(exc), [{"field": "policy", "message": str(exc), "source": "body"}])


EXCEPTION_HANDLERS: dict[Any, Any] = {
    ValidationException: validation_error,
    HTTPException: http_error,
    NotFound: not_found,
    VersionNotFound: version_not_found,
    IdempotencyConflict: conflict,
    OverridesNotAllowed: forbidden_override,
}
