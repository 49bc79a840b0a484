"""EvaluatePair and Results.get over the fakes: idempotency, versions, degradation, audit."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.domain.audit import canonical_json, event_hash, sha256_text
from core.domain.errors import DuplicateResult, IdempotencyConflict, NotFound, VersionNotFound
from core.domain.model import ConceptMatch, Course, Taxonomy
from core.domain.records import AuditEvent, StoredResult, Tenant
from core.usecases.bootstrap import DEFAULT_TENANT
from core.usecases.results import Results
from tests.fakes import (
    FailingMapper,
    FakeAuditLog,
    FakeResultRepository,
    FakeTenantRepository,
    StaticMapper,
)
from tests.support.evaluate_world import ADMIN, ANSWERS, DESTINO, DESTINO_TEXT, ORIGEM, ORIGEM_TEXT, TAXONOMY, World, command, world


def test_a_decision_is_stored_with_exactly_one_audit_event_in_the_same_commit():
    w = world()
    before = len(w.uows.units)
    outcome = w.evaluate(command())

    writers = [u for u in w.uows.units[before:] if not u.read_only]
    assert [u.commits for u in writers] == [1]
    assert not outcome.replayed and outcome.document["decisao"] == "DEFERIDO"
    stored = w.stored("r-1")
    assert stored is not None and stored.response == outcome.document
    assert (stored.payload_hash, stored.decision) == ("h-1", "DEFERIDO")
    [event] = w.evaluation_events()
    assert event.payload["request_id"] == "r-1" and event.payload["decisao"] == "DEFERIDO"
    assert (event.payload["taxonomy_version"], event.payload["policy_version"]) == ("tax-1", "pol-1")
    assert event.payload["model_version"] == "static-1"
    assert event.payload["ementa_origem_sha256"] == sha256_text(ORIGEM_TEXT)
    assert event.payload["ementa_destino_sha256"] == sha256_text(DESTINO_TEXT)
    text = canonical_json(event.payload)
    assert ORIGEM_TEXT not in text and DESTINO_TEXT not in text and "Limites" not in text


def test_the_evaluation_event_continues_the_tenant_hash_chain():
    w = world()
    w.evaluate(command())
    with w.uows.reading() as uow:
        seeded, evaluated = uow.audit.list_events(DEFAULT_TENANT)
    assert (seeded.seq, evaluated.seq) == (1, 2) and evaluated.prev_hash == seeded.hash
    assert evaluated.hash == event_hash(evaluated, 2, seeded.hash)


def test_a_failing_audit_append_stores_no_result(monkeypatch: pytest.MonkeyPatch):
    def refuse(self: FakeAuditLog, event: AuditEvent) -> AuditEvent:
        raise RuntimeError("audit down")

    w = world()
    monkeypatch.setattr(FakeAuditLog, "append", refuse)
    with pytest.raises(RuntimeError):
        w.evaluate(command())
    assert w.stored("r-1") is None


def test_same_request_and_payload_replays_the_stored_document_and_writes_nothing():
    # No replay read up front (ADR 0003, 0005): the insert finds the stored key. The retry is
    # evaluated again (in the service its mappings are cache hits), then answered as stored.
    w = world()
    first = w.evaluate(command())
    commits = w.uows.commits
    w.clock.current = w.clock.current.replace(year=2030)

    again = w.evaluate(command())

    assert again.replayed and again.document == first.document
    assert w.uows.commits == commits
    assert len(w.evaluation_events()) == 1


def test_a_new_request_reads_neither_tenant_nor_result_when_the_tenant_came_with_it(
    monkeypatch: pytest.MonkeyPatch,
):
    # Authentication's read of the tenant rides on the command; versions are cached per process;
    # the replay check is the insert itself: a new decision's only database work is its write.
    w = world()
    w.evaluate(command())  # loads the versions once
    with w.uows.reading() as uow:
        tenant = uow.tenants.get(DEFAULT_TENANT)

    def refuse(*args: object) -> None:
        raise AssertionError("read on the hot path")

    monkeypatch.setattr(FakeTenantRepository, "get", refuse)
    monkeypatch.setattr(FakeResultRepository, "get", refuse)
    outcome = w.evaluate(dataclasses.replace(command(), request_id="r-2", tenant=tenant))
    assert not outcome.replayed and len(w.evaluation_events()) == 2


def test_a_retry_is_replayed_even_when_its_version_is_gone_since():
    # the stored answer wins over later catalog changes (ADR 0003), without a read up front
    w = world()
    first = w.evaluate(command())
    w.uows.store.tenants[DEFAULT_TENANT] = dataclasses.replace(
        w.uows.store.tenants[DEFAULT_TENANT], default_taxonomy_version="gone"
    )
    again = w.evaluate(command())  # the default now names a version that does not exist
    assert again.replayed and again.document == first.document
    with pytest.raises(VersionNotFound):
        w.evaluate(command(request_id="r-new"))


def test_same_request_with_another_payload_is_a_conflict_and_stores_nothing():
    w = world()
    first = w.evaluate(command())
    commits = w.uows.commits

    with pytest.raises(IdempotencyConflict):
        w.evaluate(command(payload_hash="h-other", origem=dataclasses.replace(ORIGEM, carga_horaria=90)))

    assert w.uows.commits == commits
    assert w.stored("r-1").response == first.document and len(w.evaluation_events()) == 1


def _competitor_commits_first(w: World, payload_hash: str) -> None:
    """Before this request's insert, a concurrent one with the same request_id commits its result."""

    def hook(result: StoredResult) -> None:
        w.uows.store.before_result_add = None
        winner = dataclasses.replace(result, payload_hash=payload_hash, response={"winner": True})
        with w.uows() as uow:
            uow.results.add(winner)
            uow.commit()

    w.uows.store.before_result_add = hook


def test_losing_the_insert_race_answers_with_the_winners_document():
    w = world()
    _competitor_commits_first(w, payload_hash="h-1")

    outcome = w.evaluate(command())

    assert outcome.replayed and outcome.document == {"winner": True}
    assert w.stored("r-1").response == {"winner": True} and w.evaluation_events() == []


def test_losing_the_race_to_another_payload_is_a_conflict():
    w = world()
    _competitor_commits_first(w, payload_hash="h-other")
    with pytest.raises(IdempotencyConflict):
        w.evaluate(command())
    assert w.evaluation_events() == []


def test_fake_results_repository_rejects_a_second_add():
    w = world()
    result = StoredResult(DEFAULT_TENANT, "r-9", "h", "DEFERIDO", 1.0, {}, w.clock.now())
    with w.uows() as uow:
        uow.results.add(result)
        uow.commit()
    with w.uows() as uow, pytest.raises(DuplicateResult):
        uow.results.add(result)


@pytest.mark.parametrize(
    ("origem", "failed_rule"),
    [
        (dataclasses.replace(ORIGEM, aprovado=False), "aprovacao"),
        (dataclasses.replace(ORIGEM, carga_horaria=59), "carga_horaria"),
    ],
)
def test_a_failed_blocking_hard_rule_rejects_without_mapping(origem: Course, failed_rule: str):
    w = world()
    document = w.evaluate(command(origem=origem)).document
    assert document["decisao"] == "INDEFERIDO" and document["model_version"] == "none"
    assert document["meta"]["hard_rules_failed"] == [failed_rule]
    assert w.primary.calls == 0
    assert w.stored("r-1") is not None and len(w.evaluation_events()) == 1


def test_failing_primary_with_fallback_is_degraded_and_goes_to_a_human():
    fallback = StaticMapper(ANSWERS, version="fallback-1")
    w = world(primary=FailingMapper(), fallback=fallback)
    document = w.evaluate(command()).document
    assert document["degraded_mode"] is True and document["decisao"] == "ANALISE_HUMANA"
    assert document["model_version"] == "fallback-1" and fallback.calls == 2
    [event] = w.evaluation_events()
    assert event.payload["degraded_mode"] is True


def test_failing_primary_without_fallback_is_degraded_and_goes_to_a_human():
    w = world(primary=FailingMapper())
    document = w.evaluate(command()).document
    assert document["degraded_mode"] is True and document["decisao"] == "ANALISE_HUMANA"
    assert document["evidence"]["covered_concepts"] == [] and w.primary.calls == 2


def test_a_forbidden_fallback_is_never_called():
    fallback = StaticMapper(ANSWERS, version="fallback-1")
    w = world(primary=FailingMapper(), fallback=fallback)
    document = w.evaluate(command(allow_degraded_fallback=False)).document
    assert document["decisao"] == "ANALISE_HUMANA" and fallback.calls == 0


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, ("tax-1", "pol-1")),
        ({"course_id": "CALC-A"}, ("tax-2", "pol-2")),
        ({"course_id": "CALC-A", "taxonomy_version": "tax-1"}, ("tax-1", "pol-2")),
        ({"course_id": "CALC-A", "policy_version": "pol-1"}, ("tax-2", "pol-1")),
        ({"course_id": "CALC-A", "taxonomy_version": "tax-1", "policy_version": "pol-1"}, ("tax-1", "pol-1")),
        ({"taxonomy_version": "tax-2"}, ("tax-2", "pol-1")),
        ({"policy_version": "pol-2"}, ("tax-1", "pol-2")),
    ],
)
def test_versions_resolve_explicit_then_course_binding_then_tenant_defaults(changes, expected):
    document = world().evaluate(command(**changes)).document
    assert (document["taxonomy_version"], document["policy_version"]) == expected


@pytest.mark.parametrize(
    "changes",
    [{"taxonomy_version": "tax-9"}, {"policy_version": "pol-9"}, {"course_id": "NOPE"}],
)
def test_unknown_versions_or_courses_are_version_not_found(changes):
    w = world()
    with pytest.raises(VersionNotFound):
        w.evaluate(command(**changes))
    assert w.primary.calls == 0 and w.stored("r-1") is None


def test_a_tenant_without_defaults_cannot_evaluate_without_versions():
    w = world()
    with w.uows() as uow:
        uow.tenants.add(Tenant("bare", "Sem padrões"))
        uow.commit()
    with pytest.raises(VersionNotFound):
        w.evaluate(command(tenant_id="bare"))
    assert w.evaluate(command(tenant_id="bare", taxonomy_version="tax-1", policy_version="pol-1")).document


def test_a_tenants_own_version_is_invisible_to_other_tenants():
    w = world()
    with w.uows() as uow:
        uow.tenants.add(Tenant("other", "Outro", True, "tax-1", "pol-1"))
        uow.taxonomies.add("other", Taxonomy("tax-own", TAXONOMY.nodes))
        uow.commit()
    assert w.evaluate(command(tenant_id="other", taxonomy_version="tax-own")).document
    with pytest.raises(VersionNotFound):
        w.evaluate(command(request_id="r-2", taxonomy_version="tax-own"))


def test_policy_overrides_change_the_decision_and_are_flagged():
    w = world()
    destino = dataclasses.replace(DESTINO, carga_horaria=64)  # origem has 60h
    plain = w.evaluate(command(destino=destino)).document
    overrides = {"tolerancia_carga": 0.9}
    tolerant = w.evaluate(command("r-2", "h-2", destino=destino, policy_overrides=overrides, caller=ADMIN)).document
    assert (plain["decisao"], plain["meta"]["policy_overrides"]) == ("INDEFERIDO", False)
    assert (tolerant["decisao"], tolerant["meta"]["policy_overrides"]) == ("ANALISE_HUMANA", True)
    assert tolerant["policy_version"] == "pol-1"


def test_a_stricter_threshold_override_turns_a_deferimento_into_review():
    w = world()
    plain = w.evaluate(command()).document
    overrides = {"min_score_deferir": plain["score"] + 0.5, "min_score_complemento": 0.0}
    stricter = w.evaluate(command("r-2", "h-2", policy_overrides=overrides, caller=ADMIN)).document
    assert (plain["decisao"], stricter["decisao"]) == ("DEFERIDO", "ANALISE_HUMANA")
    assert stricter["meta"]["policy_overrides"] is True


def test_get_result_answers_only_the_owning_tenant():
    w = world()
    document = w.evaluate(command()).document
    assert Results(w.uows).get(DEFAULT_TENANT, "r-1") == document
    with pytest.raises(NotFound):
        Results(w.uows).get("other", "r-1")
    with pytest.raises(NotFound):
        Results(w.uows).get(DEFAULT_TENANT, "r-unknown")


@settings(max_examples=60, deadline=None)
@given(
    present=st.sets(st.sampled_from([n.node_id for n in TAXONOMY.nodes])),
    confidence=st.floats(min_value=0.0, max_value=1.0, allow_nan=False),
)
def test_the_document_depends_only_on_the_input_not_on_the_request(present: set[str], confidence: float):
    origem_text = " ".join(TAXONOMY.node(n).conceito for n in sorted(present)) or "Introdução."
    answers = {
        DESTINO_TEXT: ANSWERS[DESTINO_TEXT],
        origem_text: tuple(ConceptMatch(n, confidence, (n,)) for n in sorted(present)),
    }
    w = world(primary=StaticMapper(answers))
    origem = dataclasses.replace(ORIGEM, ementa=origem_text)

    first = w.evaluate(command("r-a", origem=origem)).document
    second = w.evaluate(command("r-b", origem=origem)).document

    assert (first["request_id"], second["request_id"]) == ("r-a", "r-b")
    ignored = ("request_id", "timings_ms")
    assert {k: v for k, v in first.items() if k not in ignored} == {
        k: v for k, v in second.items() if k not in ignored
    }
