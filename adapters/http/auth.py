"""API-key authentication and role checks, as one Litestar dependency.

Routes declare the roles they accept in `opt={"roles": ...}`; the dependency answers 401
for a missing/invalid key and 403 for a valid key with the wrong role.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar import Request
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException

from core.domain.records import Principal, Role

API_KEY_HEADER = "X-API-Key"
EVALUATORS = (Role.CLIENT, Role.ADMIN)
READERS = (Role.CLIENT, Role.AUDITOR, Role.ADMIN)
ADMIN_ONLY = (Role.ADMIN,)


def principal_provider(authenticate: Callable[[str | None], Principal | None]) -> Callable[..., Principal]:
    """Build the `principal` dependency around the Authenticate use case (may read the
    database: run it in a worker thread)."""

    def provide_principal(request: Request[Any, Any, Any]) -> Principal:
        principal = authenticate(request.headers.get(API_KEY_HEADER))
        if principal is None:
            raise NotAuthorizedException(detail="Invalid API key")
        return _admit(request, principal)

    return provide_principal


def known_principal_provider(
    known: Callable[[str | None], Principal | None],
) -> Callable[[Request[Any, Any, Any]], Principal | None]:
    """The principal from what this process already knows (`Authenticate.cached`: no I/O, so the
    event loop calls it), role-checked like `principal_provider`; None: ask that one instead."""

    def provide_known(request: Request[Any, Any, Any]) -> Principal | None:
        principal = known(request.headers.get(API_KEY_HEADER))
        return None if principal is None else _admit(request, principal)

    return provide_known


def _admit(request: Request[Any, Any, Any], principal: Principal) -> Principal:
    allowed = request.route_handler.opt.get("roles", ())
    if principal.role not in allowed:
        raise PermissionDeniedException(detail=f"role '{principal.role.value}' may not use this route")
    request.state.tenant_id = principal.tenant_id
    return principal
