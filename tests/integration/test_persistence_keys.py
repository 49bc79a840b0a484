"""Key and tenant lifecycle through the SQL repositories (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from adapters.persistence.sqla_unit_of_work import SqlaUnitOfWorkFactory
from adapters.system import SystemClock, UuidGenerator
from core.domain.actors import cli_actor
from core.domain.auth_failures import UNRESOLVED_TENANT, FailureBursts
from core.domain.errors import KeyRevoked, NotFound, TenantExists
from core.domain.records import ApiKeyRecord, Role, Tenant
from core.usecases.auth import Authenticate
from core.usecases.keys import ApiKeyAdmin
from core.usecases.tenants import TenantAdmin
from core.domain.tenants import ANY_TENANT

PEPPER = b"sql-keys-pepper-0123456789"
T0 = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.timezone.utc)


def _key(tenant_id: str, n: int, **fields: object) -> ApiKeyRecord:
    values = dict(
        key_id=f"{tenant_id}-k{n}", tenant_id=tenant_id, prefix=f"eqv_live_{tenant_id[-8:]}",
        key_hash=f"hash-{tenant_id}-{n}", role=Role.CLIENT, name=f"key {n}", created_at=T0,
    ) | fields
    return ApiKeyRecord(**values)  # type: ignore[arg-type]


def test_keys_by_id_and_prefix_revoke_scoped_to_the_tenant(uow_factory: SqlaUnitOfWorkFactory, tenant_id: str) -> None:
    key = _key(tenant_id, 1)
    with uow_factory() as uow:
        uow.tenants.add(Tenant(tenant_id, "x"))
        uow.api_keys.add(key)
        uow.commit()
    with uow_factory() as uow:
        assert uow.api_keys.get(key.key_id) == key and uow.api_keys.get("missing") is None
        assert uow.api_keys.find_by_prefix(key.prefix) == [key]
        assert uow.api_keys.find_by_prefix("eqv_live_nothere") == []
        assert not uow.api_keys.revoke("someone-else", key.key_id, T0)
        assert uow.api_keys.revoke(tenant_id, key.key_id, T0)
        uow.commit()
    with uow_factory.reading() as uow:
        assert uow.api_keys.get(key.key_id).revoked_at == T0  # type: ignore[union-attr]


def test_a_key_and_its_tenant_are_found_in_one_read(uow_factory: SqlaUnitOfWorkFactory, tenant_id: str) -> None:
    key = _key(tenant_id, 1)
    tenant = Tenant(tenant_id, "x", default_taxonomy_version="tx", default_policy_version="px", allow_policy_overrides=True)
    with uow_factory() as uow:
        uow.tenants.add(tenant)
        uow.api_keys.add(key)
        uow.commit()
    with uow_factory.reading() as uow:
        assert uow.api_keys.find_with_tenant(key.key_hash) == (key, tenant)
        assert uow.api_keys.find_with_tenant("no-such-hash") is None


def test_touch_with_stale_before_only_moves_an_old_last_use(uow_factory: SqlaUnitOfWorkFactory, tenant_id: str) -> None:
    key = _key(tenant_id, 1)
    with uow_factory() as uow:
        uow.tenants.add(Tenant(tenant_id, "x"))
        uow.api_keys.add(key)
        uow.commit()
    minute = dt.timedelta(minutes=1)
    for at, expected in ((T0, T0), (T0 + dt.timedelta(seconds=30), T0), (T0 + minute, T0 + minute)):
        with uow_factory() as uow:
            uow.api_keys.touch(key.key_id, at, stale_before=at - minute + dt.timedelta(microseconds=1))
            uow.commit()
        with uow_factory.reading() as uow:
            assert uow.api_keys.get(key.key_id).last_used_at == expected  # type: ignore[union-attr]


def test_tenants_are_unique_listed_and_switched(uow_factory: SqlaUnitOfWorkFactory, tenant_id: str) -> None:
    with uow_factory() as uow:
        uow.tenants.add(Tenant(tenant_id, "x"))
        uow.commit()
    with uow_factory() as uow, pytest.raises(TenantExists):
        uow.tenants.add(Tenant(tenant_id, "again"))
    with uow_factory() as uow:
        uow.tenants.set_active(tenant_id, False)
        uow.commit()
    with uow_factory.reading() as uow:
        assert Tenant(tenant_id, "x", active=False) in uow.tenants.list_all()
        with pytest.raises(NotFound):
            uow.tenants.set_active("nobody", False)


def test_the_whole_lifecycle_over_sql(uow_factory: SqlaUnitOfWorkFactory, tenant_id: str) -> None:
    clock = SystemClock()
    TenantAdmin(uow_factory, clock).create(tenant_id, "Universidade", cli_actor())
    admin = ApiKeyAdmin(uow_factory, PEPPER, clock, UuidGenerator())
    authenticate = Authenticate(uow_factory, PEPPER, clock)

    first = admin.create(tenant_id, Role.CLIENT, "portal", cli_actor())
    assert authenticate(first.plaintext) is not None
    second = admin.rotate(first.record.key_id, cli_actor(), tenant_id=tenant_id)
    assert authenticate(first.plaintext) is None and authenticate(second.plaintext) is not None
    with pytest.raises(NotFound):
        admin.revoke(second.record.key_id, cli_actor(), tenant_id="someone-else")
    admin.revoke(second.record.key_id, cli_actor(), tenant_id=tenant_id)
    assert authenticate(second.plaintext) is None

    listed = admin.list_keys(tenant_id)
    assert [k.key_id for k in listed] == [first.record.key_id, second.record.key_id]
    assert all(k.revoked_at is not None for k in listed)
    assert listed[0].last_used_at is not None and listed[1].last_used_at is not None
    with uow_factory.reading() as uow:
        types = [e.event_type for e in uow.audit.list_events(tenant_id)]
    assert types == ["tenant.created", "key.created", "key.rotated", "key.revoked"]


def test_concurrent_rotations_of_one_key_leave_exactly_one_successor(
    uow_factory: SqlaUnitOfWorkFactory, tenant_id: str
) -> None:
    clock = SystemClock()
    TenantAdmin(uow_factory, clock).create(tenant_id, "U", cli_actor())
    admin = ApiKeyAdmin(uow_factory, PEPPER, clock, UuidGenerator())
    key_id = admin.create(tenant_id, Role.CLIENT, "portal", cli_actor()).record.key_id
    start, outcomes = threading.Barrier(4), []

    def rotate() -> None:
        start.wait()
        try:
            outcomes.append(admin.rotate(key_id, cli_actor(), tenant_id=ANY_TENANT).record.key_id)
        except KeyRevoked:
            outcomes.append("revoked")

    threads = [threading.Thread(target=rotate) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes).count("revoked") == 3
    active = [k for k in admin.list_keys(tenant_id) if k.revoked_at is None]
    assert [k.key_id for k in active] == [o for o in outcomes if o != "revoked"]


def test_bursts_of_unknown_keys_are_audited_on_the_reserved_chain(uow_factory: SqlaUnitOfWorkFactory) -> None:
    """audit_events has no foreign key to tenants: the reserved chain works on both databases."""
    with uow_factory.reading() as uow:
        before = len(uow.audit.list_events(UNRESOLVED_TENANT, limit=10**6))
    authenticate = Authenticate(uow_factory, PEPPER, SystemClock(), bursts=FailureBursts(3, dt.timedelta(minutes=5)))

    for n in range(7):
        assert authenticate(f"eqv_live_nobody-has-this-key-{n:04d}") is None

    with uow_factory.reading() as uow:
        events = uow.audit.list_events(UNRESOLVED_TENANT, limit=10**6)[before:]
    assert [e.event_type for e in events] == ["auth.failure_burst"]
    assert events[0].payload["failures"] == 3 and "nobody-has" not in str(events[0].payload)
