"""Round trips of every repository through a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pytest

from adapters.persistence.sqla_unit_of_work import SqlaUnitOfWorkFactory
from core.domain.errors import NotFound, VersionExists
from core.domain.model import Level, Policy, Taxonomy, TaxonomyNode, Weights
from core.domain.records import ApiKeyRecord, CourseBinding, Job, JobItem, JobStatus, Role, Tenant

T0 = dt.datetime(2025, 3, 1, 12, 30, 15, 123456, tzinfo=dt.timezone.utc)
MINUS_3 = dt.timezone(dt.timedelta(hours=-3))


def _taxonomy(version: str, *node_ids: str) -> Taxonomy:
    return Taxonomy(
        version=version,
        nodes=tuple(
            TaxonomyNode(
                node_id=node_id,
                area="Computação",
                subarea="Algoritmos",
                conceito=f"Conceito {node_id}",
                descricao="Descrição com acentuação",
                keywords=("árvore", "grafo"),
                nivel=Level.INTERMEDIARIO if i % 2 else None,
                critico=bool(i % 2),
            )
            for i, node_id in enumerate(node_ids)
        ),
    )


def test_tenant_round_trip(uow_factory: SqlaUnitOfWorkFactory, tenant_id: str) -> None:
    with uow_factory() as uow:
        uow.tenants.add(Tenant(tenant_id=tenant_id, name="Universidade Ω"))
        uow.commit()
    with uow_factory() as uow:
        uow.tenants.set_defaults(tenant_id, "tax-v1", "pol-v1")
        uow.commit()
    with uow_factory() as uow:
        assert uow.tenants.get(tenant_id) == Tenant(tenant_id, "Universidade Ω", True, "tax-v1", "pol-v1")
        assert uow.tenants.get("nobody") is None
        with pytest.raises(NotFound):
            uow.tenants.set_defaults("nobody", None, None)


def test_a_tenant_allows_client_policy_overrides_only_when_told(uow_factory: SqlaUnitOfWorkFactory, tenant_id: str) -> None:
    with uow_factory() as uow:
        uow.tenants.add(Tenant(tenant_id=tenant_id, name="Universidade"))
        uow.commit()
    with uow_factory.reading() as uow:
        tenant = uow.tenants.get(tenant_id)
        assert tenant is not None and tenant.allow_policy_overrides is False  # the default
    with uow_factory() as uow:
        uow.tenants.set_policy_overrides(tenant_id, True)
        uow.commit()
    with uow_factory.reading() as uow:
        assert [t.allow_policy_overrides for t in uow.tenants.list_all() if t.tenant_id == tenant_id] == [True]
        with pytest.raises(NotFound):
            uow.tenants.set_policy_overrides("nobody", True)


def test_api_key_round_trip(uow_factory: SqlaUnitOfWorkFactory, tenant_id: str) -> None:
    key = ApiKeyRecord(
        key_id=f"k-{tenant_id}",
        tenant_id=tenant_id,
        prefix="eqv_live_abc",
        key_hash=f"hash-{tenant_id}",
        role=Role.AUDITOR,
        name="auditoria",
        created_at=T0.astimezone(MINUS_3),
    )
    with uow_factory() as uow:
        uow.tenants.add(Tenant(tenant_id=tenant_id, name="x"))
        uow.api_keys.add(key)
        uow.commit()
    with uow_factory() as uow:
        found = uow.api_keys.find_by_hash(key.key_hash)
        assert found == key
        assert found is not None and found.created_at.utcoffset() == dt.timedelta(0)
        assert uow.api_keys.list_for_tenant(tenant_id) == [key]
        assert uow.api_keys.find_by_hash("unknown") is None
        assert uow.api_keys.revoke(tenant_id, key.key_id, T0)
        uow.api_keys.touch(key.key_id, T0)
        uow.commit()
    with uow_factory() as uow:
        found = uow.api_keys.find_by_hash(key.key_hash)
        assert found is not None and found.revoked_at == T0 and found.last_used_at == T0
        assert not uow.api_keys.revoke(tenant_id, key.key_id, T0)


def test_taxonomy_round_trip_and_shared_versions(uow_factory: SqlaUnitOfWorkFactory, tenant_id: str) -> None:
    shared_version = f"shared-{tenant_id}"
    with uow_factory() as uow:
        uow.taxonomies.add(None, _taxonomy(shared_version, "b", "a"))
        uow.taxonomies.add(tenant_id, _taxonomy(f"own-{tenant_id}", "z", "c", "m"))
        uow.commit()
    with uow_factory() as uow:
        stored = _taxonomy(f"own-{tenant_id}", "z", "c", "m")
        own = uow.taxonomies.get(tenant_id, f"own-{tenant_id}")
        assert own == Taxonomy(stored.version, tuple(sorted(stored.nodes, key=lambda n: n.node_id)))
        assert own.node("z") == stored.node("z")
        shared = uow.taxonomies.get("someone-else", shared_version)
        assert shared is not None and [n.node_id for n in shared.nodes] == ["a", "b"]
        assert uow.taxonomies.get(tenant_id, shared_version) == shared
        assert uow.taxonomies.get("someone-else", f"own-{tenant_id}") is None
        versions = uow.taxonomies.list_versions(tenant_id)
        assert versions.index(shared_version) < versions.index(f"own-{tenant_id}")
        assert f"own-{tenant_id}" not in uow.taxonomies.list_versions("someone-else")


def test_a_version_name_never_means_two_things(uow_factory: SqlaUnitOfWorkFactory, tenant_id: str) -> None:
    """Own may not shadow shared, shared may not shadow any tenant's own, and no name is reused."""
    shared_version, own_version = f"shared-{tenant_id}", f"own-{tenant_id}"
    with uow_factory() as uow:
        uow.taxonomies.add(None, _taxonomy(shared_version, "a"))
        uow.taxonomies.add(tenant_id, _taxonomy(own_version, "a"))
        uow.policies.add(None, Policy(version=shared_version))
        uow.commit()
    for owner, version in ((tenant_id, shared_version), (None, own_version), (tenant_id, own_version), (None, shared_version)):
        with uow_factory() as uow, pytest.raises(VersionExists):
            uow.taxonomies.add(owner, _taxonomy(version, "q"))
    with uow_factory() as uow, pytest.raises(VersionExists):
        uow.policies.add(tenant_id, Policy(version=shared_version))
    with uow_factory() as uow:
        uow.taxonomies.add("someone-else", _taxonomy(own_version, "q"))  # other tenants' names are theirs
        uow.commit()


def test_policy_round_trip_and_shared_versions(uow_factory: SqlaUnitOfWorkFactory, tenant_id: str) -> None:
    shared = Policy(version=f"shared-{tenant_id}")
    own = Policy(
        version=f"own-{tenant_id}",
        min_score_deferir=90.5,
        tolerancia_carga=0.75,
        exigir_criticos=False,
        max_anos_validade=10,
        weights=Weights(cobertura=0.7, critica=0.3, nivel=0.2),
        confidence_cutoff=0.65,
    )
    with uow_factory() as uow:
        uow.policies.add(None, shared)
        uow.policies.add(tenant_id, own)
        uow.commit()
    with uow_factory() as uow:
        assert uow.policies.get(tenant_id, own.version) == own
        assert uow.policies.get(tenant_id, shared.version) == shared
        assert uow.policies.get("someone-else", own.version) is None
        assert uow.policies.get(tenant_id, "missing") is None
        assert uow.policies.list_versions(tenant_id).count(shared.version) == 1


def test_course_binding_round_trip(uow_factory: SqlaUnitOfWorkFactory, tenant_id: str) -> None:
    binding = CourseBinding(tenant_id, "MAT101", "tax-v1", "pol-v1")
    with uow_factory() as uow:
        uow.bindings.put(binding)
        uow.commit()
    with uow_factory() as uow:
        assert uow.bindings.get(tenant_id, "MAT101") == binding
        uow.bindings.put(CourseBinding(tenant_id, "MAT101", "tax-v2", "pol-v2"))
        uow.commit()
    with uow_factory() as uow:
        assert uow.bindings.get(tenant_id, "MAT101") == CourseBinding(tenant_id, "MAT101", "tax-v2", "pol-v2")
        assert uow.bindings.get("someone-else", "MAT101") is None


def test_job_round_trip(uow_factory: SqlaUnitOfWorkFactory, tenant_id: str) -> None:
    job = Job(job_id=f"j-{tenant_id}", tenant_id=tenant_id, status=JobStatus.QUEUED, total=3, created_at=T0)
    items = [JobItem(job.job_id, i, f"req-{i:04d}", {"origem": {"nome": f"C{i}"}}) for i in range(3)]
    with uow_factory() as uow:
        uow.jobs.add(job, items)
        uow.commit()
    with uow_factory() as uow:
        assert uow.jobs.get(tenant_id, job.job_id) == job
        assert uow.jobs.get("someone-else", job.job_id) is None
        assert uow.jobs.list_items_after(job.job_id, -1, 10) == items
        assert uow.jobs.list_items_after(job.job_id, 0, 1) == items[1:2]
        assert uow.jobs.claim_item(job.job_id, 1, T0) == JobItem(job.job_id, 1, "req-0001", items[1].payload, JobStatus.RUNNING, 1)
        assert uow.jobs.finish_item(job.job_id, 1, JobStatus.FAILED, "boom", T0)
        assert not uow.jobs.finish_item(job.job_id, 1, JobStatus.DONE, None, T0)  # finished once only
        uow.jobs.mark_started(job.job_id, T0)
        uow.commit()
    with uow_factory() as uow:
        failed = JobItem(job.job_id, 1, "req-0001", items[1].payload, JobStatus.FAILED, 1, "boom")
        assert uow.jobs.get_item(job.job_id, 1) == failed
        running = uow.jobs.get(tenant_id, job.job_id)
        assert running is not None and (running.status, running.started_at) == (JobStatus.RUNNING, T0)
        assert uow.jobs.count_items(job.job_id) == {JobStatus.QUEUED: 2, JobStatus.FAILED: 1}


def test_leaving_without_commit_rolls_back(uow_factory: SqlaUnitOfWorkFactory, tenant_id: str) -> None:
    with uow_factory() as uow:
        uow.tenants.add(Tenant(tenant_id=tenant_id, name="x"))
    with pytest.raises(RuntimeError):
        with uow_factory() as uow:
            uow.bindings.put(CourseBinding(tenant_id, "C1", "t", "p"))
            raise RuntimeError("boom")
    with uow_factory() as uow:
        assert uow.tenants.get(tenant_id) is None
        assert uow.bindings.get(tenant_id, "C1") is None
