"""Cases consult the tenant's precedents as evaluate does (ADR 0024, ADR 0034): a binding precedent
on the same ementa decides a candidate without the mapper, citing it; advisory or reworded ones
are evidence and send the unit to a person; an N:1 precedent (`A E B`) decides the combination."""

from __future__ import annotations

import datetime as dt
from typing import Any

from core.domain.cases.model import CasePolicy
from core.domain.precedents import Origin, Precedent, PrecedentKind
from core.usecases.bootstrap import DEFAULT_TENANT
from tests.support.case_world import CaseWorld, case_world, realistic

COORDINATOR = {"key_id": "k-coord", "role": "coordinator"}


def _course(code: str) -> dict[str, Any]:
    return next(c for c in realistic()["transcript"] if c["codigo"] == code)


def _origin(code: str, ementa: str | None = None) -> Origin:
    course = _course(code)
    return Origin(course["instituicao"], code, course["ementa"] if ementa is None else ementa)


def _add(world: CaseWorld, precedent_id: str, destino: str, *origins: Origin, kind: PrecedentKind = PrecedentKind.BINDING) -> None:
    with world.uows() as uow:
        uow.precedents.add(Precedent(
            tenant_id=DEFAULT_TENANT, precedent_id=precedent_id, origens=origins, destino_codigo=destino, course_id=None,
            kind=kind, valid_from=dt.date(2000, 1, 1), valid_to=None,
            created_at=dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc), created_by=COORDINATOR,
            parecer="Conteúdos equivalentes, conforme a tabela do colegiado.",
        ))
        uow.commit()


def _destino(document: dict[str, Any], code: str) -> dict[str, Any]:
    return next(d for d in document["destinos"] if d["codigo"] == code)


def _stored(world: CaseWorld, request_id: str) -> dict[str, Any]:
    with world.uows.reading() as uow:
        result = uow.results.get(DEFAULT_TENANT, request_id)
    assert result is not None
    return result.response


def test_a_binding_precedent_decides_a_unit_the_mapper_would_not_and_cites_it() -> None:
    world = case_world()
    assert _destino(world.evaluate_case(world.command()), "MET-UNICAMP")["decisao"] == "INDEFERIDO"  # no candidate
    _add(world, "pc_1", "MET-UNICAMP", _origin("MICRO-UTFPR-AP"))
    document = world.evaluate_case(world.command(case_id="with-precedent"))
    met = _destino(document, "MET-UNICAMP")
    assert met["decisao"] == "DEFERIDO" and met["origens"] == ["MICRO-UTFPR-AP"]
    assert met["decisao_origem"] == "precedente" and met["precedente"]["precedent_id"] == "pc_1"
    assert "pc_1" in met["justificativa"] and met["precedente"]["parecer"].startswith("Conteúdos equivalentes")
    stored = _stored(world, met["request_id"])  # stored and audited exactly like an evaluate
    assert stored["decisao_origem"] == "precedente" and stored["model_version"] == "precedente"
    audited = [e.payload for e in world.events("evaluation") if e.payload["request_id"] == met["request_id"]]
    assert audited == [audited[0]] and audited[0]["precedent_id"] == "pc_1" and audited[0]["case_id"] == "with-precedent"
    assert "decisao_origem" not in _destino(document, "AL-UNICAMP")  # other units: unchanged shape


def test_another_syllabus_under_the_same_code_does_not_apply_and_a_reworded_one_goes_to_review() -> None:
    world = case_world()
    _add(world, "pc_1", "MET-UNICAMP", _origin("MICRO-UTFPR-AP", "Teoria dos grafos, árvores e caminhos mínimos."))
    assert _destino(world.evaluate_case(world.command()), "MET-UNICAMP")["decisao"] == "INDEFERIDO"
    reworded = _course("AL-UNESP")["ementa"].replace(".", ";", 1)
    reworded = " ".join(reworded.split()[:-2])  # a few words dropped: a near-duplicate, not the same ementa
    _add(world, "pc_2", "AL-UNICAMP", _origin("AL-UNESP", reworded))
    al = _destino(world.evaluate_case(world.command(case_id="reworded")), "AL-UNICAMP")
    assert al["decisao"] != "DEFERIDO" and al["candidata"]["decisao_par"] == "ANALISE_HUMANA" and "decisao_origem" not in al
    assert [(p["precedent_id"], p["motivo"]) for p in al["precedentes_relacionados"]] == [("pc_2", "ementa_reformulada")]


def test_an_advisory_precedent_is_evidence_and_sends_the_unit_to_a_person_never_waived() -> None:
    world = case_world()
    assert _destino(world.evaluate_case(world.command()), "AL-UNICAMP")["decisao"] == "DEFERIDO"
    _add(world, "pc_adv", "AL-UNICAMP", _origin("AL-UNESP"), kind=PrecedentKind.ADVISORY)
    reuse = CasePolicy(validity_years=15, workload_threshold=0.9, allow_reuse=True)  # AL-UNESP free for AL-UNICAMP
    document = world.evaluate_case(world.command(reuse, case_id="advisory"))
    al = _destino(document, "AL-UNICAMP")
    assert al["decisao"] == "ANALISE_HUMANA" and "AL-UNICAMP" not in [u for o in document["origens_usadas"] for u in o["usada_para"]]
    related = al["precedentes_relacionados"]
    assert [(p["precedent_id"], p["motivo"]) for p in related] == [("pc_adv", "consultivo")]
    stored = _stored(world, al["request_id"])
    assert stored["decisao"] == "ANALISE_HUMANA" and stored["precedentes_relacionados"][0]["precedent_id"] == "pc_adv"
    with world.uows.reading() as uow:
        assert uow.reviews.for_request(DEFAULT_TENANT, al["request_id"]) is not None  # a person decides it


def test_an_n_to_1_precedent_decides_the_combination_it_names() -> None:
    world = case_world()
    _add(world, "pc_n1", "REDES-UNICAMP", _origin("FIS1-UTFPR"), _origin("MICRO-UTFPR-AP"))
    document = world.evaluate_case(world.command(case_id="n-to-1"))
    redes = _destino(document, "REDES-UNICAMP")
    assert redes["decisao"] == "DEFERIDO" and redes["origens"] == ["FIS1-UTFPR", "MICRO-UTFPR-AP"]
    assert redes["decisao_origem"] == "precedente" and redes["precedente"]["precedent_id"] == "pc_n1"
    # each member alone is not decided by it: the N:1 row is only evidence for a single course
    assert _stored(world, redes["request_id"])["precedente"]["precedent_id"] == "pc_n1"


def test_an_n_to_1_precedent_with_a_member_missing_from_the_transcript_decides_nothing() -> None:
    world = case_world()
    _add(world, "pc_n1", "REDES-UNICAMP", _origin("FIS1-UTFPR"), Origin("UFPB", "XYZ-1", "Redes de computadores."))
    redes = _destino(world.evaluate_case(world.command()), "REDES-UNICAMP")
    assert redes["decisao"] == "INDEFERIDO" and "decisao_origem" not in redes


def test_same_input_with_precedents_gives_the_same_answer() -> None:
    world = case_world()
    _add(world, "pc_1", "MET-UNICAMP", _origin("MICRO-UTFPR-AP"))
    _add(world, "pc_adv", "AL-UNICAMP", _origin("AL-UNESP"), kind=PrecedentKind.ADVISORY)
    first = world.evaluate_case(world.command(case_id="a"))
    second = world.evaluate_case(world.command(case_id="b"))
    strip = lambda d: [{k: v for k, v in x.items() if k != "request_id"} for x in d["destinos"]]  # noqa: E731
    assert strip(first) == strip(second)
