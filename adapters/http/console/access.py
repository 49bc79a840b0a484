"""The door of the *Catálogo*, *Auditoria*, *Chaves*, *Caso* and *Precedentes* pages (ADR 0037):
session, CSRF, role.

Every page and form of those modules goes through `page_session` or `form_session` (a multipart
upload too: its files come read, in `Door.uploads`), in the order the other console pages use: no session → back to sign-in (303); a form without the
session's CSRF token → 403; a role the matching API route refuses → 403, before anything is read.
A use-case refusal becomes `refused_page` (404) or an error next to the form (409/422).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from litestar import Request, Response
from litestar.datastructures import UploadFile

from adapters.http.console.routes import CSRF_FIELD, CSRF_REFUSED, _lookup, _page, _refused, _to_sign_in
from adapters.http.console.sessions import ConsoleSession, ConsoleSessions, same_token
from core.domain.records import Role


@dataclass(frozen=True)
class Upload:
    """A file sent with a multipart form: its name as the browser gave it, and its bytes."""

    filename: str
    content: bytes


@dataclass(frozen=True)
class Door:
    """Either the session that may go on (`session`), or the answer that stops it (`answer`).
    Through a form: its fields (`form`, stripped) and its files (`uploads`, by field)."""

    session: ConsoleSession | None
    answer: Any = None
    form: dict[str, str] | None = None
    uploads: dict[str, Upload] = field(default_factory=dict)


def page_session(request: Request[Any, Any, Any], sessions: ConsoleSessions, roles: Collection[Role], refusal: str) -> Door:
    lookup = _lookup(request, sessions)
    if lookup.session is None:
        return Door(None, _to_sign_in(request, lookup.expired))
    if lookup.session.principal.role not in roles:
        return Door(None, _page("inicio.html", lookup.session, status=403, aviso=refusal))
    return Door(lookup.session)


async def form_session(
    request: Request[Any, Any, Any], sessions: ConsoleSessions, roles: Collection[Role], refusal: str
) -> Door:
    form = await request.form()
    lookup = _lookup(request, sessions)
    if lookup.session is None:
        return Door(None, _to_sign_in(request, lookup.expired))
    if not same_token(lookup.session.csrf_token, form.get(CSRF_FIELD)):
        return Door(None, _refused(CSRF_REFUSED, 403))
    if lookup.session.principal.role not in roles:
        return Door(None, _page("inicio.html", lookup.session, status=403, aviso=refusal))
    values = {name: str(value).strip() for name, value in form.items() if name != CSRF_FIELD and not isinstance(value, UploadFile)}
    uploads = {name: Upload(value.filename or "", await value.read()) for name, value in form.items() if isinstance(value, UploadFile)}
    return Door(lookup.session, form=values, uploads=uploads)


def refused_page(message: str, status: int) -> Response[Any]:
    return _refused(message, status)


def page(name: str, session: ConsoleSession, status: int = 200, **context: Any) -> Any:
    return _page(name, session, status, **context)
