"""The error contract: 422 listing every bad field, 401, 403, 404, 409, 413, 415 — never a 500
for bad input. Domain and infrastructure errors are answered from the one table in
error_table.py; this module writes the edge's own (validation, HTTPException, the unexpected).
An unexpected exception is one JSON log line (traceback as a field) and a generic 500 body."""

from __future__ import annotations

import re
from typing import Any

import structlog
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import (
    HTTP_422_UNPROCESSABLE_ENTITY,
    HTTP_500_INTERNAL_SERVER_ERROR,
)

from adapters.http.dto import PATTERN_MESSAGES, ErrorBody
from adapters.http.error_table import exception_handlers

_PATH = re.compile(r"at `\$\.?([^`]*)`")
_MISSING = re.compile(r"missing required field `([^`]*)`")
_REGEX = re.compile(r"^Expected `str` matching regex '(.*)'")
log = structlog.get_logger("equivalence.http")


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
    if "field" in item:  # already in the contract's shape (strict_json.py, route checks)
        return {"field": str(item["field"]), "message": str(item.get("message", "")), "source": str(item.get("source", "body"))}
    message = str(item.get("message", ""))
    found = _PATH.search(message)
    field = found.group(1) if found else str(item.get("key") or "")
    if field == "data":  # Litestar's name for the whole body
        field = ""
    missing = _MISSING.search(message)
    if missing:
        field = f"{field}.{missing.group(1)}" if field else missing.group(1)
    source = item.get("source") or "body"
    if found := _REGEX.match(message):  # msgspec doubles the backslashes of the pattern it quotes
        message = PATTERN_MESSAGES.get(found.group(1).replace("\\\\", "\\"), message)
    return {"field": field or "body", "message": message, "source": str(getattr(source, "value", source))}


def http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[ErrorBody]:
    if exc.status_code == HTTP_500_INTERNAL_SERVER_ERROR:  # Litestar's own wrapper of a bug
        return unexpected_error(request, exc)
    if exc.status_code == 400:  # malformed JSON and friends are unprocessable input too
        return _body(HTTP_422_UNPROCESSABLE_ENTITY, exc.detail, [{"field": "body", "message": exc.detail, "source": "body"}])
    response = _body(exc.status_code, exc.detail, exc.extra or None)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


def unexpected_error(request: Request[Any, Any, Any], exc: Exception) -> Response[ErrorBody]:
    """A bug or an unmapped failure: one JSON log line with the traceback, a body with no detail."""
    state = request.scope.get("state", {})
    log.error(
        "unhandled_exception",
        request_id=state.get("request_id"),
        tenant=state.get("tenant_id"),
        method=request.method,
        route=request.scope.get("path_template") or "unmatched",
        error_type=type(exc).__name__,
        exc_info=exc,
    )
    return _body(HTTP_500_INTERNAL_SERVER_ERROR, "Internal server error")


EXCEPTION_HANDLERS: dict[Any, Any] = {
    ValidationException: validation_error,
    HTTPException: http_error,
    **exception_handlers(),  # every domain and infrastructure error: error_table.py
    Exception: unexpected_error,
}
