"""Admin routes (role admin): the tenant's API keys, without their secrets."""

from __future__ import annotations

import datetime as dt

import msgspec
from litestar import Controller, get
from litestar.di import NamedDependency

from adapters.http.auth import ADMIN_ONLY
from adapters.http.routes_equivalences import AUTH_ERRORS
from core.domain.records import Principal
from core.ports.unit_of_work import UnitOfWorkFactory
from core.usecases.keys import list_api_keys


class ApiKeyOut(msgspec.Struct):
    key_id: str
    prefix: str
    role: str
    name: str
    status: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None


class AdminController(Controller):
    path = "/admin"
    tags = ["admin"]
    opt = {"roles": ADMIN_ONLY}

    @get("/api_keys", operation_id="listApiKeys", sync_to_thread=True, responses=AUTH_ERRORS)
    def api_keys(
        self, principal: NamedDependency[Principal], uow_factory: NamedDependency[UnitOfWorkFactory]
    ) -> list[ApiKeyOut]:
        """The tenant's keys: prefix, role, status and last use (never the key itself)."""
        return [
            ApiKeyOut(
                key_id=k.key_id,
                prefix=k.prefix,
                role=k.role.value,
                name=k.name,
                status="revoked" if k.revoked_at else "active",
                created_at=k.created_at,
                last_used_at=k.last_used_at,
            )
            for k in list_api_keys(uow_factory, principal.tenant_id)
        ]
