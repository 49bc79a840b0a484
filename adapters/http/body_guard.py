"""The input edge, run before Litestar extracts any argument: authenticate, then read the body.

Litestar extracts `data` before resolving dependencies, so a body used to be read and parsed
before the API key was checked (eight unauthenticated 62 MB uploads grew the process by 800 MB)
and a deeply nested one crashed the decoder before any key was asked for. This `before_request`
hook runs first, in this order:

1. the route takes a `principal`: authenticate and check the role (401/403/429), the body unread;
2. the route takes `data`: Content-Type must be JSON (415), the body is streamed up to the
   route's limit (413, checked on Content-Length first), then decoded strictly
   (strict_json.py: depth, control characters, no coercion, unknown fields, all errors: 422).
3. a console form post (`opt={FORM_BODY: True}`, no `data`): urlencoded only (415), bounded
   the same way (413), parsed by Litestar's `request.form()` from the cached bytes; a console
   upload (`opt={FORM_BODY: UPLOAD}`) may also be multipart/form-data, parsed here once.

The raw body and its decoded value are handed to Litestar's own cache for this request, so
the handler's `data` is converted from an already validated value and nothing is read twice.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
from litestar import Request
from litestar.exceptions import HTTPException, InternalServerException, ValidationException
from litestar.status_codes import HTTP_413_REQUEST_ENTITY_TOO_LARGE, HTTP_415_UNSUPPORTED_MEDIA_TYPE
from litestar.utils.scope.state import ScopeState

from adapters.http.strict_json import InvalidBody, decode_strict
from core.domain.records import Principal

FORM_BODY = "form_body"  # a console page's form post (opt): a bounded form body, not JSON
UPLOAD = "upload"  # FORM_BODY's value for a console form that carries a file (multipart too)
BODY_LIMIT = "body_limit"  # a route's opt names its limit: "evaluate", "batch", "taxonomy"
PRINCIPAL = "principal"
KIB = 1024
BATCH_ITEM_BYTES = 8 * KIB  # a typical item is 1-4 KB; each item is still bounded by its schema


@dataclass(frozen=True)
class BodyLimits:
    """Largest body, in bytes, per kind of route; routes naming none get `default`."""

    default: int = 64 * KIB
    evaluate: int = 2 * KIB * KIB  # two 20,000-character ementas and 100 objetivos each, escaped
    taxonomy: int = 16 * KIB * KIB
    batch: int = 64 * KIB * KIB
    case: int = 8 * KIB * KIB  # POST /v1/cases: 200 courses with their ementas, or 500 inline units

    @classmethod
    def for_batch_items(cls, max_items: int) -> BodyLimits:
        """The batch limit follows the configured maximum of items (never below one evaluate)."""
        return cls(batch=max(cls.evaluate, max_items * BATCH_ITEM_BYTES))

    def of(self, kind: str | None) -> int:
        return int(getattr(self, kind)) if kind in ("evaluate", "taxonomy", "batch", "case") else self.default


def request_guard(
    provide_principal: Callable[[Request[Any, Any, Any]], Principal],
    limits: BodyLimits,
    provide_known: Callable[[Request[Any, Any, Any]], Principal | None] | None = None,
) -> Callable[[Request[Any, Any, Any]], Awaitable[None]]:
    """The `before_request` hook: authentication first, the body (if any) only after it.

    `provide_known` answers on the event loop when no I/O is needed (a key in the key cache, a
    call the rate limiter can count locally): no hand-off to a worker thread (issue 16). When it
    answers None, `provide_principal` runs in a worker thread, as it always did."""

    async def guard(request: Request[Any, Any, Any]) -> None:
        parameters = request.route_handler.parsed_fn_signature.parameters
        if PRINCIPAL in parameters:
            principal = provide_known(request) if provide_known is not None else None
            if principal is None:
                principal = await anyio.to_thread.run_sync(provide_principal, request)
            request.scope.setdefault("state", {})[PRINCIPAL] = principal
        if (data := parameters.get("data")) is not None:
            limit = limits.of(request.route_handler.opt.get(BODY_LIMIT))
            await read_strict_body(request, data.annotation, limit)
        elif request.route_handler.opt.get(FORM_BODY):
            uploads = request.route_handler.opt.get(FORM_BODY) == UPLOAD
            await read_form_body(request, limits.of(request.route_handler.opt.get(BODY_LIMIT)), uploads)

    return guard


def authenticated_principal(
    provide_principal: Callable[[Request[Any, Any, Any]], Principal],
) -> Callable[[Request[Any, Any, Any]], Awaitable[Principal]]:
    """The `principal` dependency: what the guard authenticated (or authenticate now).

    Async, so that taking what the guard found costs no second hand-off to a worker thread
    (issue 16); authenticating here (a route the guard did not see) still runs in one."""

    async def provide(request: Request[Any, Any, Any]) -> Principal:
        found = request.scope.get("state", {}).get(PRINCIPAL)
        if isinstance(found, Principal):
            return found
        return await anyio.to_thread.run_sync(provide_principal, request)

    return provide


async def read_strict_body(request: Request[Any, Any, Any], type_: Any, limit: int) -> None:
    media_type, _ = request.content_type
    if media_type != "application/json" and not media_type.endswith("+json"):
        raise HTTPException(
            status_code=HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            detail="Content-Type must be application/json",
            extra=[{"field": "Content-Type", "message": f"got {media_type or 'none'!r}", "source": "header"}],
        )
    body = await _read_at_most(request, limit)
    try:
        value = decode_strict(body, type_)
    except InvalidBody as exc:
        raise ValidationException(detail="Validation failed", extra=[e.as_dict() for e in exc.errors]) from None
    state = ScopeState.from_scope(request.scope)
    state.body, state.json = body, value


async def read_form_body(request: Request[Any, Any, Any], limit: int, uploads: bool = False) -> None:
    """The exemption for the console's HTML forms (adapters/http/console): an urlencoded body (or,
    for an upload form, a multipart one) up to the route's limit, cached for `request.form()`;
    anything else is a 415."""
    media_type, _ = request.content_type
    accepted = ("application/x-www-form-urlencoded", "multipart/form-data") if uploads else ("application/x-www-form-urlencoded",)
    if media_type not in accepted:
        raise HTTPException(
            status_code=HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            detail=f"Content-Type must be {' or '.join(accepted)}",
            extra=[{"field": "Content-Type", "message": f"got {media_type or 'none'!r}", "source": "header"}],
        )
    ScopeState.from_scope(request.scope).body = await _read_at_most(request, limit)
    if media_type == "multipart/form-data":  # parsed now from the bounded bytes; the handler's form() reuses it
        await request.body()
        await request.form()


async def _read_at_most(request: Request[Any, Any, Any], limit: int) -> bytes:
    announced = request.headers.get("content-length", "")
    if announced.isdigit() and int(announced) > limit:
        raise _too_large(limit)
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise _too_large(limit)
            chunks.append(chunk)
    except InternalServerException as exc:
        if "disconnected" in exc.detail:  # Litestar's "client disconnected prematurely" (http.disconnect)
            raise _client_gone() from None
        raise
    return b"".join(chunks)


CLIENT_CLOSED = 499  # nginx's "client closed request": nobody receives it; logs and metrics see it


def _client_gone() -> HTTPException:
    """The client left before sending its whole body (a timeout on a saturated server, a load
    generator stopping): not the server's error. Litestar raises a 500 for it, which logged a
    traceback and counted a server error for every such client (issue 16)."""
    return HTTPException(status_code=CLIENT_CLOSED, detail="Client closed the connection before sending the whole body")


def _too_large(limit: int) -> HTTPException:
    return HTTPException(
        status_code=HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        detail=f"Request body larger than this route's limit of {limit} bytes",
        extra=[{"field": "body", "message": f"at most {limit} bytes", "source": "body"}],
    )
