"""EvaluateCase over the fakes, with the real lexical reading of a realistic transcript and curriculum."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from core.domain.cases.model import CasePolicy
from core.domain.errors import NotFound, VersionDeprecated, VersionNotFound
from core.usecases.bootstrap import DEFAULT_TENANT
from core.usecases.cases import EvaluateCase, case_csv, case_table
from core.usecases.webhook_destinations import AnyDestination
from core.usecases.webhooks import WebhookAdmin
from tests.fakes.system import SequentialIds
from tests.support.case_world import case_world, realistic, transcript


@pytest.fixture(scope="module")
def decided() -> tuple[object, dict]:  # type: ignore[type-arg]
    world = case_world()
    return world, world.evaluate_case(world.command(student_hash="s" * 64))


def _destino(document: dict, code: str) -> dict:  # type: ignore[type-arg]
    return next(d for d in document["destinos"] if d["codigo"] == code)


def _unused(document: dict) -> dict[str, str]:  # type: ignore[type-arg]
    return {o["codigo"]: o["motivo"] for o in document["origens_nao_usadas"]}


def test_each_destino_gets_a_decision_and_every_unused_course_a_reason(decided) -> None:  # type: ignore[no-untyped-def]
    _, doc = decided
    codes = [u["codigo"] for u in realistic()["curriculo"]["units"]]
    assert [d["codigo"] for d in doc["destinos"]] == codes
    assert _destino(doc, "BD1-UNICAMP-FT")["decisao"] == "DEFERIDO"
    assert _destino(doc, "BD1-UNICAMP-FT")["origens"] == ["BD1-UNIPAR"]
    assert _destino(doc, "TCC-1")["decisao"] == "INDEFERIDO" and _destino(doc, "TCC-1")["motivo"] == "EXCLUDED_TYPE"
    unused = _unused(doc)
    assert unused["REDES-UNIRIO"] == "NOT_APPROVED"
    assert unused["MET-UNESP"] == "OUT_OF_VALIDITY"
    physics = {"FIS1-UFOP", "FIS1-UTFPR"}  # both cover Física Geral I fully: one waives it, the other is left
    assert len(physics & unused.keys()) == 1 and {unused[c] for c in physics & unused.keys()} == {"DESTINO_WAIVED"}
    assert unused["MICRO-UTFPR-AP"] == "COVERS_NOTHING"  # microbiology: no topic of the curriculum
    used = {o["codigo"] for o in doc["origens_usadas"]}
    assert used.isdisjoint(unused) and used | unused.keys() == {c["codigo"] for c in realistic()["transcript"]}


def test_a_unit_covered_only_by_a_set_aside_course_names_it_and_why(decided) -> None:  # type: ignore[no-untyped-def]
    _, document = decided
    redes, met = _destino(document, "REDES-UNICAMP"), _destino(document, "MET-UNICAMP")
    assert (redes["motivo"], met["motivo"]) == ("NOT_APPROVED", "OUT_OF_VALIDITY")
    assert redes["justificativa"].endswith("REDES-UNIRIO Redes de Computadores I (TIN0123), não aprovada (situação no histórico: Reprovado)")
    assert "MET-UNESP 1931 SCC - Metodologia Científica, fora do prazo de validade: cursada em 2005" in met["justificativa"]
    unused = {o["codigo"]: o["justificativa"] for o in document["origens_nao_usadas"]}
    assert unused["REDES-UNIRIO"] == "não aprovada (situação no histórico: Reprovado)"


def test_no_origem_course_is_used_twice_and_the_summary_adds_up(decided) -> None:  # type: ignore[no-untyped-def]
    _, doc = decided
    waived = [d for d in doc["destinos"] if d["decisao"] == "DEFERIDO"]
    origens = [o for d in waived for o in d["origens"]]
    assert len(origens) == len(set(origens))
    assert doc["resumo"]["horas_dispensadas"] == pytest.approx(sum(d["horas"] for d in waived))
    assert doc["resumo"]["deferidas"] == len(waived)
    assert doc["resumo"]["metodo"] == "highs"


def test_every_pair_the_answer_uses_is_stored_and_audited_with_the_case_id(decided) -> None:  # type: ignore[no-untyped-def]
    world, doc = decided
    used = [d for d in doc["destinos"] if d["request_id"]]
    assert {d["decisao"] for d in used} >= {"DEFERIDO"}
    events = {e.payload["request_id"]: e for e in world.events("evaluation")}
    with world.uows.reading() as uow:
        for d in used:
            stored = uow.results.get(DEFAULT_TENANT, d["request_id"])
            assert stored is not None and stored.decision == (d["candidata"]["decisao_par"])
            assert events[d["request_id"]].payload["case_id"] == doc["case_id"]
    [case_event] = world.events("case")
    assert case_event.payload["case_id"] == doc["case_id"]
    assert case_event.payload["student_sha256"] == "s" * 64
    assert sorted(case_event.payload["request_ids"]) == sorted(d["request_id"] for d in used)


def test_the_case_is_stored_for_its_tenant_only(decided) -> None:  # type: ignore[no-untyped-def]
    world, doc = decided
    assert world.evaluate_case.get(DEFAULT_TENANT, doc["case_id"]) == doc
    with pytest.raises(NotFound):
        world.evaluate_case.get("other-tenant", doc["case_id"])


def test_the_cap_stops_waivers_and_lists_what_it_stopped() -> None:
    world = case_world()
    doc = world.evaluate_case(world.command(CasePolicy(validity_years=15, workload_threshold=0.9, max_waived_share=0.2)))
    summary = doc["resumo"]
    assert summary["horas_dispensadas"] <= summary["limite_horas"] == pytest.approx(0.2 * summary["horas_curriculo"])
    assert summary["limite_atingido"] is True
    assert doc["deferidas_sem_limite"], "the uncapped optimum waives more"
    waived = {(d["codigo"], tuple(d["origens"])) for d in doc["destinos"] if d["decisao"] == "DEFERIDO"}
    assert all((c["destino"], tuple(c["origens"])) not in waived for c in doc["deferidas_sem_limite"])
    assert any(_destino(doc, c["destino"])["decisao"] != "DEFERIDO" for c in doc["deferidas_sem_limite"])


def test_reuse_and_excluded_types_follow_the_policy() -> None:
    world = case_world()
    policy = CasePolicy(validity_years=15, workload_threshold=0.9, allow_reuse=True, excluded_types=frozenset())
    doc = world.evaluate_case(world.command(policy))
    assert _destino(doc, "TCC-1")["motivo"] != "EXCLUDED_TYPE"
    # with reuse, AL-UNESP is free for Álgebra Linear although it helps waive Geometria Analítica
    assert _destino(doc, "AL-UNICAMP")["origens"] == ["AL-UNESP"]
    assert "AL-UNESP" in _destino(doc, "GA-UNICAMP")["origens"]
    # a stored pair of a case opens a review item exactly when a person decides it (ANALISE_HUMANA)
    with world.uows.reading() as uow:
        for destino in (d for d in doc["destinos"] if d.get("request_id")):
            review = uow.reviews.for_request(DEFAULT_TENANT, destino["request_id"])
            assert (review is not None) == (destino["decisao"] == "ANALISE_HUMANA"), destino["codigo"]


def test_same_input_gives_the_same_answer() -> None:
    first, second = case_world(), case_world()
    a, b = (w.evaluate_case(w.command()) for w in (first, second))
    assert a == b


def test_an_unknown_curriculum_version_is_refused_before_anything_is_stored() -> None:
    world = case_world()
    with pytest.raises(VersionNotFound):
        world.evaluate_case(world.command(curriculum_version="nope"))
    with pytest.raises(VersionNotFound):
        world.evaluate_case(world.command(curriculum_id="ANOTHER"))
    assert world.events("case") == [] and world.events("evaluation") == []


def test_a_deprecated_curriculum_version_is_refused_for_a_new_case_naming_its_field() -> None:
    world = case_world()
    with world.uows() as uow:
        uow.curricula.deprecate(DEFAULT_TENANT, world.version)
        uow.commit()
    with pytest.raises(VersionDeprecated) as refused:
        world.evaluate_case(world.command())
    assert refused.value.field == "curriculo.versao"
    assert str(refused.value) == (
        f"curriculum version '{world.version}' is deprecated: cases decided with it stay readable, "
        "but new decisions may not use it"
    )
    assert world.events("case") == [] and world.events("evaluation") == []


def test_inline_units_replace_the_stored_curriculum() -> None:
    world = case_world()
    with world.uows.reading() as uow:
        curriculum = uow.curricula.get(DEFAULT_TENANT, world.version)
    assert curriculum is not None
    doc = world.evaluate_case(world.command(curriculum_version=None, units=curriculum.units[:2]))
    assert [d["codigo"] for d in doc["destinos"]] == ["AL-UNICAMP", "BD1-UNICAMP-FT"]
    assert doc["curriculo"] is None


def test_hora_aula_is_compared_in_clock_hours() -> None:
    world = case_world()
    rows = [dict(r) for r in realistic()["transcript"] if r["codigo"] == "BD1-UNIPAR"]
    rows[0].update(carga_horaria=60, unidade_carga="hora_aula", minutos_hora_aula=50)  # 50 clock hours < 0.9 x 60
    doc = world.evaluate_case(world.command(transcript=transcript(rows)))
    assert _destino(doc, "BD1-UNICAMP-FT")["decisao"] == "INDEFERIDO"
    rows[0].update(carga_horaria=72)  # 60 clock hours
    world2 = case_world()
    doc2 = world2.evaluate_case(world2.command(transcript=transcript(rows)))
    assert _destino(doc2, "BD1-UNICAMP-FT")["decisao"] == "DEFERIDO"


def test_csv_and_table_list_every_destino_and_unused_course(decided) -> None:  # type: ignore[no-untyped-def]
    _, doc = decided
    lines = case_csv(doc).splitlines()
    assert lines[0].startswith("tipo_linha,codigo")
    assert len(lines) == 1 + len(doc["destinos"]) + len(doc["origens_nao_usadas"])
    table = case_table(doc)
    assert "BD1-UNIPAR" in table and "não aprovada" in table and "fora do prazo de validade" in table


def test_a_status_other_than_aprovado_means_not_approved() -> None:
    row = dict(realistic()["transcript"][0], status="Cursando")
    assert transcript([row])[0].passed is False
    assert transcript([dataclasses.asdict(transcript([row])[0]) | {"aprovado": True}])[0].passed is True


def test_a_completed_case_is_announced_to_the_tenants_caso_concluido_endpoints_only() -> None:
    """ADR 0025: the case row, its audit event and the outbox event commit together."""
    world = case_world()
    admin = WebhookAdmin(world.uows, world.clock, SequentialIds("wh-"), AnyDestination())  # destinations: ADR 0049
    listening = admin.add(DEFAULT_TENANT, "https://sigaa.example.edu/casos", ["caso.concluido"], "test")
    admin.add(DEFAULT_TENANT, "https://sigaa.example.edu/decisoes", ["decisao.final"], "test")
    document = world.evaluate_case(world.command())
    with world.uows.reading() as uow:
        deliveries = uow.webhooks.list_deliveries(DEFAULT_TENANT, None, 100)
    cases = [d for d in deliveries if d.event_type == "caso.concluido"]
    assert [d.endpoint_id for d in cases] == [listening.endpoint_id]
    with world.uows.reading() as uow:
        _, _, event = uow.webhooks.to_send(cases[0].delivery_id)  # type: ignore[misc]
    assert f'"case_id":"{document["case_id"]}"' in event.body.replace(" ", "")


def test_progress_is_told_every_n_units_and_once_all_are_scored() -> None:
    world = case_world()
    use_case = world.evaluate_case
    every_two = EvaluateCase(world.uows, use_case._pairs, use_case._topics, use_case._solver, world.clock, SequentialIds("p-"), progress_every=2)  # noqa: SLF001
    told: list[dict[str, Any]] = []
    document = every_two(world.command(), progress=told.append)
    scored = [d for d in document["destinos"] if d["motivo"] != "EXCLUDED_TYPE"]
    assert told[-1] == {"fase": "avaliando", "unidades_avaliadas": len(scored), "unidades_total": len(scored)}
    counts = [t["unidades_avaliadas"] for t in told]
    assert counts == sorted(set(counts))  # growing, never twice the same
    assert all(b - a >= 2 for a, b in zip(counts, counts[1:-1]))  # not once per pair: every 2 units at most
    assert len(told) <= len(scored) // 2 + 1
