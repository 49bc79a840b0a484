"""Login failure bursts: one `auth.failure_burst` event per subject and window, never the presented key."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.domain.actors import cli_actor
from core.domain.audit import canonical_json
from core.domain.auth_failures import UNRESOLVED_TENANT, AuthFailure, FailureBursts, FailureReason
from core.domain.records import Role
from core.usecases.auth import Authenticate
from core.usecases.keys import ApiKeyAdmin
from core.usecases.tenants import TenantAdmin
from tests.fakes import FakeUnitOfWorkFactory, FixedClock, SequentialIds
from core.domain.tenants import ANY_TENANT

PEPPER = b"burst-pepper-0123456789"
NOW = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.timezone.utc)
WINDOW = dt.timedelta(seconds=60)


class Setup:
    def __init__(self, threshold: int = 3) -> None:
        self.uows = FakeUnitOfWorkFactory()
        self.clock = FixedClock(NOW)
        self.authenticate = Authenticate(self.uows, PEPPER, self.clock, bursts=FailureBursts(threshold, WINDOW))
        TenantAdmin(self.uows, self.clock).create("uni-a", "A", cli_actor())
        self.keys = ApiKeyAdmin(self.uows, PEPPER, self.clock, SequentialIds("key-"))

    def bursts(self, tenant_id: str) -> list:  # type: ignore[type-arg]
        with self.uows.reading() as uow:
            return [e for e in uow.audit.list_events(tenant_id) if e.event_type == "auth.failure_burst"]


def test_a_revoked_key_failing_repeatedly_is_audited_once_per_window_on_its_tenant():
    setup = Setup(threshold=3)
    issued = setup.keys.create("uni-a", Role.CLIENT, "old script", cli_actor())
    setup.keys.revoke(issued.record.key_id, cli_actor(), tenant_id=ANY_TENANT)

    for _ in range(2):
        assert setup.authenticate(issued.plaintext) is None
    assert setup.bursts("uni-a") == []
    for _ in range(10):
        setup.clock.current += dt.timedelta(seconds=1)
        setup.authenticate(issued.plaintext)

    [burst] = setup.bursts("uni-a")
    assert burst.payload["failures"] == 3 and burst.payload["reasons"] == {"revoked_key": 3}
    assert burst.payload["key_id"] == issued.record.key_id and burst.payload["prefix"] == issued.record.prefix
    assert burst.payload["actor"] == {"unauthenticated": True} and burst.payload["window_s"] == 60
    assert issued.plaintext not in canonical_json(burst.payload)

    setup.clock.current = NOW + WINDOW
    for _ in range(3):
        setup.authenticate(issued.plaintext)
    assert len(setup.bursts("uni-a")) == 2


def test_unknown_keys_go_to_the_reserved_chain_without_any_part_of_the_key():
    setup = Setup(threshold=3)
    presented = [f"eqv_live_{i:08d}-unknown-key-material" for i in range(5)] + ["garbage", "x" * 500]

    for plaintext in presented:
        assert setup.authenticate(plaintext) is None

    [burst] = setup.bursts(UNRESOLVED_TENANT)
    assert burst.payload["reasons"] == {"unknown_key": 3} and "key_id" not in burst.payload
    stored = canonical_json(burst.payload)
    assert not any(p[:12] in stored for p in presented)
    assert setup.bursts("uni-a") == []


def test_an_unknown_key_with_a_stored_prefix_is_attributed_to_that_keys_tenant():
    setup = Setup(threshold=2)
    issued = setup.keys.create("uni-a", Role.CLIENT, "portal", cli_actor())
    forged = issued.record.prefix + "not-the-rest-of-the-key-000000000"

    setup.authenticate(forged)
    setup.authenticate(forged)

    [burst] = setup.bursts("uni-a")
    assert burst.payload["reasons"] == {"unknown_key": 2} and burst.payload["key_id"] == issued.record.key_id
    assert forged not in canonical_json(burst.payload)


def test_a_disabled_tenants_keys_count_as_failures_of_that_tenant():
    setup = Setup(threshold=2)
    issued = setup.keys.create("uni-a", Role.CLIENT, "portal", cli_actor())
    TenantAdmin(setup.uows, setup.clock).disable("uni-a", cli_actor())

    setup.authenticate(issued.plaintext)
    setup.authenticate(issued.plaintext)

    [burst] = setup.bursts("uni-a")
    assert burst.payload["reasons"] == {"tenant_disabled": 2}


@pytest.mark.parametrize("plaintext", [None, ""])
def test_a_missing_key_is_not_a_login_failure(plaintext):
    setup = Setup(threshold=1)
    setup.authenticate(plaintext)
    assert setup.bursts(UNRESOLVED_TENANT) == []


def test_valid_keys_never_count():
    setup = Setup(threshold=1)
    issued = setup.keys.create("uni-a", Role.CLIENT, "portal", cli_actor())
    for _ in range(5):
        assert setup.authenticate(issued.plaintext) is not None
    assert setup.bursts("uni-a") == [] and setup.bursts(UNRESOLVED_TENANT) == []


def test_a_burst_that_could_not_be_stored_is_reported_by_the_next_failure():
    bursts = FailureBursts(2, WINDOW)
    failure = AuthFailure(FailureReason.UNKNOWN_KEY)
    assert bursts.record(failure, NOW) is None
    burst = bursts.record(failure, NOW)
    assert burst is not None and bursts.record(failure, NOW) is None
    bursts.rearm(burst)
    again = bursts.record(failure, NOW)
    assert again is not None and again.failures == 4


class BrokenWrites(FakeUnitOfWorkFactory):
    """Reads work; the next `failures` write units raise on commit (a database refusing writes)."""

    failures = 0

    def __call__(self):  # type: ignore[no-untyped-def]
        unit = super().__call__()
        if self.failures:
            self.failures -= 1

            def refuse() -> None:
                raise RuntimeError("database refused the write")

            unit.commit = refuse  # type: ignore[method-assign]
        return unit


def test_side_effects_that_fail_never_fail_the_authentication():
    setup = Setup(threshold=2)
    uows = BrokenWrites(setup.uows.store)
    authenticate = Authenticate(uows, PEPPER, setup.clock, bursts=FailureBursts(2, WINDOW))
    issued = setup.keys.create("uni-a", Role.CLIENT, "portal", cli_actor())

    uows.failures = 1
    assert authenticate(issued.plaintext) is not None  # the last-use write failed, silently
    uows.failures = 1
    assert authenticate("eqv_live_unknown-one-000000000") is None
    assert authenticate("eqv_live_unknown-two-000000000") is None  # the burst append failed
    assert setup.bursts(UNRESOLVED_TENANT) == []
    assert authenticate("eqv_live_unknown-three-0000000") is None  # ... and is retried
    assert len(setup.bursts(UNRESOLVED_TENANT)) == 1


@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 200)), max_size=200), st.integers(1, 6))
def test_at_most_one_burst_per_subject_and_window_and_one_whenever_the_threshold_is_reached(failures, threshold):
    """Failures of subject s at second t (sorted): a burst exactly for windows with >= threshold failures."""
    bursts = FailureBursts(threshold, WINDOW)
    reported: list[tuple[int, dt.datetime]] = []
    window_start: dict[int, int] = {}
    counts: dict[tuple[int, int], int] = {}
    for subject, second in sorted(failures, key=lambda f: f[1]):
        if subject not in window_start or second - window_start[subject] >= 60:
            window_start[subject] = second
        counts[(subject, window_start[subject])] = counts.get((subject, window_start[subject]), 0) + 1
        burst = bursts.record(AuthFailure(FailureReason.UNKNOWN_KEY, "t", f"k{subject}"), NOW + dt.timedelta(seconds=second))
        if burst is not None:
            reported.append((subject, burst.window_started_at))
    expected = sorted((s, NOW + dt.timedelta(seconds=t)) for (s, t), n in counts.items() if n >= threshold)
    assert sorted(reported) == expected
