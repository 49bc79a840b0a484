"""/admin/api_keys (role admin): the tenant's API keys — create, list, rotate, revoke.

The plaintext key appears in exactly two answers, the 201 of create and of rotate (with
`Cache-Control: no-store`); lists and audit events carry only the id, prefix and role.
An admin may revoke or rotate the very key it calls with; its next request is then a 401.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal, TypedDict

import msgspec
from litestar import Controller, HttpMethod, Response, route
from adapters.http.threaded import get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from msgspec import Meta

from adapters.http.auth import ADMIN_ONLY
from adapters.http.dto import SINGLE_LINE
from adapters.http.error_table import AUTH, BODY, INVALID, responses
from adapters.http.routes_equivalences import ResourceId
from core.domain.actors import principal_actor
from core.domain.errors import InvalidInput, KeyRevoked, NotFound
from core.domain.records import ApiKeyRecord, Principal, Role
from core.usecases.keys import ApiKeyAdmin, IssuedKey

# Printable, not blank (the use case trims and checks the same).
KeyName = Annotated[str, Meta(min_length=1, max_length=200, pattern=SINGLE_LINE)]
AUTH_ERRORS = responses(AUTH)
NOT_FOUND = responses(AUTH, NotFound, INVALID)
NO_STORE = {"Cache-Control": "no-store"}


class CreateApiKeyIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    role: Literal["admin", "auditor", "client", "reviewer", "coordinator"]
    name: KeyName


class ApiKeyOut(msgspec.Struct, kw_only=True):
    key_id: str
    prefix: str
    role: str
    name: str
    status: Literal["active", "revoked"]
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class NewApiKeyOut(ApiKeyOut, kw_only=True):
    key: str
    """The plaintext key: shown in this answer only, store it now."""
    replaces: str | None = None


def key_out(key: ApiKeyRecord) -> ApiKeyOut:
    return ApiKeyOut(**_fields(key))


def new_key_out(issued: IssuedKey) -> Response[NewApiKeyOut]:
    replaces = issued.replaced.key_id if issued.replaced else None
    body = NewApiKeyOut(**_fields(issued.record), key=issued.plaintext, replaces=replaces)
    return Response(body, status_code=201, headers=NO_STORE)


class _KeyFields(TypedDict):
    """ApiKeyOut's fields, shared by NewApiKeyOut."""

    key_id: str
    prefix: str
    role: str
    name: str
    status: Literal["active", "revoked"]
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


def _fields(key: ApiKeyRecord) -> _KeyFields:
    return {
        "key_id": key.key_id,
        "prefix": key.prefix,
        "role": key.role.value,
        "name": key.name,
        "status": "revoked" if key.revoked_at else "active",
        "created_at": key.created_at,
        "last_used_at": key.last_used_at,
        "revoked_at": key.revoked_at,
    }


class ApiKeyController(Controller):
    path = "/admin/api_keys"
    tags = ["admin"]
    opt = {"roles": ADMIN_ONLY}

    @route("/", http_method=[HttpMethod.OPTIONS], include_in_schema=False, sync_to_thread=False)
    def allowed_methods(self) -> Response[None]:
        """OPTIONS /admin/api_keys. Litestar 2's own OPTIONS answer lists only the first method
        registered on a path with several (litestar#4169, fixed in v3): answer it ourselves.
        Registered first (handlers register in name order), so Litestar adds none of its own."""
        return Response(None, status_code=204, headers={"Allow": "GET, OPTIONS, POST"})

    @get("/", operation_id="listApiKeys", responses=AUTH_ERRORS)
    def list_keys(self, principal: NamedDependency[Principal], api_key_admin: NamedDependency[ApiKeyAdmin]) -> list[ApiKeyOut]:
        """The tenant's keys: prefix, role, status, creation and last use (never the key itself)."""
        return [key_out(k) for k in api_key_admin.list_keys(principal.tenant_id)]

    @post(
        "/",
        operation_id="createApiKey",
        status_code=201,
        responses=responses(AUTH, BODY, InvalidInput),
    )
    def create_key(
        self,
        data: JSONBody[CreateApiKeyIn],
        principal: NamedDependency[Principal],
        api_key_admin: NamedDependency[ApiKeyAdmin],
    ) -> Response[NewApiKeyOut]:
        """A new key of the caller's tenant; the plaintext `key` is in this answer only."""
        issued = api_key_admin.create(principal.tenant_id, Role(data.role), data.name, principal_actor(principal))
        return new_key_out(issued)

    @post(
        "/{key_id:str}/rotate",
        operation_id="rotateApiKey",
        status_code=201,
        responses=responses(AUTH, NotFound, INVALID, KeyRevoked),
    )
    def rotate_key(
        self, key_id: ResourceId, principal: NamedDependency[Principal], api_key_admin: NamedDependency[ApiKeyAdmin]
    ) -> Response[NewApiKeyOut]:
        """A new key with the same role and name; the old one is revoked at once, in the same transaction."""
        issued = api_key_admin.rotate(key_id, principal_actor(principal), tenant_id=principal.tenant_id)
        return new_key_out(issued)

    @post(
        "/{key_id:str}/revoke",
        operation_id="revokeApiKey",
        status_code=200,
        responses=NOT_FOUND,
    )
    def revoke_key(
        self, key_id: ResourceId, principal: NamedDependency[Principal], api_key_admin: NamedDependency[ApiKeyAdmin]
    ) -> ApiKeyOut:
        """Revoke a key: its next request is refused (401). Revoking a revoked key changes nothing."""
        return key_out(api_key_admin.revoke(key_id, principal_actor(principal), tenant_id=principal.tenant_id))
