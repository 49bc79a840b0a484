"""Key and tenant administration over the fakes: what authenticates, what is audited, what is never stored."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, invariant, rule

from core.domain.actors import cli_actor
from core.domain.api_keys import KEY_TYPE, hash_key
from core.domain.audit import canonical_json
from core.domain.errors import InvalidInput, KeyRevoked, NotFound, TenantExists
from core.domain.model import Policy, Taxonomy, TaxonomyNode
from core.domain.records import Principal, Role, Tenant
from core.usecases.auth import Authenticate
from core.usecases.bootstrap import Seed
from core.usecases.keys import ApiKeyAdmin
from core.usecases.tenants import TenantAdmin
from tests.fakes import FakeUnitOfWorkFactory, FixedClock, SequentialIds
from core.domain.tenants import ANY_TENANT

PEPPER = b"unit-pepper-0123456789"
NOW = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.timezone.utc)
ADMIN = {"key_id": "k-admin", "role": "admin"}


@pytest.fixture
def uows() -> FakeUnitOfWorkFactory:
    return FakeUnitOfWorkFactory()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def tenants(uows: FakeUnitOfWorkFactory, clock: FixedClock) -> TenantAdmin:
    return TenantAdmin(uows, clock)


@pytest.fixture
def keys(uows: FakeUnitOfWorkFactory, clock: FixedClock) -> ApiKeyAdmin:
    return ApiKeyAdmin(uows, PEPPER, clock, SequentialIds("key-"))


@pytest.fixture
def authenticate(uows: FakeUnitOfWorkFactory, clock: FixedClock) -> Authenticate:
    return Authenticate(uows, PEPPER, clock)


def events(uows: FakeUnitOfWorkFactory, tenant_id: str) -> list:  # type: ignore[type-arg]
    with uows.reading() as uow:
        return uow.audit.list_events(tenant_id)


# --- tenants --------------------------------------------------------------------------------


def test_a_created_tenant_is_active_audited_and_unique(uows, tenants):
    tenant = tenants.create("uni-a", "  Universidade A ", cli_actor())

    assert tenant == Tenant("uni-a", "Universidade A", True, None, None)
    [event] = events(uows, "uni-a")
    assert event.event_type == "tenant.created"
    assert event.payload["actor"] == {"cli": True} and event.payload["tenant_id"] == "uni-a"
    with pytest.raises(TenantExists):
        tenants.create("uni-a", "again", cli_actor())
    assert len(events(uows, "uni-a")) == 1


def test_a_new_tenant_inherits_the_shared_defaults_of_the_default_tenant(uows, tenants):
    taxonomy = Taxonomy("tax-1", (TaxonomyNode("lim", "matematica", "calculo", "Limites"),))
    Seed(uows, PEPPER, FixedClock(NOW), SequentialIds())(taxonomy, Policy(version="pol-1"), None)

    tenant = tenants.create("uni-b", "B", cli_actor())

    assert (tenant.default_taxonomy_version, tenant.default_policy_version) == ("tax-1", "pol-1")


@pytest.mark.parametrize("tenant_id", ["", "_unresolved", "_x", "a b", "a/b", "x" * 65, "é"])
def test_reserved_or_malformed_tenant_ids_are_refused(tenants, tenant_id):
    with pytest.raises(InvalidInput):
        tenants.create(tenant_id, "name", cli_actor())


@pytest.mark.parametrize("name", ["", "   ", "x" * 201, "bad\x00name", "line\nbreak"])
def test_blank_long_or_control_character_names_are_refused(tenants, keys, name):
    with pytest.raises(InvalidInput):
        tenants.create("uni-n", name, cli_actor())
    tenants.create("uni-n", "ok", cli_actor())
    with pytest.raises(InvalidInput):
        keys.create("uni-n", Role.CLIENT, name, cli_actor())


def test_disabling_a_tenant_blocks_its_keys_and_enabling_restores_them(uows, tenants, keys, authenticate):
    tenants.create("uni-a", "A", cli_actor())
    issued = keys.create("uni-a", Role.CLIENT, "portal", cli_actor())

    tenants.disable("uni-a", ADMIN)
    tenants.disable("uni-a", ADMIN)
    assert authenticate(issued.plaintext) is None
    tenants.enable("uni-a", ADMIN)

    assert authenticate(issued.plaintext) is not None
    assert [e.event_type for e in events(uows, "uni-a")] == [
        "tenant.created", "key.created", "tenant.disabled", "tenant.enabled",
    ]


def test_disabling_an_unknown_tenant_is_not_found(tenants):
    with pytest.raises(NotFound):
        tenants.disable("ghost", cli_actor())


# --- keys -----------------------------------------------------------------------------------


def test_a_created_key_authenticates_and_only_its_prefix_and_hash_are_kept(uows, tenants, keys, authenticate):
    tenants.create("uni-a", "A", cli_actor())

    issued = keys.create("uni-a", Role.AUDITOR, "auditoria", ADMIN)

    assert issued.plaintext.startswith(KEY_TYPE) and issued.record.prefix == issued.plaintext[: len(issued.record.prefix)]
    assert authenticate(issued.plaintext) == Principal("uni-a", issued.record.key_id, Role.AUDITOR)
    [listed] = keys.list_keys("uni-a")
    assert listed.key_hash != issued.plaintext and listed.revoked_at is None
    created = events(uows, "uni-a")[-1]
    assert created.event_type == "key.created"
    assert created.payload == {
        "actor": ADMIN, "key_id": issued.record.key_id, "prefix": issued.record.prefix, "role": "auditor", "name": "auditoria",
    }
    stored = canonical_json([dataclasses.asdict(k) for k in uows.store.api_keys.values()])
    assert issued.plaintext not in stored and issued.plaintext not in canonical_json([e.payload for e in events(uows, "uni-a")])
    assert listed.key_hash not in canonical_json(created.payload)


def test_keys_of_an_unknown_tenant_cannot_be_created_or_listed(keys):
    with pytest.raises(NotFound):
        keys.create("ghost", Role.CLIENT, "x", cli_actor())
    with pytest.raises(NotFound):
        keys.list_keys("ghost")


def test_rotation_replaces_the_key_atomically(uows, tenants, keys, authenticate):
    tenants.create("uni-a", "A", cli_actor())
    old = keys.create("uni-a", Role.CLIENT, "portal", cli_actor())
    commits = uows.commits

    new = keys.rotate(old.record.key_id, ADMIN, tenant_id="uni-a")

    assert uows.commits == commits + 1
    assert (new.record.tenant_id, new.record.role, new.record.name) == ("uni-a", Role.CLIENT, "portal")
    assert new.replaced is not None and new.replaced.key_id == old.record.key_id and new.replaced.revoked_at == NOW
    assert authenticate(old.plaintext) is None
    assert authenticate(new.plaintext) == Principal("uni-a", new.record.key_id, Role.CLIENT)
    rotated = events(uows, "uni-a")[-1]
    assert rotated.event_type == "key.rotated" and rotated.payload["key_id"] == new.record.key_id
    assert rotated.payload["replaces"] == {"key_id": old.record.key_id, "prefix": old.record.prefix}
    with pytest.raises(KeyRevoked):
        keys.rotate(old.record.key_id, ADMIN, tenant_id=ANY_TENANT)


def test_revocation_is_immediate_idempotent_and_audited_once(uows, tenants, keys, authenticate):
    tenants.create("uni-a", "A", cli_actor())
    issued = keys.create("uni-a", Role.ADMIN, "ops", cli_actor())
    assert authenticate(issued.plaintext) is not None

    revoked = keys.revoke(issued.record.key_id, ADMIN, tenant_id="uni-a")
    again = keys.revoke(issued.record.key_id, ADMIN, tenant_id="uni-a")

    assert revoked.revoked_at == NOW and again.revoked_at == NOW
    assert authenticate(issued.plaintext) is None
    assert [e.event_type for e in events(uows, "uni-a")].count("key.revoked") == 1


@pytest.mark.parametrize("key_id", ["key-404", "", "x" * 65, "nul\x00byte"])
def test_another_tenants_key_is_as_missing_as_an_unknown_one(tenants, keys, key_id):
    tenants.create("uni-a", "A", cli_actor())
    tenants.create("uni-b", "B", cli_actor())
    theirs = keys.create("uni-b", Role.CLIENT, "theirs", cli_actor()).record.key_id
    for missing in (theirs, key_id):
        with pytest.raises(NotFound, match="not found"):
            keys.rotate(missing, ADMIN, tenant_id="uni-a")
        with pytest.raises(NotFound, match="not found"):
            keys.revoke(missing, ADMIN, tenant_id="uni-a")
    assert keys.list_keys("uni-b")[0].revoked_at is None


class KeyLifecycle(RuleBasedStateMachine):
    """Any sequence of creates, rotations, revocations and tenant switches: a key authenticates
    exactly when it is the current one (never revoked or rotated out) and its tenant is active."""

    keys = Bundle("keys")

    def __init__(self) -> None:
        super().__init__()
        self.uows = FakeUnitOfWorkFactory()
        self.clock = FixedClock(NOW)
        self.tenants = TenantAdmin(self.uows, self.clock)
        self.admin = ApiKeyAdmin(self.uows, PEPPER, self.clock, SequentialIds("key-"))
        self.authenticate = Authenticate(self.uows, PEPPER, self.clock)
        self.active_tenants = {"a", "b"}
        for tenant_id in ("a", "b"):
            self.tenants.create(tenant_id, tenant_id.upper(), cli_actor())
        self.live: dict[str, tuple[str, Role]] = {}  # plaintext -> (tenant, role) of keys never revoked
        self.dead: set[str] = set()

    @rule(target=keys, tenant=st.sampled_from(["a", "b"]), role=st.sampled_from(list(Role)))
    def create(self, tenant: str, role: Role) -> str:
        plaintext = self.admin.create(tenant, role, "k", cli_actor()).plaintext
        self.live[plaintext] = (tenant, role)
        return plaintext

    @rule(target=keys, plaintext=consumes(keys))
    def rotate(self, plaintext: str) -> str:
        key_id = self._key_id(plaintext)
        if plaintext in self.dead:
            with pytest.raises(KeyRevoked):
                self.admin.rotate(key_id, cli_actor(), tenant_id=ANY_TENANT)
            return plaintext
        new = self.admin.rotate(key_id, cli_actor(), tenant_id=ANY_TENANT).plaintext
        self.live[new] = self.live.pop(plaintext)
        self.dead.add(plaintext)
        return new

    @rule(plaintext=keys)
    def revoke(self, plaintext: str) -> None:
        self.admin.revoke(self._key_id(plaintext), cli_actor(), tenant_id=ANY_TENANT)
        self.live.pop(plaintext, None)
        self.dead.add(plaintext)

    @rule(tenant=st.sampled_from(["a", "b"]))
    def toggle_tenant(self, tenant: str) -> None:
        if tenant in self.active_tenants:
            self.tenants.disable(tenant, cli_actor())
            self.active_tenants.discard(tenant)
        else:
            self.tenants.enable(tenant, cli_actor())
            self.active_tenants.add(tenant)

    @rule(minutes=st.integers(min_value=0, max_value=3))
    def time_passes(self, minutes: int) -> None:
        self.clock.current += dt.timedelta(minutes=minutes)

    @invariant()
    def only_current_keys_of_active_tenants_authenticate(self) -> None:
        for plaintext in self.dead:
            assert self.authenticate(plaintext) is None
        for plaintext, (tenant, role) in self.live.items():
            principal = self.authenticate(plaintext)
            if tenant in self.active_tenants:
                assert principal is not None and (principal.tenant_id, principal.role) == (tenant, role)
            else:
                assert principal is None

    def _key_id(self, plaintext: str) -> str:
        with self.uows.reading() as uow:
            record = uow.api_keys.find_by_hash(hash_key(plaintext, PEPPER))
        assert record is not None
        return record.key_id


TestKeyLifecycle = KeyLifecycle.TestCase
TestKeyLifecycle.settings = settings(max_examples=40, stateful_step_count=15, deadline=None)
