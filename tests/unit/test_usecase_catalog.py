"""The catalog use cases over the fakes: taxonomy and policy versions, bindings, audit, immutability."""

from __future__ import annotations

import dataclasses

import pytest

from core.domain.catalog import CLI_ACTOR, DEPRECATED
from core.domain.errors import (
    CatalogConflict,
    InvalidInput,
    InvalidVersionName,
    NotFound,
    VersionDeprecated,
    VersionExists,
    VersionNotFound,
)
from core.domain.model import ConceptMatch, Course, Policy, Taxonomy, TaxonomyNode
from core.domain.records import AuditEvent, CourseBinding, Tenant
from core.usecases.bindings import Bindings
from core.usecases.policies import Policies
from core.usecases.taxonomies import Taxonomies
from core.usecases.bootstrap import DEFAULT_TENANT, Seed
from core.usecases.evaluate import EvaluateCommand, EvaluatePair
from tests.fakes import FakeUnitOfWorkFactory, FixedClock, SequentialIds, StaticMapper

ACTOR = {"key_id": "k-1", "role": "admin"}
SHARED = Taxonomy("shared-1", (TaxonomyNode("a", "area", "sub", "Conceito A", keywords=("a",)),))
OWN = Taxonomy(
    "own-1",
    (
        TaxonomyNode("x", "computacao", "bd", "SQL", keywords=("sql",), critico=True),
        TaxonomyNode("y", "computacao", "bd", "Normalização", keywords=("normalizacao",)),
    ),
)
OTHER = "other"
CLOCK = FixedClock()


@pytest.fixture
def uows() -> FakeUnitOfWorkFactory:
    """The default tenant on shared-1/default-v1, plus a second tenant."""
    uows = FakeUnitOfWorkFactory()
    Seed(uows, b"pepper", FixedClock(), SequentialIds())(SHARED, Policy(), None)
    with uows() as uow:
        uow.tenants.add(Tenant(OTHER, "Outra", True, SHARED.version, "default-v1"))
        uow.commit()
    return uows


def events(uows: FakeUnitOfWorkFactory, tenant_id: str = DEFAULT_TENANT, prefix: str = "") -> list[AuditEvent]:
    with uows.reading() as uow:
        return [e for e in uow.audit.list_events(tenant_id, limit=1000) if e.event_type.startswith(prefix)]


def writers_since(uows: FakeUnitOfWorkFactory, before: int) -> list[int]:
    return [u.commits for u in uows.units[before:] if not u.read_only]


def test_import_stores_an_own_version_and_audits_it_in_the_same_commit(uows):
    before = len(uows.units)
    info = Taxonomies(uows, CLOCK).import_for_tenant(DEFAULT_TENANT, OWN, ACTOR)
    assert writers_since(uows, before) == [1]
    assert (info.version, info.shared, info.status, info.concepts) == ("own-1", False, "active", 2)
    [event] = events(uows, prefix="taxonomy.")
    assert event.event_type == "taxonomy.imported"
    assert event.payload == {"actor": ACTOR, "version": "own-1", "concepts": 2, "shared": False, "activated": False}


def test_reimporting_a_version_is_refused_and_says_whether_the_content_differs(uows):
    Taxonomies(uows, CLOCK).import_for_tenant(DEFAULT_TENANT, OWN, ACTOR)
    reordered = dataclasses.replace(OWN, nodes=tuple(reversed(OWN.nodes)))
    with pytest.raises(VersionExists, match="same content"):
        Taxonomies(uows, CLOCK).import_for_tenant(DEFAULT_TENANT, reordered, ACTOR)
    changed = dataclasses.replace(OWN, nodes=OWN.nodes[:1])
    with pytest.raises(VersionExists, match="immutable: create the change as a new version"):
        Taxonomies(uows, CLOCK).import_for_tenant(DEFAULT_TENANT, changed, ACTOR)
    with pytest.raises(VersionExists, match="different content"):  # shadowing a shared name
        Taxonomies(uows, CLOCK).import_for_tenant(DEFAULT_TENANT, dataclasses.replace(OWN, version="shared-1"), ACTOR)
    assert Taxonomies(uows, CLOCK).export(DEFAULT_TENANT, "own-1") == OWN
    assert len(events(uows, prefix="taxonomy.")) == 1


def test_another_tenant_may_use_the_same_name_for_its_own_version(uows):
    Taxonomies(uows, CLOCK).import_for_tenant(DEFAULT_TENANT, OWN, ACTOR)
    info = Taxonomies(uows, CLOCK).import_for_tenant(OTHER, dataclasses.replace(OWN, nodes=OWN.nodes[:1]), ACTOR)
    assert info.concepts == 1


@pytest.mark.parametrize("name", ["", "-lead", "has space", "a/b", "x" * 101, "ç"])
def test_a_version_name_must_fit_in_a_url(uows, name):
    with pytest.raises(InvalidVersionName):
        Taxonomies(uows, CLOCK).import_for_tenant(DEFAULT_TENANT, dataclasses.replace(OWN, version=name), ACTOR)
    with pytest.raises(InvalidVersionName):
        Policies(uows, CLOCK).create(DEFAULT_TENANT, Policy(version=name), ACTOR)


def test_a_policy_whose_complementacao_exceeds_deferir_is_never_stored(uows):
    inverted = Policy(version="bad-v2", min_score_deferir=50.0, min_score_complemento=80.0)
    for tenant in (DEFAULT_TENANT, None):  # the admin API's and the CLI's shared versions alike
        with pytest.raises(InvalidInput, match="must not exceed") as raised:
            Policies(uows, CLOCK).create(tenant, inverted, ACTOR)
        assert raised.value.field == "min_score_complemento"
    with uows.reading() as uow:
        assert uow.policies.get(DEFAULT_TENANT, "bad-v2") is None
    equal = Policy(version="flat-v1", min_score_deferir=80.0, min_score_complemento=80.0)
    assert Policies(uows, CLOCK).create(DEFAULT_TENANT, equal, ACTOR) is not None


def test_an_unknown_owner_tenant_is_not_found(uows):
    with pytest.raises(NotFound):
        Taxonomies(uows, CLOCK).import_version(OWN, tenant_id="nobody", activate_for=None, actor=ACTOR)
    with pytest.raises(NotFound):
        Policies(uows, CLOCK).create("nobody", Policy(version="p-x"), ACTOR)
    with pytest.raises(NotFound):
        Bindings(uows, CLOCK).set(CourseBinding("nobody", "C", "shared-1", "default-v1"), CLI_ACTOR)


def test_catalog_lists_shared_and_own_versions_with_status_and_default(uows):
    Taxonomies(uows, CLOCK).import_for_tenant(DEFAULT_TENANT, OWN, ACTOR)
    Taxonomies(uows, CLOCK).import_for_tenant(OTHER, dataclasses.replace(OWN, version="theirs-1"), ACTOR)
    infos, default = Taxonomies(uows, CLOCK).catalog(DEFAULT_TENANT)
    assert [(i.version, i.shared, i.concepts) for i in infos] == [("shared-1", True, 1), ("own-1", False, 2)]
    assert default == "shared-1"
    view = Taxonomies(uows, CLOCK).show(DEFAULT_TENANT, "own-1", full=False)
    assert (view.is_default, view.areas, view.critical, view.taxonomy) == (False, {"computacao": 2}, 1, None)
    assert Taxonomies(uows, CLOCK).show(DEFAULT_TENANT, "own-1", full=True).taxonomy == OWN
    with pytest.raises(NotFound):
        Taxonomies(uows, CLOCK).show(DEFAULT_TENANT, "theirs-1", full=False)


def test_activate_sets_the_default_and_audits_the_previous_one(uows):
    Taxonomies(uows, CLOCK).import_for_tenant(DEFAULT_TENANT, OWN, ACTOR)
    tenant = Taxonomies(uows, CLOCK).activate(DEFAULT_TENANT, "own-1", ACTOR)
    assert (tenant.default_taxonomy_version, tenant.default_policy_version) == ("own-1", "default-v1")
    event = events(uows, prefix="taxonomy.")[-1]
    assert event.event_type == "taxonomy.activated"
    assert event.payload == {"actor": ACTOR, "version": "own-1", "previous": "shared-1"}
    assert Taxonomies(uows, CLOCK).activate(OTHER, "shared-1", ACTOR).default_taxonomy_version == "shared-1"
    with pytest.raises(NotFound):
        Taxonomies(uows, CLOCK).activate(OTHER, "own-1", ACTOR)


def test_deprecate_retires_an_own_unused_version_for_good(uows):
    Taxonomies(uows, CLOCK).import_for_tenant(DEFAULT_TENANT, OWN, ACTOR)
    info = Taxonomies(uows, CLOCK).deprecate(DEFAULT_TENANT, "own-1", ACTOR)
    assert info.status == DEPRECATED
    event = events(uows, prefix="taxonomy.")[-1]
    assert (event.event_type, event.payload) == ("taxonomy.deprecated", {"actor": ACTOR, "version": "own-1", "was": "active"})
    with pytest.raises(CatalogConflict, match="deprecated"):
        Taxonomies(uows, CLOCK).activate(DEFAULT_TENANT, "own-1", ACTOR)
    with pytest.raises(VersionDeprecated):
        Bindings(uows, CLOCK).set(CourseBinding(DEFAULT_TENANT, "C", "own-1", "default-v1"), ACTOR)
    assert Taxonomies(uows, CLOCK).export(DEFAULT_TENANT, "own-1") == OWN  # still readable


def test_deprecate_refuses_shared_default_and_bound_versions_and_writes_nothing(uows):
    Taxonomies(uows, CLOCK).import_for_tenant(DEFAULT_TENANT, OWN, ACTOR)
    with pytest.raises(CatalogConflict, match="shared by every tenant"):
        Taxonomies(uows, CLOCK).deprecate(DEFAULT_TENANT, "shared-1", ACTOR)
    Bindings(uows, CLOCK).set(CourseBinding(DEFAULT_TENANT, "BD-1", "own-1", "default-v1"), ACTOR)
    with pytest.raises(CatalogConflict, match="bound to course.*BD-1"):
        Taxonomies(uows, CLOCK).deprecate(DEFAULT_TENANT, "own-1", ACTOR)
    Bindings(uows, CLOCK).delete(DEFAULT_TENANT, "BD-1", ACTOR)
    Taxonomies(uows, CLOCK).activate(DEFAULT_TENANT, "own-1", ACTOR)
    with pytest.raises(CatalogConflict, match="active default; activate another version"):
        Taxonomies(uows, CLOCK).deprecate(DEFAULT_TENANT, "own-1", ACTOR)
    with pytest.raises(NotFound):
        Taxonomies(uows, CLOCK).deprecate(OTHER, "own-1", ACTOR)
    assert not any(e.event_type == "taxonomy.deprecated" for e in events(uows))
    with uows.reading() as uow:
        assert not uow.taxonomies.info(DEFAULT_TENANT, "own-1").deprecated


def test_policies_create_list_show_activate(uows):
    strict = Policy(version="strict-1", min_score_deferir=95.0)
    info = Policies(uows, CLOCK).create(DEFAULT_TENANT, strict, ACTOR)
    assert info is not None and (info.version, info.shared) == ("strict-1", False)
    with pytest.raises(VersionExists, match="different content"):
        Policies(uows, CLOCK).create(DEFAULT_TENANT, Policy(version="strict-1"), ACTOR)
    with pytest.raises(VersionExists, match="same content"):
        Policies(uows, CLOCK).create(DEFAULT_TENANT, strict, ACTOR)
    views = Policies(uows, CLOCK).catalog(DEFAULT_TENANT)
    assert [(v.info.version, v.is_default) for v in views] == [("default-v1", True), ("strict-1", False)]
    assert Policies(uows, CLOCK).show(DEFAULT_TENANT, "strict-1").policy == strict
    with pytest.raises(NotFound):
        Policies(uows, CLOCK).show(OTHER, "strict-1")
    tenant = Policies(uows, CLOCK).activate(DEFAULT_TENANT, "strict-1", ACTOR)
    assert (tenant.default_taxonomy_version, tenant.default_policy_version) == ("shared-1", "strict-1")
    with pytest.raises(NotFound):
        Policies(uows, CLOCK).activate(OTHER, "strict-1", ACTOR)
    assert [(e.event_type, e.payload) for e in events(uows, prefix="policy.")] == [
        ("policy.created", {"actor": ACTOR, "version": "strict-1", "shared": False}),
        ("policy.activated", {"actor": ACTOR, "version": "strict-1", "previous": "default-v1"}),
    ]


def test_a_shared_policy_from_the_cli_appends_no_tenant_event(uows):
    assert Policies(uows, CLOCK).create(None, Policy(version="shared-pol"), ACTOR) is None
    assert [v.info.version for v in Policies(uows, CLOCK).catalog(OTHER)] == ["default-v1", "shared-pol"]
    assert events(uows, prefix="policy.") == [] and events(uows, OTHER, prefix="policy.") == []


def test_bindings_set_replace_list_get_delete_with_audit(uows):
    Taxonomies(uows, CLOCK).import_for_tenant(DEFAULT_TENANT, OWN, ACTOR)
    first = CourseBinding(DEFAULT_TENANT, "BD-1", "shared-1", "default-v1")
    second = CourseBinding(DEFAULT_TENANT, "BD-1", "own-1", "default-v1")
    Bindings(uows, CLOCK).set(first, ACTOR)
    Bindings(uows, CLOCK).set(second, ACTOR)
    assert Bindings(uows, CLOCK).all(DEFAULT_TENANT) == [second]
    assert Bindings(uows, CLOCK).get(DEFAULT_TENANT, "BD-1") == second
    with pytest.raises(NotFound):
        Bindings(uows, CLOCK).get(OTHER, "BD-1")
    with pytest.raises(NotFound):
        Bindings(uows, CLOCK).delete(OTHER, "BD-1", ACTOR)
    assert Bindings(uows, CLOCK).delete(DEFAULT_TENANT, "BD-1", ACTOR) == second
    assert Bindings(uows, CLOCK).all(DEFAULT_TENANT) == []
    with pytest.raises(NotFound):
        Bindings(uows, CLOCK).delete(DEFAULT_TENANT, "BD-1", ACTOR)
    set1, set2, deleted = events(uows, prefix="binding.")
    assert set1.payload["previous"] is None
    assert set2.payload == {
        "actor": ACTOR,
        "course_id": "BD-1",
        "taxonomy_version": "own-1",
        "policy_version": "default-v1",
        "previous": {"taxonomy_version": "shared-1", "policy_version": "default-v1"},
    }
    assert (deleted.event_type, deleted.payload["taxonomy_version"]) == ("binding.deleted", "own-1")


@pytest.mark.parametrize(
    ("taxonomy", "policy", "field"),
    [("nope", "default-v1", "taxonomy_version"), ("shared-1", "nope", "policy_version")],
)
def test_a_binding_must_name_versions_the_tenant_can_see(uows, taxonomy, policy, field):
    with pytest.raises(VersionNotFound, match=field):
        Bindings(uows, CLOCK).set(CourseBinding(DEFAULT_TENANT, "C", taxonomy, policy), ACTOR)
    Taxonomies(uows, CLOCK).import_for_tenant(OTHER, dataclasses.replace(OWN, version="theirs-1"), ACTOR)
    with pytest.raises(VersionNotFound):
        Bindings(uows, CLOCK).set(CourseBinding(DEFAULT_TENANT, "C", "theirs-1", "default-v1"), ACTOR)
    assert Bindings(uows, CLOCK).all(DEFAULT_TENANT) == [] and events(uows, prefix="binding.") == []


TEXT = "SQL e normalização."
COURSE = Course("BD", 60, TEXT, aprovado=True)


def test_evaluate_refuses_a_deprecated_version_named_by_the_request_but_replays_stored_results(uows):
    Taxonomies(uows, CLOCK).import_for_tenant(DEFAULT_TENANT, OWN, ACTOR)
    matches = tuple(ConceptMatch(n.node_id, 0.9, (n.conceito,)) for n in OWN.nodes)
    evaluate = EvaluatePair(uows, StaticMapper({TEXT: matches}), None, CLOCK)
    command = EvaluateCommand(DEFAULT_TENANT, "r-1", "h-1", COURSE, COURSE, taxonomy_version="own-1")
    first = evaluate(command)
    assert first.document["taxonomy_version"] == "own-1"
    Taxonomies(uows, CLOCK).deprecate(DEFAULT_TENANT, "own-1", ACTOR)
    replay = evaluate(command)
    assert replay.replayed and replay.document == first.document
    with pytest.raises(VersionDeprecated, match="deprecated"):
        evaluate(dataclasses.replace(command, request_id="r-2"))
    Bindings(uows, CLOCK).set(CourseBinding(DEFAULT_TENANT, "BD", "shared-1", "default-v1"), ACTOR)
    bound = evaluate(dataclasses.replace(command, request_id="r-3", taxonomy_version=None, course_id="BD"))
    assert (bound.document["taxonomy_version"], bound.document["policy_version"]) == ("shared-1", "default-v1")
