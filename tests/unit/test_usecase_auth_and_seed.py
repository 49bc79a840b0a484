"""Authenticate and seed over the fakes: who may call, and the default setup created once."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from core.domain.api_keys import KEY_TYPE, hash_key, key_prefix
from core.domain.audit import canonical_json
from core.domain.model import Policy, Taxonomy, TaxonomyNode
from core.domain.records import ApiKeyRecord, Principal, Role, Tenant
from core.usecases.auth import Authenticate
from core.usecases.bootstrap import DEFAULT_TENANT, SeedReport, Seed
from tests.fakes import FakeUnitOfWorkFactory, FixedClock, SequentialIds

PEPPER = b"test-pepper"
TAXONOMY = Taxonomy("tax-1", (TaxonomyNode("lim", "matematica", "calculo", "Limites"),))
POLICY = Policy(version="pol-1")
NOW = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.timezone.utc)


def run_seed(uows: FakeUnitOfWorkFactory, bootstrap_key: str | None = None) -> SeedReport:
    return Seed(uows, PEPPER, FixedClock(NOW), SequentialIds())(TAXONOMY, POLICY, bootstrap_key)


def add_key(
    uows: FakeUnitOfWorkFactory, plaintext: str, tenant_id: str = DEFAULT_TENANT, **fields: Any
) -> None:
    """Store a client key for `plaintext` (fields override the record's defaults)."""
    record = ApiKeyRecord(
        key_id=f"k-{plaintext}", tenant_id=tenant_id, prefix=key_prefix(plaintext),
        key_hash=hash_key(plaintext, PEPPER), role=Role.CLIENT, name="test", created_at=NOW,
    )
    with uows() as uow:
        uow.api_keys.add(dataclasses.replace(record, **fields))
        uow.commit()


@pytest.fixture
def uows() -> FakeUnitOfWorkFactory:
    return FakeUnitOfWorkFactory()


# --- Authenticate ---------------------------------------------------------------------------


def test_a_valid_key_authenticates_as_its_principal(uows):
    run_seed(uows)
    add_key(uows, "eqv_live_client")
    principal = Authenticate(uows, PEPPER)("eqv_live_client")
    assert principal == Principal(DEFAULT_TENANT, "k-eqv_live_client", Role.CLIENT)
    # the tenant came with the key, in the same read: the request need not read it again
    assert principal is not None and principal.tenant is not None
    assert principal.tenant.tenant_id == DEFAULT_TENANT and principal.tenant.default_taxonomy_version


def test_authentication_reads_and_records_the_use_at_most_once_a_minute(uows):
    run_seed(uows)
    add_key(uows, "eqv_live_client")
    clock = FixedClock(NOW)
    authenticate = Authenticate(uows, PEPPER, clock)
    commits = uows.commits
    for _ in range(5):
        authenticate("eqv_live_client")
    assert uows.commits == commits + 1 and uows.units[-1].read_only
    with uows.reading() as uow:
        assert uow.api_keys.get("k-eqv_live_client").last_used_at == NOW
    clock.current = NOW + dt.timedelta(seconds=59)
    authenticate("eqv_live_client")
    assert uows.commits == commits + 1
    clock.current = NOW + dt.timedelta(seconds=60)
    authenticate("eqv_live_client")
    assert uows.commits == commits + 2


@pytest.mark.parametrize("plaintext", ["", None, "eqv_live_unknown"])
def test_missing_or_unknown_keys_are_refused(uows, plaintext):
    run_seed(uows)
    assert Authenticate(uows, PEPPER)(plaintext) is None


def test_a_key_hashed_with_another_pepper_is_refused(uows):
    run_seed(uows)
    add_key(uows, "eqv_live_client")
    assert Authenticate(uows, b"other-pepper")("eqv_live_client") is None


def test_a_revoked_key_is_refused(uows):
    run_seed(uows)
    add_key(uows, "eqv_live_revoked", revoked_at=NOW)
    assert Authenticate(uows, PEPPER)("eqv_live_revoked") is None


def test_a_key_of_a_disabled_tenant_is_refused(uows):
    with uows() as uow:
        uow.tenants.add(Tenant("off", "Desativado", active=False))
        uow.commit()
    add_key(uows, "eqv_live_off", tenant_id="off")
    assert Authenticate(uows, PEPPER)("eqv_live_off") is None


def test_a_key_whose_tenant_is_missing_is_refused(uows):
    add_key(uows, "eqv_live_orphan", tenant_id="ghost")
    assert Authenticate(uows, PEPPER)("eqv_live_orphan") is None


# --- seed -----------------------------------------------------------------------------------


def test_first_seed_creates_tenant_versions_and_returns_a_generated_admin_key_once(uows):
    report = run_seed(uows)

    assert [u.commits for u in uows.units if not u.read_only] == [1]
    assert report.created_tenant and report.tenant_id == DEFAULT_TENANT
    assert report.new_admin_key is not None and report.new_admin_key.startswith(KEY_TYPE)
    principal = Authenticate(uows, PEPPER)(report.new_admin_key)
    assert principal is not None and principal.role is Role.ADMIN and principal.tenant_id == DEFAULT_TENANT
    with uows.reading() as uow:
        tenant = uow.tenants.get(DEFAULT_TENANT)
        assert (tenant.default_taxonomy_version, tenant.default_policy_version) == ("tax-1", "pol-1")
        assert uow.taxonomies.get(DEFAULT_TENANT, "tax-1") == TAXONOMY
        assert uow.policies.get(DEFAULT_TENANT, "pol-1") == POLICY
        [event] = uow.audit.list_events(DEFAULT_TENANT)
    assert event.event_type == "key.created" and event.payload["actor"] == {"seed": True}
    assert event.payload["prefix"] == key_prefix(report.new_admin_key)
    assert report.new_admin_key not in canonical_json(event.payload)


def test_a_second_seed_creates_nothing_and_returns_no_key(uows):
    first = run_seed(uows)
    with uows.reading() as uow:
        keys, events = uow.api_keys.list_for_tenant(DEFAULT_TENANT), uow.audit.list_events(DEFAULT_TENANT)

    second = run_seed(uows)

    assert not second.created_tenant and second.new_admin_key is None
    with uows.reading() as uow:
        assert uow.api_keys.list_for_tenant(DEFAULT_TENANT) == keys
        assert uow.audit.list_events(DEFAULT_TENANT) == events
        assert uow.taxonomies.list_versions(DEFAULT_TENANT) == ["tax-1"]
        assert uow.policies.list_versions(DEFAULT_TENANT) == ["pol-1"]
    assert Authenticate(uows, PEPPER)(first.new_admin_key) is not None


def test_a_bootstrap_key_is_stored_works_and_is_never_returned(uows):
    bootstrap = "eqv_live_bootstrap-from-the-environment"
    first = run_seed(uows, bootstrap)
    second = run_seed(uows, bootstrap)

    assert first.new_admin_key is None and second.new_admin_key is None
    principal = Authenticate(uows, PEPPER)(bootstrap)
    assert principal is not None and principal.role is Role.ADMIN
    with uows.reading() as uow:
        assert len(uow.api_keys.list_for_tenant(DEFAULT_TENANT)) == 1
        assert len(uow.audit.list_events(DEFAULT_TENANT)) == 1


def test_seed_without_a_bootstrap_key_keeps_an_existing_bootstrap_admin(uows):
    run_seed(uows, "eqv_live_bootstrap")
    assert run_seed(uows).new_admin_key is None
    with uows.reading() as uow:
        assert len(uow.api_keys.list_for_tenant(DEFAULT_TENANT)) == 1


def test_seed_generates_a_new_admin_key_when_every_admin_key_is_revoked(uows):
    add_key(uows, "eqv_live_old_admin", role=Role.ADMIN, revoked_at=NOW)

    report = run_seed(uows)

    assert report.new_admin_key is not None and report.new_admin_key.startswith(KEY_TYPE)
    assert Authenticate(uows, PEPPER)(report.new_admin_key) is not None


def test_seed_fills_missing_defaults_of_an_existing_tenant(uows):
    with uows() as uow:
        uow.tenants.add(Tenant(DEFAULT_TENANT, "Criado à mão"))
        uow.commit()

    report = run_seed(uows)

    assert not report.created_tenant
    with uows.reading() as uow:
        tenant = uow.tenants.get(DEFAULT_TENANT)
    assert (tenant.name, tenant.default_taxonomy_version, tenant.default_policy_version) == (
        "Criado à mão", "tax-1", "pol-1",
    )
