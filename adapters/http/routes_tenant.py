"""/admin/tenant (role admin): the caller's own tenant and whether its client keys may override
its policy per request (ADR 0013). Creating, disabling and listing tenants is the operator's
`equivalence tenants …`, not an API: a tenant's admin sees and governs only its own tenant."""

from __future__ import annotations

import msgspec
from litestar import Controller
from adapters.http.threaded import get, put
from litestar.di import NamedDependency
from litestar.params import JSONBody

from adapters.http.auth import ADMIN_ONLY
from adapters.http.error_table import AUTH, BODY, responses
from core.domain.actors import principal_actor
from core.domain.errors import InvalidInput
from core.domain.records import Principal, Tenant
from core.usecases.tenants import TenantAdmin


class TenantOut(msgspec.Struct, kw_only=True):
    tenant_id: str
    name: str
    active: bool
    default_taxonomy_version: str | None
    default_policy_version: str | None
    allow_policy_overrides: bool
    """May client keys send per-request `policy` overrides? (admin keys always may)"""


class PolicyOverridesIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    allowed: bool


def tenant_out(tenant: Tenant) -> TenantOut:
    return TenantOut(
        tenant_id=tenant.tenant_id,
        name=tenant.name,
        active=tenant.active,
        default_taxonomy_version=tenant.default_taxonomy_version,
        default_policy_version=tenant.default_policy_version,
        allow_policy_overrides=tenant.allow_policy_overrides,
    )


class TenantController(Controller):
    path = "/admin/tenant"
    tags = ["admin"]
    opt = {"roles": ADMIN_ONLY}

    @get("/", operation_id="getTenant", summary="The caller's tenant and its settings", responses=responses(AUTH))
    def get_tenant(
        self, principal: NamedDependency[Principal], tenant_admin: NamedDependency[TenantAdmin]
    ) -> TenantOut:
        return tenant_out(tenant_admin.get(principal.tenant_id))

    @put(
        "/policy_overrides",
        operation_id="setTenantPolicyOverrides",
        summary="Allow or forbid this tenant's client keys to override its policy per request",
        responses=responses(AUTH, BODY, InvalidInput),
    )
    def set_policy_overrides(
        self,
        data: JSONBody[PolicyOverridesIn],
        principal: NamedDependency[Principal],
        tenant_admin: NamedDependency[TenantAdmin],
    ) -> TenantOut:
        """Audited (`tenant.policy_overrides_allowed|forbidden`) when it changes; idempotent."""
        admin = tenant_admin
        actor = principal_actor(principal)
        if data.allowed:
            tenant = admin.allow_policy_overrides(principal.tenant_id, actor)
        else:
            tenant = admin.forbid_policy_overrides(principal.tenant_id, actor)
        return tenant_out(tenant)
