"""Admin catalog routes (role admin, the key's tenant): taxonomy and policy versions, course bindings.

Thin: parse, call one use case (core/usecases/taxonomies.py, policies.py, bindings.py), map
its errors. A tenant sees its own versions and the shared ones; another tenant's own
version or binding answers 404, like a missing one. There is no update route: stored
versions are immutable (ADR 0010).
"""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller
from adapters.http.threaded import delete, get, post, put
from litestar.di import NamedDependency
from litestar.exceptions import ValidationException
from litestar.params import JSONBody, PathParameter, QueryParameter

from adapters.http.auth import ADMIN_ONLY
from adapters.http.dto_catalog import (
    BindingIn,
    BindingOut,
    PolicyCreateIn,
    PolicyOut,
    policy_from_body,
    TaxonomyDetailOut,
    TaxonomyIn,
    TaxonomyNodeOut,
    TaxonomyOut,
    TenantDefaultsOut,
    WeightsOut,
)
from adapters.http.body_guard import BODY_LIMIT
from adapters.http.error_table import AUTH, BODY, INVALID, responses
from adapters.mappers.taxonomy_json import TaxonomyFormatError, taxonomy_from_dict, taxonomy_to_dict
from core.domain.actors import principal_actor
from core.domain.catalog import VERSION_PATTERN, VersionInfo
from core.domain.errors import CatalogConflict, NotFound, VersionExists, VersionNotFound
from core.domain.model import Policy
from core.domain.records import CourseBinding, Principal, Tenant
from core.usecases.bindings import Bindings
from core.usecases.policies import Policies
from core.usecases.taxonomies import Taxonomies

Version = Annotated[str, PathParameter(pattern=VERSION_PATTERN, description="a version name")]
Course = Annotated[str, PathParameter(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f/]+$")]

AUTH_ERRORS = responses(AUTH)
READ_ERRORS = responses(AUTH, NotFound, INVALID)  # a named version or binding: 404, or a bad path
CHANGE_ERRORS = responses(AUTH, NotFound, INVALID, CatalogConflict)
CREATE_ERRORS = responses(AUTH, BODY, VersionExists)




def _taxonomy_out(info: VersionInfo, default: str | None) -> TaxonomyOut:
    return TaxonomyOut(
        version=info.version,
        concepts=info.concepts or 0,
        status="deprecated" if info.deprecated else "active",
        scope="shared" if info.shared else "own",
        is_default=info.version == default,
        created_at=info.created_at,
    )


def _defaults(tenant: Tenant) -> TenantDefaultsOut:
    return TenantDefaultsOut(
        taxonomy_version=tenant.default_taxonomy_version, policy_version=tenant.default_policy_version
    )


class TaxonomyAdminController(Controller):
    path = "/admin/taxonomies"
    tags = ["admin: catalog"]
    opt = {"roles": ADMIN_ONLY}

    @post(
        "/",
        operation_id="importTaxonomy",
        status_code=201,
        responses=CREATE_ERRORS,
        opt={BODY_LIMIT: "taxonomy"},
    )
    def import_taxonomy(
        self, data: JSONBody[TaxonomyIn], principal: NamedDependency[Principal], taxonomies: NamedDependency[Taxonomies]
    ) -> TaxonomyOut:
        """Store a taxonomy document (the format `equivalence taxonomy export` writes) as a new version of the tenant."""
        try:
            taxonomy = taxonomy_from_dict(msgspec.to_builtins(data))
        except TaxonomyFormatError as exc:
            raise ValidationException(
                detail="Validation failed", extra=[{"key": exc.field, "message": str(exc), "source": "body"}]
            ) from None
        info = taxonomies.import_for_tenant(principal.tenant_id, taxonomy, principal_actor(principal))
        return _taxonomy_out(info, None)

    @get("/", operation_id="listTaxonomies", responses=AUTH_ERRORS)
    def list_taxonomies(self, principal: NamedDependency[Principal], taxonomies: NamedDependency[Taxonomies]) -> list[TaxonomyOut]:
        """The versions the tenant can use (its own and the shared ones), oldest first, with status and default."""
        infos, default = taxonomies.catalog(principal.tenant_id)
        return [_taxonomy_out(info, default) for info in infos]

    @get(
        "/{version:str}", operation_id="getTaxonomy", responses=READ_ERRORS
    )
    def show_taxonomy(
        self,
        version: Version,
        principal: NamedDependency[Principal],
        taxonomies: NamedDependency[Taxonomies],
        full: Annotated[bool, QueryParameter(description="include the nodes (the export document)")] = False,
    ) -> TaxonomyDetailOut:
        """A version's summary (concepts per area, critical concepts); `?full=true` adds its nodes."""
        view = taxonomies.show(principal.tenant_id, version, full)
        summary = _taxonomy_out(view.info, version if view.is_default else None)
        nodes = None
        if view.taxonomy is not None:
            nodes = [TaxonomyNodeOut(**node) for node in taxonomy_to_dict(view.taxonomy)["nodes"]]
        return TaxonomyDetailOut(
            **msgspec.structs.asdict(summary), areas=view.areas, critical=view.critical, nodes=nodes
        )

    @post(
        "/{version:str}/activate",
        operation_id="activateTaxonomy",
        status_code=200,
        responses=CHANGE_ERRORS,
    )
    def activate(
        self, version: Version, principal: NamedDependency[Principal], taxonomies: NamedDependency[Taxonomies]
    ) -> TenantDefaultsOut:
        """Make the version the tenant's default taxonomy (not a deprecated one)."""
        tenant = taxonomies.activate(principal.tenant_id, version, principal_actor(principal))
        return _defaults(tenant)

    @post(
        "/{version:str}/deprecate",
        operation_id="deprecateTaxonomy",
        status_code=200,
        responses=CHANGE_ERRORS,
    )
    def deprecate(
        self, version: Version, principal: NamedDependency[Principal], taxonomies: NamedDependency[Taxonomies]
    ) -> TaxonomyOut:
        """Retire the tenant's own version from new evaluations, bindings and activations; stored results keep it."""
        info = taxonomies.deprecate(principal.tenant_id, version, principal_actor(principal))
        return _taxonomy_out(info, None)


def _policy_out(info: VersionInfo, policy: Policy, is_default: bool) -> PolicyOut:
    weights = policy.weights
    return PolicyOut(
        version=info.version,
        scope="shared" if info.shared else "own",
        is_default=is_default,
        created_at=info.created_at,
        min_score_deferir=policy.min_score_deferir,
        min_score_complemento=policy.min_score_complemento,
        tolerancia_carga=policy.tolerancia_carga,
        exigir_criticos=policy.exigir_criticos,
        max_anos_validade=policy.max_anos_validade,
        weights=WeightsOut(cobertura=weights.cobertura, critica=weights.critica, nivel=weights.nivel),
        confidence_cutoff=policy.confidence_cutoff,
        aprovacao_nao_informada=policy.aprovacao_nao_informada,
        prazo_parecer_dias=policy.prazo_parecer_dias,
        prazo_recurso_dias=policy.prazo_recurso_dias,
        homologacao_obrigatoria=policy.homologacao_obrigatoria,
    )


class PolicyAdminController(Controller):
    path = "/admin/policies"
    tags = ["admin: catalog"]
    opt = {"roles": ADMIN_ONLY}

    @post("/", operation_id="createPolicy", status_code=201, responses=CREATE_ERRORS)
    def create(
        self, data: JSONBody[PolicyCreateIn], principal: NamedDependency[Principal], policies: NamedDependency[Policies]
    ) -> PolicyOut:
        """Store a new policy version of the tenant from the evaluate request's policy fields."""
        policy = policy_from_body(data)
        info = policies.create(principal.tenant_id, policy, principal_actor(principal))
        assert info is not None
        return _policy_out(info, policy, is_default=False)

    @get("/", operation_id="listPolicies", responses=AUTH_ERRORS)
    def list_policies(self, principal: NamedDependency[Principal], policies: NamedDependency[Policies]) -> list[PolicyOut]:
        """The versions the tenant can use (its own and the shared ones), oldest first."""
        views = policies.catalog(principal.tenant_id)
        return [_policy_out(view.info, view.policy, view.is_default) for view in views]

    @get(
        "/{version:str}", operation_id="getPolicy", responses=READ_ERRORS
    )
    def show(self, version: Version, principal: NamedDependency[Principal], policies: NamedDependency[Policies]) -> PolicyOut:
        """One policy version with every field."""
        view = policies.show(principal.tenant_id, version)
        return _policy_out(view.info, view.policy, view.is_default)

    @post(
        "/{version:str}/activate",
        operation_id="activatePolicy",
        status_code=200,
        responses=READ_ERRORS,
    )
    def activate(
        self, version: Version, principal: NamedDependency[Principal], policies: NamedDependency[Policies]
    ) -> TenantDefaultsOut:
        """Make the version the tenant's default policy."""
        tenant = policies.activate(principal.tenant_id, version, principal_actor(principal))
        return _defaults(tenant)


def _binding_out(binding: CourseBinding) -> BindingOut:
    return BindingOut(
        course_id=binding.course_id, taxonomy_version=binding.taxonomy_version, policy_version=binding.policy_version
    )


class CourseBindingAdminController(Controller):
    path = "/admin/course_bindings"
    tags = ["admin: catalog"]
    opt = {"roles": ADMIN_ONLY}

    @put(
        "/{course_id:str}",
        operation_id="setCourseBinding",
        responses={
            **responses(AUTH, BODY, VersionNotFound),
        },
    )
    def set_binding(
        self,
        course_id: Course,
        data: JSONBody[BindingIn],
        principal: NamedDependency[Principal],
        bindings: NamedDependency[Bindings],
    ) -> BindingOut:
        """Judge this course by these versions when an evaluation names it (`course_id`); replaces any binding."""
        binding = CourseBinding(principal.tenant_id, course_id, data.taxonomy_version, data.policy_version)
        return _binding_out(bindings.set(binding, principal_actor(principal)))

    @get("/", operation_id="listCourseBindings", responses=AUTH_ERRORS)
    def list_bindings(self, principal: NamedDependency[Principal], bindings: NamedDependency[Bindings]) -> list[BindingOut]:
        """The tenant's course bindings, by course_id."""
        return [_binding_out(b) for b in bindings.all(principal.tenant_id)]

    @get(
        "/{course_id:str}",
        operation_id="getCourseBinding",
        responses=READ_ERRORS,
    )
    def get_binding(self, course_id: Course, principal: NamedDependency[Principal], bindings: NamedDependency[Bindings]) -> BindingOut:
        """The versions this course is judged by."""
        return _binding_out(bindings.get(principal.tenant_id, course_id))

    @delete(
        "/{course_id:str}",
        operation_id="deleteCourseBinding",
        responses=READ_ERRORS,
    )
    def delete_binding(
        self, course_id: Course, principal: NamedDependency[Principal], bindings: NamedDependency[Bindings]
    ) -> None:
        """Remove the binding; evaluations naming the course are then refused (422) until it is bound again."""
        bindings.delete(principal.tenant_id, course_id, principal_actor(principal))
