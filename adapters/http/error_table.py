"""The one error table: each error the service answers for → status, 422/403 field, title, Retry-After.

From it come both the Litestar exception handlers (`exception_handlers()`) and the OpenAPI
`responses` of each route (`responses(...)`), so the documented answers are the real ones
(ADR 0029). A domain error names its field as an attribute (`VersionNotFound.field`,
`InvalidInput.field`); nothing here reads an error's message to decide anything.

The edge's own answers (401, role 403, 429, 413, 415, validation 422) are rows too, without a
handler of their own: Litestar raises them as `HTTPException`s that adapters/http/errors.py
writes in the same `ErrorBody` shape.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field as dataclass_field
from typing import Any

import structlog
from litestar import Litestar, Request, Response
from litestar.openapi import ResponseSpec
from litestar.routes import HTTPRoute
from litestar.openapi.spec import Example, Operation
from sqlalchemy.exc import DataError, DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from adapters.http.dto import ErrorBody
from adapters.http.openapi_examples import error_example
from adapters.mappers.warm_gate import MappersWarmingUp
from core.domain.precedents import InvalidPrecedent, PrecedentFileImported
from core.domain.errors import (
    CatalogConflict,
    IdempotencyConflict,
    InvalidInput,
    InvalidTransition,
    KeyRevoked,
    NotFound,
    OverridesNotAllowed,
    QueueUnavailable,
    TransitionForbidden,
    VersionExists,
    VersionNotFound,
)

log = structlog.get_logger("equivalence.http")


@dataclass(frozen=True)
class ErrorRow:
    """One answer of the contract. `error` None: an edge answer (documented, handled elsewhere)."""

    error: type[Exception] | None
    status: int
    title: str  # the OpenAPI description of this answer
    field: str | None = None  # with a field, the body's `extra` names it (the error's `.field` wins)
    retry_after: int | None = None  # seconds, sent as Retry-After
    detail: Callable[[Exception], str] = str  # the body's `detail`; default: the error's message
    examples: tuple[Example, ...] = dataclass_field(default=())
    log_event: str | None = None  # a warning line per answer (outages), never a traceback


def _fixed(text: str) -> Callable[[Exception], str]:
    return lambda _exc: text


# Edge answers: every authenticated route can give the first four, every body route the next three.
UNAUTHENTICATED = ErrorRow(None, 401, "missing, unknown or revoked `X-API-Key`", examples=(error_example("401", "no or bad API key"),))
ROLE_FORBIDDEN = ErrorRow(
    None, 403, "the key's role may not use this route", examples=(error_example("403", "an auditor key calling evaluate"),)
)
RATE_LIMITED = ErrorRow(
    None,
    429,
    "over the budget of this tenant, role and route group; retry after the `Retry-After` header's seconds",
    examples=(error_example("429", "evaluate budget exhausted"),),
)
DATABASE_DOWN = ErrorRow(
    PoolTimeout,
    503,
    "the database is unavailable; nothing was stored; retry after the `Retry-After` header's seconds",
    retry_after=5,
    detail=_fixed("Database unavailable; retry shortly"),
    examples=(error_example("503", "database down"),),
    log_event="database unavailable",
)
TOO_LARGE = ErrorRow(None, 413, "body larger than the route's limit", examples=(error_example("413", "a 3 MiB evaluate body"),))
WRONG_MEDIA_TYPE = ErrorRow(
    None, 415, "Content-Type is not application/json", examples=(error_example("415", "a text/plain body"),)
)
INVALID = ErrorRow(
    None,
    422,
    "invalid path, query or body; `extra` lists every error at once, each with its field path (`origem.carga_horaria`) and message",
    examples=(error_example("422", "a field out of range"),),
)
AUTH = (UNAUTHENTICATED, ROLE_FORBIDDEN, RATE_LIMITED, DATABASE_DOWN)
BODY = (TOO_LARGE, WRONG_MEDIA_TYPE, INVALID)

TABLE: tuple[ErrorRow, ...] = (
    DATABASE_DOWN,
    ErrorRow(NotFound, 404, "no such resource for this tenant (another tenant's looks the same)"),
    ErrorRow(
        VersionNotFound,
        422,
        "a named taxonomy or policy version or course binding is unknown or deprecated; `extra` names the field",
        field="body",
    ),
    ErrorRow(
        IdempotencyConflict,
        409,
        "the `request_id` (or `Idempotency-Key`) was already used with a different payload; a batch item's names it in `extra`",
        examples=(error_example("409", "same request_id, different payload"),),
    ),
    ErrorRow(
        OverridesNotAllowed,
        403,
        "policy overrides from a client key its tenant does not allow",
        field="policy",
        examples=(error_example("403_override", "a client key sent `policy`"),),
    ),
    ErrorRow(VersionExists, 409, "the version already exists; stored versions are immutable, create a new one"),
    ErrorRow(CatalogConflict, 409, "the catalog's state forbids it (deprecated, shared, the tenant's default or current, or bound to a course)"),
    ErrorRow(KeyRevoked, 409, "the key is revoked: create a new one"),
    ErrorRow(TransitionForbidden, 403, "the role may not make this transition, or a reviewer decides an item assigned to another"),
    ErrorRow(InvalidTransition, 409, "the item's state does not allow this transition (or it changed meanwhile)"),
    ErrorRow(InvalidInput, 422, "a value breaks a rule the message names; `extra` names the field", field="body"),
    ErrorRow(PrecedentFileImported, 409, "the tenant already imported this very file (the detail names the earlier import); nothing was imported"),
    ErrorRow(InvalidPrecedent, 422, "a precedent or table row that cannot be used; `extra` names the field (CSV: `linhas[N].coluna`)", field="body"),
    ErrorRow(
        QueueUnavailable,
        503,
        "the batch queue (Redis) is down or not answering; retry after the `Retry-After` header's seconds",
        retry_after=10,
        detail=_fixed("Batch queue unavailable; retry shortly"),
        log_event="queue unavailable",
    ),
    ErrorRow(
        MappersWarmingUp,
        503,
        "the mappers are still warming up (nothing was stored); retry after the `Retry-After` header's seconds",
        retry_after=5,
        detail=lambda exc: f"Mappers warming up ({exc}); retry shortly",
    ),
)


def row_for(error: type[Exception]) -> ErrorRow:
    """The row of an error class, or of its nearest ancestor in the table."""
    rows = {row.error: row for row in TABLE if row.error is not None}
    for klass in error.__mro__:
        if klass in rows:
            return rows[klass]
    raise KeyError(f"{error.__name__} has no row in the error table")


def answer(row: ErrorRow, exc: Exception) -> Response[ErrorBody]:
    """The body and headers a row gives: `{status_code, detail, extra}`, Retry-After when set."""
    detail = row.detail(exc)
    extra = None
    field = getattr(exc, "field", None) or row.field  # a row without a field: only when the error names one
    if field is not None:
        extra = [{"field": str(field), "message": str(exc), "source": "body"}]
    headers = {"Retry-After": str(row.retry_after)} if row.retry_after is not None else None
    return Response(ErrorBody(row.status, detail, extra), status_code=row.status, headers=headers)


def _handler(row: ErrorRow) -> Callable[[Request[Any, Any, Any], Exception], Response[ErrorBody]]:
    def handle(request: Request[Any, Any, Any], exc: Exception) -> Response[ErrorBody]:
        if row.log_event:
            log.warning(row.log_event, route=request.scope.get("path_template"), error_type=type(exc).__name__, error=str(exc))
        return answer(row, exc)

    handle.__name__ = f"answer_{row.status}_{row.error.__name__ if row.error else 'edge'}"
    return handle


def database_error(request: Request[Any, Any, Any], exc: DBAPIError) -> Response[ErrorBody]:
    """A driver error: 503 only when the connection is the problem; a refused value is the
    caller's 422 (the driver's first line names the problem, never the value or statement);
    anything else is a bug (500)."""
    if isinstance(exc, (OperationalError, InterfaceError)) or exc.connection_invalidated:
        return _handler(DATABASE_DOWN)(request, exc)
    if isinstance(exc, DataError):
        reason = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else type(exc.orig).__name__
        error = {"field": "body", "message": f"the database refused a value: {reason}", "source": "body"}
        return Response(ErrorBody(422, "Validation failed", [error]), status_code=422)
    from adapters.http.errors import unexpected_error  # errors.py imports this module

    return unexpected_error(request, exc)


def exception_handlers() -> dict[type[Exception], Callable[..., Response[ErrorBody]]]:
    """One handler per row with an error class, plus the driver errors' dispatch."""
    handlers: dict[type[Exception], Callable[..., Response[ErrorBody]]] = {
        row.error: _handler(row) for row in TABLE if row.error is not None
    }
    handlers[DBAPIError] = database_error
    return handlers


def responses(
    *answers: ErrorRow | type[Exception] | Iterable[ErrorRow], shown: dict[int, Example] | None = None
) -> dict[int, ResponseSpec]:
    """A route's OpenAPI error `responses` from the rows it can give (rows, groups such as AUTH,
    or domain error classes). Rows sharing a status merge: titles joined, examples kept.
    `shown` adds a route's own example for a status (e.g. the 404 of an unknown job)."""
    rows: list[ErrorRow] = []
    for item in answers:
        if isinstance(item, ErrorRow):
            rows.append(item)
        elif isinstance(item, type):
            rows.append(row_for(item))
        else:
            rows.extend(item)
    by_status: dict[int, list[ErrorRow]] = {}
    for row in rows:
        if row not in by_status.setdefault(row.status, []):
            by_status[row.status].append(row)
    specs: dict[int, ResponseSpec] = {}
    for status, group in sorted(by_status.items()):
        examples = [example for row in group for example in row.examples]
        if shown and status in shown:
            examples.append(shown[status])
        specs[status] = ResponseSpec(
            data_container=ErrorBody,
            description="; or ".join(row.title for row in group),
            generate_examples=False,
            examples=examples or None,
        )
    return specs


_CONTRACT_OPERATIONS: dict[type[Operation], type[Operation]] = {}


def answering_422(base: type[Operation]) -> type[Operation]:
    """`base` without Litestar's own 400: the app answers invalid input with 422 (errors.py),
    which each route lists from this table; a route that lists none gets its 400 relabelled."""
    if base in _CONTRACT_OPERATIONS or base in _CONTRACT_OPERATIONS.values():
        return _CONTRACT_OPERATIONS.get(base, base)

    @dataclass
    class ContractOperation(base):  # type: ignore[valid-type,misc]
        def __post_init__(self) -> None:
            parent = getattr(base, "__post_init__", None)
            if parent is not None:
                parent(self)
            if not self.responses or "400" not in self.responses:
                return
            litestar_400 = self.responses.pop("400")
            if "422" not in self.responses:
                litestar_400.description = INVALID.title  # type: ignore[union-attr]
                for content in (getattr(litestar_400, "content", None) or {}).values():
                    schema = getattr(content, "schema", None)
                    for example in getattr(schema, "examples", None) or []:
                        if isinstance(example, dict) and example.get("status_code") == 400:
                            example["status_code"] = 422
                self.responses["422"] = litestar_400

    ContractOperation.__name__ = ContractOperation.__qualname__ = f"Contract{base.__name__}"
    _CONTRACT_OPERATIONS[base] = ContractOperation
    return ContractOperation


def declare_422_not_400(app: Litestar) -> None:
    """Give every HTTP route handler the operation class that lists 422 where Litestar lists 400."""
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            for handler in route.route_handlers:
                handler.operation_class = answering_422(handler.operation_class)
