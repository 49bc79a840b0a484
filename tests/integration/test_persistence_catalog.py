"""The catalog queries of the version and binding repositories, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from adapters.persistence.sqla_unit_of_work import SqlaUnitOfWorkFactory
from core.domain.catalog import ACTIVE, DEPRECATED
from core.domain.model import Policy, Taxonomy, TaxonomyNode
from core.domain.records import CourseBinding


def _taxonomy(version: str, size: int) -> Taxonomy:
    return Taxonomy(version, tuple(TaxonomyNode(f"n{i}", "area", "sub", f"C{i}", keywords=("k",)) for i in range(size)))


def test_taxonomy_infos_count_concepts_and_tell_shared_from_own(uow_factory: SqlaUnitOfWorkFactory, tenant_id: str) -> None:
    shared, own = f"shared-{tenant_id}", f"own-{tenant_id}"
    with uow_factory() as uow:
        uow.taxonomies.add(None, _taxonomy(shared, 3))
        uow.taxonomies.add(tenant_id, _taxonomy(own, 2))
        uow.commit()
    with uow_factory.reading() as uow:
        infos = {i.version: i for i in uow.taxonomies.infos(tenant_id)}
        assert (infos[shared].shared, infos[shared].concepts, infos[shared].status) == (True, 3, ACTIVE)
        assert (infos[own].shared, infos[own].concepts) == (False, 2)
        assert list(infos).index(shared) < list(infos).index(own)
        assert own not in {i.version for i in uow.taxonomies.infos("someone-else")}
        assert uow.taxonomies.info(tenant_id, own) == infos[own]
        assert uow.taxonomies.info("someone-else", own) is None
        assert uow.taxonomies.info("someone-else", shared) == infos[shared]
        assert infos[own].created_at.tzinfo is not None


def test_deprecate_changes_only_the_status_of_the_own_version(uow_factory: SqlaUnitOfWorkFactory, tenant_id: str) -> None:
    own = f"own-{tenant_id}"
    with uow_factory() as uow:
        uow.taxonomies.add(tenant_id, _taxonomy(own, 2))
        uow.commit()
    with uow_factory() as uow:
        uow.taxonomies.deprecate(tenant_id, own)
        info = uow.taxonomies.info(tenant_id, own)
        assert info is not None and info.status == DEPRECATED  # read in the same transaction
        uow.commit()
    with uow_factory.reading() as uow:
        info = uow.taxonomies.info(tenant_id, own)
        assert info is not None and info.deprecated and info.concepts == 2
        assert uow.taxonomies.get(tenant_id, own) == _taxonomy(own, 2)


def test_policy_infos(uow_factory: SqlaUnitOfWorkFactory, tenant_id: str) -> None:
    own = f"pol-{tenant_id}"
    with uow_factory() as uow:
        uow.policies.add(tenant_id, Policy(version=own, min_score_deferir=91.0))
        uow.commit()
    with uow_factory.reading() as uow:
        info = uow.policies.info(tenant_id, own)
        assert info is not None and (info.version, info.shared, info.status, info.concepts) == (own, False, ACTIVE, None)
        assert info in uow.policies.infos(tenant_id)
        assert uow.policies.info("someone-else", own) is None


@pytest.mark.parametrize("commit", [True, False])
def test_bindings_list_and_delete(uow_factory: SqlaUnitOfWorkFactory, tenant_id: str, commit: bool) -> None:
    with uow_factory() as uow:
        for course in ("MAT2", "MAT1"):
            uow.bindings.put(CourseBinding(tenant_id, course, "t", "p"))
        uow.bindings.put(CourseBinding("someone-else", "MAT9", "t", "p"))
        uow.commit()
    with uow_factory() as uow:
        assert [b.course_id for b in uow.bindings.list_for_tenant(tenant_id)] == ["MAT1", "MAT2"]
        assert not uow.bindings.delete(tenant_id, "MAT9") and not uow.bindings.delete(tenant_id, "nope")
        assert uow.bindings.delete(tenant_id, "MAT1")
        if commit:
            uow.commit()
    with uow_factory.reading() as uow:
        remaining = [b.course_id for b in uow.bindings.list_for_tenant(tenant_id)]
        assert remaining == (["MAT2"] if commit else ["MAT1", "MAT2"])
        assert uow.bindings.get("someone-else", "MAT9") is not None
