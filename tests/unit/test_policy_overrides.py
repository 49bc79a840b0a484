"""Policy overrides are governed and recorded (ADR 0013); every decision names its rules version.

Domain properties of `core/domain/policy.py`, then EvaluatePair and SubmitBatch over the fakes.
"""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.http.dto import PolicyIn, WeightsIn
from core.domain.errors import InvalidInput, OverridesNotAllowed
from core.domain.model import Policy, Weights
from core.domain.policy import (
    OVERRIDABLE_FIELDS,
    apply_overrides,
    check_thresholds,
    has_overrides,
    may_override,
    policy_sha256,
    resolve_overrides,
)
from core.domain.rules import RULES_VERSION
from core.usecases.batch import SubmitBatch
from core.usecases.bootstrap import DEFAULT_TENANT
from core.usecases.tenants import TenantAdmin
from tests.fakes import FakeJobQueue, SequentialIds
from tests.support.evaluate_world import ADMIN, DESTINO, World, command, world

CLIENT = {"key_id": "k-client", "role": "client"}
LOWER_BAR = {"min_score_deferir": 0, "min_score_complemento": 0, "exigir_criticos": False}

scores = st.floats(min_value=0, max_value=100, allow_nan=False)
overrides = st.fixed_dictionaries(
    {},
    optional={
        "min_score_deferir": scores,
        "min_score_complemento": scores,
        "tolerancia_carga": st.floats(min_value=0.01, max_value=1),
        "exigir_criticos": st.booleans(),
        "max_anos_validade": st.none() | st.integers(0, 100),
        "confidence_cutoff": st.floats(min_value=0, max_value=1),
        "weights": st.fixed_dictionaries({}, optional={"nivel": st.floats(0, 1), "critica": st.floats(0, 1)}),
    },
)


# --- the domain rule ------------------------------------------------------------------------


def test_overridable_fields_are_every_policy_field_but_its_version():
    assert set(OVERRIDABLE_FIELDS) == {f.name for f in dataclasses.fields(Policy)} - {"version"}


def test_the_request_dto_offers_every_overridable_field():
    """A new Policy field must reach the API too (and every Weights field)."""
    assert set(PolicyIn.__struct_fields__) == set(OVERRIDABLE_FIELDS)
    assert set(WeightsIn.__struct_fields__) == {f.name for f in dataclasses.fields(Weights)}


def test_a_field_added_to_the_policy_is_overridden_not_silently_ignored():
    @dataclasses.dataclass(frozen=True)
    class NewerPolicy(Policy):  # stands for Policy with one more field
        exigir_aprovacao: bool = True

    applied = resolve_overrides(NewerPolicy(), {"exigir_aprovacao": False})
    assert applied.policy.exigir_aprovacao is False  # type: ignore[attr-defined]
    assert applied.overridden == {"exigir_aprovacao": False}


def test_unknown_fields_and_the_version_cannot_be_overridden():
    for bad in ({"min_score": 1.0}, {"version": "mine"}, {"weights": {"peso": 1.0}}):
        with pytest.raises(InvalidInput, match="unknown policy field"):
            resolve_overrides(Policy(), bad)


@given(overrides)
def test_overridden_fields_are_exactly_the_explicit_ones_with_their_applied_values(changes: dict):
    applied = resolve_overrides(Policy(), changes)
    expected = {k: v for k, v in changes.items() if k != "weights" and v is not None}
    expected |= {f"weights.{k}": v for k, v in changes.get("weights", {}).items()}
    assert applied.overridden == pytest.approx(expected)
    for name, value in applied.overridden.items():
        target = applied.policy
        for part in name.split("."):
            target = getattr(target, part)
        assert target == value
    assert has_overrides(changes) == bool(expected)
    assert apply_overrides(Policy(), changes) == applied.policy


@given(overrides)
def test_the_effective_policy_hash_is_stable_and_tells_policies_apart(changes: dict):
    applied = resolve_overrides(Policy(), changes)
    assert applied.sha256 == policy_sha256(dataclasses.replace(applied.policy))
    assert (applied.sha256 == policy_sha256(Policy())) == (applied.policy == Policy())


def test_an_integral_number_for_a_float_field_hashes_like_the_float():
    assert resolve_overrides(Policy(), {"min_score_deferir": 0}).sha256 == resolve_overrides(
        Policy(), {"min_score_deferir": 0.0}
    ).sha256


def test_nulls_override_nothing():
    applied = resolve_overrides(Policy(), {"min_score_deferir": None, "weights": {"nivel": None}})
    assert (applied.policy, applied.overridden) == (Policy(), {})


@given(scores, scores)
def test_complementacao_may_equal_but_never_exceed_deferir(deferir: float, complemento: float):
    policy = Policy(min_score_deferir=deferir, min_score_complemento=complemento)
    if complemento <= deferir:
        assert check_thresholds(policy) is policy
    else:
        with pytest.raises(InvalidInput, match="must not exceed min_score_deferir") as raised:
            check_thresholds(policy, "policy.")
        assert raised.value.field == "policy.min_score_complemento"


@pytest.mark.parametrize(
    ("role", "tenant_allows", "allowed"),
    [("admin", False, True), ("admin", True, True), ("client", False, False), ("client", True, True), (None, False, False)],
)
def test_only_admins_or_clients_of_a_tenant_that_allows_it_may_override(role, tenant_allows, allowed):
    assert may_override(role, tenant_allows) is allowed


# --- EvaluatePair -----------------------------------------------------------------------------


def allow_client_overrides(w: World) -> None:
    TenantAdmin(w.uows, w.clock).allow_policy_overrides(DEFAULT_TENANT, {"cli": True})


def test_a_client_override_is_refused_and_nothing_is_stored_or_audited():
    w = world()
    commits = w.uows.commits
    with pytest.raises(OverridesNotAllowed):
        w.evaluate(command(policy_overrides=LOWER_BAR, caller=CLIENT))
    assert w.stored("r-1") is None and w.evaluation_events() == []
    assert w.uows.commits == commits and w.primary.calls == 0


def test_an_override_without_a_known_caller_is_refused_like_a_clients():
    w = world()
    with pytest.raises(OverridesNotAllowed):
        w.evaluate(command(policy_overrides=LOWER_BAR))


def test_a_client_policy_of_nulls_is_no_override_and_is_not_refused():
    w = world()
    document = w.evaluate(command(policy_overrides={"min_score_deferir": None}, caller=CLIENT)).document
    assert document["policy_override"] is None and document["decisao"] == "DEFERIDO"


def test_an_allowed_tenants_client_override_is_applied_and_recorded_everywhere():
    w = world()
    allow_client_overrides(w)
    destino = dataclasses.replace(DESTINO, carga_horaria=64)  # origem has 60h: short without tolerance
    changes = {"tolerancia_carga": 0.9, "weights": {"nivel": 0}}
    document = w.evaluate(command(destino=destino, policy_overrides=changes, caller=CLIENT)).document

    effective = Policy(version="pol-1", tolerancia_carga=0.9, weights=Weights(nivel=0.0))
    expected = {
        "policy_sha256": policy_sha256(effective),
        "fields": {"tolerancia_carga": 0.9, "weights.nivel": 0.0},
        "by": CLIENT,
    }
    assert document["policy_override"] == expected and document["policy_version"] == "pol-1"
    assert document["decisao"] != w.evaluate(command("r-2", "h-2", destino=destino)).document["decisao"]
    stored = w.stored("r-1")
    assert stored is not None and stored.response["policy_override"] == expected
    event = w.evaluation_events()[0]
    assert event.payload["policy_override"] == expected


def test_an_admins_override_is_applied_and_audited_with_its_hash_fields_and_key():
    w = world()
    document = w.evaluate(command(policy_overrides=LOWER_BAR, caller=ADMIN)).document
    [event] = w.evaluation_events()
    override = event.payload["policy_override"]
    assert override == document["policy_override"]
    assert override["by"] == ADMIN
    assert override["fields"] == {"min_score_deferir": 0.0, "min_score_complemento": 0.0, "exigir_criticos": False}
    effective = Policy(version="pol-1", min_score_deferir=0.0, min_score_complemento=0.0, exigir_criticos=False)
    assert override["policy_sha256"] == policy_sha256(effective)


def test_a_forbidden_tenant_refuses_again_and_the_change_is_audited():
    w = world()
    admin = TenantAdmin(w.uows, w.clock)
    admin.allow_policy_overrides(DEFAULT_TENANT, {"cli": True})
    admin.allow_policy_overrides(DEFAULT_TENANT, {"cli": True})  # idempotent: no second event
    admin.forbid_policy_overrides(DEFAULT_TENANT, {"cli": True})
    with w.uows.reading() as uow:
        kinds = [e.event_type for e in uow.audit.list_events(DEFAULT_TENANT) if e.event_type.startswith("tenant.policy")]
    assert kinds == ["tenant.policy_overrides_allowed", "tenant.policy_overrides_forbidden"]
    with pytest.raises(OverridesNotAllowed):
        w.evaluate(command(policy_overrides=LOWER_BAR, caller=CLIENT))


def test_without_overrides_there_is_no_override_record():
    w = world()
    document = w.evaluate(command(caller=CLIENT)).document
    [event] = w.evaluation_events()
    assert document["policy_override"] is None and event.payload["policy_override"] is None


# --- rules_version ----------------------------------------------------------------------------


def test_every_decision_records_the_rules_version_in_the_answer_the_result_and_the_audit():
    assert RULES_VERSION.startswith("rules-")
    w = world()
    document = w.evaluate(command()).document
    stored = w.stored("r-1")
    [event] = w.evaluation_events()
    assert document["rules_version"] == RULES_VERSION
    assert stored is not None and stored.response["rules_version"] == RULES_VERSION
    assert event.payload["rules_version"] == RULES_VERSION


def test_a_replay_answers_with_the_rules_version_the_result_was_made_with(monkeypatch: pytest.MonkeyPatch):
    w = world()
    first = w.evaluate(command()).document
    monkeypatch.setattr("core.usecases.evaluate.RULES_VERSION", "rules-2099.1.1")
    again = w.evaluate(command())
    assert again.replayed and again.document["rules_version"] == first["rules_version"] == RULES_VERSION
    assert w.evaluate(command("r-2", "h-2")).document["rules_version"] == "rules-2099.1.1"


# --- SubmitBatch ------------------------------------------------------------------------------


def test_a_client_batch_with_an_override_is_refused_before_anything_is_stored():
    w = world()
    queue = FakeJobQueue()
    submit = SubmitBatch(w.uows, queue, SequentialIds("job-"), w.clock, 10)
    items = [command("b-1", caller=CLIENT), command("b-2", caller=CLIENT, policy_overrides=LOWER_BAR)]
    with pytest.raises(OverridesNotAllowed):
        submit(DEFAULT_TENANT, items)
    assert w.uows.store.jobs == {} and queue.messages == []

    admin_items = [dataclasses.replace(c, caller=ADMIN) for c in items]
    assert submit(DEFAULT_TENANT, admin_items).job.total == 2
    allow_client_overrides(w)
    assert submit(DEFAULT_TENANT, items).job.total == 2


def test_an_override_that_inverts_the_merged_thresholds_is_refused_and_nothing_is_stored():
    """pol-1 keeps complementação at 70: lowering deferir to 60 alone inverts the applied policy."""
    w = world()
    with pytest.raises(InvalidInput) as raised:
        w.evaluate(command(policy_overrides={"min_score_deferir": 60}, caller=ADMIN))
    assert raised.value.field == "policy.min_score_complemento"
    assert w.stored("r-1") is None and w.evaluation_events() == [] and w.primary.calls == 0
    with pytest.raises(InvalidInput):
        w.evaluate.resolve(command(policy_overrides={"min_score_deferir": 50, "min_score_complemento": 80}, caller=ADMIN))


def test_overrides_are_checked_against_the_stored_policy_they_are_merged_into():
    """90 exceeds the default deferir (85) but not pol-2's (95): the merged policy is what counts."""
    w = world()
    changes = {"min_score_complemento": 90}
    document = w.evaluate(command(policy_version="pol-2", policy_overrides=changes, caller=ADMIN)).document
    assert document["policy_override"]["fields"] == {"min_score_complemento": 90.0}
