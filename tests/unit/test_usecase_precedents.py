"""Precedent use cases over the fakes: evaluate consults the table first; registering, importing, ending."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from adapters.precedents.csv_format import parse_precedents_csv
from core.domain.errors import InvalidTransition, NotFound
from core.domain.precedents import InvalidPrecedent, PrecedentFileImported, PrecedentKind
from core.domain.records import Role, Tenant
from core.domain.review import Move, ReviewAction, ReviewActor
from core.ports.precedent_repository import PrecedentFilter
from core.usecases import precedents as uc
from core.usecases.bootstrap import DEFAULT_TENANT
from core.usecases.evaluate import EvaluatePair
from tests.fakes.system import RecordingMetrics
from tests.support.evaluate_world import DESTINO, ORIGEM, ORIGEM_TEXT, World, command, world
from tests.support.precedents import COORDINATOR, ORIGEM_CODIGO, ORIGEM_INSTITUICAO, csv_table, precedent

KEYED = dataclasses.replace(ORIGEM, instituicao=ORIGEM_INSTITUICAO, codigo=ORIGEM_CODIGO)
KEYED_DESTINO = dataclasses.replace(DESTINO, codigo="CALC-A")
REFORMATTED = "• LIMITES; derivadas,\n  integrais   e SERIES"  # same words, other formatting and accents
REWORDED = "Limites, derivadas, integrais, séries e aplicações."
REVIEWER = ReviewActor("k-rev", Role.REVIEWER)
COORD = ReviewActor("k-coord", Role.COORDINATOR)


def _with(w: World, *items: object) -> None:
    with w.uows() as uow:
        for item in items:
            uow.precedents.add(item)  # type: ignore[arg-type]
        uow.commit()


def _evaluate(w: World, request_id: str, ementa: str = ORIGEM_TEXT) -> dict[str, Any]:
    origem = dataclasses.replace(KEYED, ementa=ementa)
    return w.evaluate(command(request_id, origem=origem, destino=KEYED_DESTINO)).document


def _metered() -> tuple[World, RecordingMetrics]:
    w, metrics = world(), RecordingMetrics()
    w.evaluate = EvaluatePair(w.uows, w.primary, None, w.clock, metrics)
    return w, metrics


def test_a_binding_precedent_decides_without_the_mapper_citing_it() -> None:
    w, metrics = _metered()
    _with(w, precedent(DEFAULT_TENANT, "pc_1", ORIGEM_TEXT))
    document = _evaluate(w, "r-1", REFORMATTED)
    assert document["decisao"] == "DEFERIDO" and document["decisao_origem"] == "precedente"
    assert w.primary.calls == 0
    cited = document["precedente"]
    assert isinstance(cited, dict) and cited["precedent_id"] == "pc_1" and cited["parecer"] == "Conteúdos equivalentes."
    assert "pc_1" in str(document["justificativa_curta"]) and "Conteúdos equivalentes." in str(document["justificativa_detalhada"])
    assert w.evaluation_events()[-1].payload["precedent_id"] == "pc_1"
    assert ("precedent_hit", DEFAULT_TENANT, "binding_applied") in metrics.calls


def test_no_precedent_leaves_the_document_unchanged() -> None:
    w = world()
    plain = _evaluate(w, "r-1")
    assert w.primary.calls > 0
    assert not {"decisao_origem", "precedente", "precedentes_relacionados"} & plain.keys()


@pytest.mark.parametrize(
    ("stored", "why"),
    [
        (precedent(DEFAULT_TENANT, "pc_a", ORIGEM_TEXT, kind=PrecedentKind.ADVISORY), "consultivo"),
        (precedent(DEFAULT_TENANT, "pc_r", REWORDED), "ementa_reformulada"),
    ],
)
def test_advisory_or_reworded_precedents_are_evidence_and_send_the_pair_to_a_person(stored: object, why: str) -> None:
    w, metrics = _metered()
    _with(w, stored)
    document = _evaluate(w, "r-1")
    assert document["decisao"] == "ANALISE_HUMANA" and document["motivo_revisao"] == "precedente_relacionado"
    related = document["precedentes_relacionados"]
    assert isinstance(related, list) and related[0]["motivo"] == why
    assert "decisao_origem" not in document
    assert ("precedent_hit", DEFAULT_TENANT, "advisory_shown") in metrics.calls
    with w.uows.reading() as uow:
        assert uow.reviews.for_request(DEFAULT_TENANT, "r-1") is not None


def test_expired_precedent_or_another_destino_does_not_apply() -> None:
    w = world()
    _with(
        w,
        precedent(DEFAULT_TENANT, "pc_old", ORIGEM_TEXT, valid_to=w.clock.now().date()),
        precedent(DEFAULT_TENANT, "pc_other", ORIGEM_TEXT, destino_codigo="FIS-1"),
        precedent("another-tenant", "pc_t", ORIGEM_TEXT),
    )
    document = _evaluate(w, "r-1")
    assert document["decisao"] == "DEFERIDO" and "precedente" not in document and w.primary.calls > 0


def test_unknown_approval_with_a_precedent_still_goes_to_a_person() -> None:
    w = world()
    _with(w, precedent(DEFAULT_TENANT, "pc_1", ORIGEM_TEXT))
    origem = dataclasses.replace(KEYED, aprovado=None)
    document = w.evaluate(command("r-1", origem=origem, destino=KEYED_DESTINO)).document
    assert document["decisao"] == "ANALISE_HUMANA" and document["motivo_revisao"] == "aprovacao_nao_informada"
    assert w.primary.calls == 0 and "decisao_origem" not in document


def _reviewed(w: World, request_id: str, decisao: str = "DEFERIDO") -> str:
    origem = dataclasses.replace(KEYED, aprovado=None)  # pol-1 sends unknown approval to a person
    assert w.evaluate(command(request_id, origem=origem, destino=KEYED_DESTINO)).document["decisao"] == "ANALISE_HUMANA"
    with w.uows.reading() as uow:
        item = uow.reviews.for_request(DEFAULT_TENANT, request_id)
    assert item is not None
    w.reviews.move(DEFAULT_TENANT, item.review_id, Move(ReviewAction.CLAIM), REVIEWER)
    move = Move(ReviewAction.DECIDE, decisao=decisao, motivo="conteudo_equivalente", parecer="Ementas equivalentes.")
    w.reviews.move(DEFAULT_TENANT, item.review_id, move, REVIEWER)
    return item.review_id


def test_homologated_review_becomes_a_binding_precedent_for_the_next_request() -> None:
    w = world()
    review_id = _reviewed(w, "r-1")
    item, made = w.precedents.homologate_as_precedent(DEFAULT_TENANT, review_id, COORD, uc.PrecedentTerms())
    assert item.final and made.review_id == review_id and made.parecer == "Ementas equivalentes."
    calls = w.primary.calls
    document = _evaluate(w, "r-2", REFORMATTED)
    assert document["decisao_origem"] == "precedente" and w.primary.calls == calls
    with w.uows.reading() as uow:
        types = [e.event_type for e in uow.audit.list_events(DEFAULT_TENANT, limit=1000)]
    assert "precedent.created" in types and types.index("review.homologate") < types.index("precedent.created")
    with pytest.raises(InvalidTransition):  # one precedent per review
        w.precedents.register_reviewed(DEFAULT_TENANT, review_id, COORDINATOR, uc.PrecedentTerms())


def test_an_indeferido_or_unfinished_review_is_not_a_precedent_and_homologation_rolls_back() -> None:
    w = world()
    review_id = _reviewed(w, "r-1", "INDEFERIDO")
    with pytest.raises(InvalidTransition):
        w.precedents.homologate_as_precedent(DEFAULT_TENANT, review_id, COORD, uc.PrecedentTerms())
    assert not w.reviews.get(DEFAULT_TENANT, review_id).final  # both or neither
    with pytest.raises(InvalidTransition):
        w.precedents.register_reviewed(DEFAULT_TENANT, review_id, COORDINATOR, uc.PrecedentTerms())
    with pytest.raises(NotFound):
        w.precedents.register_reviewed(DEFAULT_TENANT, "rv_missing", COORDINATOR, uc.PrecedentTerms())


def test_a_review_of_an_origem_without_code_cannot_become_a_precedent() -> None:
    w = world()
    origem = dataclasses.replace(ORIGEM, aprovado=None)
    w.evaluate(command("r-1", origem=origem))
    with w.uows.reading() as uow:
        item = uow.reviews.for_request(DEFAULT_TENANT, "r-1")
    assert item is not None
    w.reviews.move(DEFAULT_TENANT, item.review_id, Move(ReviewAction.CLAIM), REVIEWER)
    move = Move(ReviewAction.DECIDE, decisao="DEFERIDO", motivo="conteudo_equivalente", parecer="ok")
    w.reviews.move(DEFAULT_TENANT, item.review_id, move, REVIEWER)
    with pytest.raises(InvalidPrecedent):
        w.precedents.homologate_as_precedent(DEFAULT_TENANT, item.review_id, COORD, uc.PrecedentTerms())


def test_csv_import_with_sigaa_expressions_is_all_or_nothing_and_audited() -> None:
    w = world()
    table = csv_table(
        f'"{ORIGEM_INSTITUICAO}",{ORIGEM_CODIGO},"{ORIGEM_TEXT}",CALC-A,,binding,2026-01-01,,,Parecer 12/2025',
        f'"{ORIGEM_INSTITUICAO}",(MAT201 E MAT202) OU MAT203,[MAT201] vetores [MAT202] matrizes [MAT203] álgebra,ALG-1,,advisory,2026-01-01,2027-01-01,,',
    )
    made = w.precedents.import_table(DEFAULT_TENANT, parse_precedents_csv(table), "sha", COORDINATOR)
    assert [len(p.origens) for p in made] == [1, 1, 2] and made[2].expressao == "(MAT201 E MAT202) OU MAT203"
    assert _evaluate(w, "r-1", REFORMATTED)["decisao_origem"] == "precedente"
    page = w.precedents.page(DEFAULT_TENANT, 2, None, PrecedentFilter(kind=PrecedentKind.ADVISORY))
    assert [p.precedent_id for p in page] == [made[1].precedent_id, made[2].precedent_id]
    assert w.precedents.page(DEFAULT_TENANT, 10, None, PrecedentFilter(codigo="mat 202")) == [made[2]]
    with w.uows.reading() as uow:
        imported = [e for e in uow.audit.list_events(DEFAULT_TENANT, limit=1000) if e.event_type == "precedent.imported"]
    assert imported[0].payload["quantidade"] == 3


def test_the_same_file_imported_again_is_refused_naming_the_earlier_import() -> None:
    w = world()
    drafts = parse_precedents_csv(csv_table(f'"{ORIGEM_INSTITUICAO}",{ORIGEM_CODIGO},"{ORIGEM_TEXT}",CALC-A,,binding,2026-01-01,,,'))
    made = w.precedents.import_table(DEFAULT_TENANT, drafts, "sha-1", COORDINATOR)
    commits = w.uows.commits
    with pytest.raises(PrecedentFileImported) as raised:
        w.precedents.import_table(DEFAULT_TENANT, drafts, "sha-1", COORDINATOR)
    assert raised.value.earlier.precedent_ids == (made[0].precedent_id,) and raised.value.earlier.imported_by == COORDINATOR
    assert "sha-1" in str(raised.value) and made[0].precedent_id in str(raised.value)
    assert w.uows.commits == commits
    assert w.precedents.page(DEFAULT_TENANT, 10, None, PrecedentFilter()) == made
    with w.uows.reading() as uow:
        assert [e.event_type for e in uow.audit.list_events(DEFAULT_TENANT, limit=1000)].count("precedent.imported") == 1
    assert len(w.precedents.import_table(DEFAULT_TENANT, drafts, "sha-2", COORDINATOR)) == 1  # another file: imported
    with w.uows() as uow:
        uow.tenants.add(Tenant("other", "Outra", True, "tax-1", "pol-1"))
        uow.commit()
    assert len(w.precedents.import_table("other", drafts, "sha-1", COORDINATOR)) == 1  # another tenant's own import


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ("UFPB,(A E B,x,CALC,,,2026-01-01,,,", "linhas[3].origem"),
        ("UFPB,A,x,CALC,,talvez,2026-01-01,,,", "linhas[3].tipo"),
        ("UFPB,A,x,CALC,,,01/01/2026,,,", "linhas[3].vigencia_inicio"),
        ("UFPB,A,x,,,,2026-01-01,,,", "linhas[3].destino"),
        ("UFPB,A,x,CALC,,,2026-02-01,2026-01-01,,", "linhas[3].vigencia_fim"),
        ("UFPB,A E B,sem marcas,CALC,,,2026-01-01,,,", "linhas[3].ementa_origem"),
    ],
)
def test_a_bad_row_names_its_line_and_column_and_imports_nothing(row: str, field: str) -> None:
    w = world()
    with pytest.raises(InvalidPrecedent) as error:
        w.precedents.import_table(DEFAULT_TENANT, parse_precedents_csv(csv_table("UFPB,Z,x,CALC,,,2026-01-01,,,", row)), "s", COORDINATOR)
    assert error.value.field == field
    assert w.precedents.page(DEFAULT_TENANT, 10, None, PrecedentFilter()) == []


def test_unknown_columns_and_empty_files_are_refused() -> None:
    with pytest.raises(InvalidPrecedent, match="desconhecidas"):
        parse_precedents_csv("instituicao,origem,vigencia_inicio,cor\nU,A,2026-01-01,azul\n")
    with pytest.raises(InvalidPrecedent):
        parse_precedents_csv("")


def test_ending_a_vigencia_is_audited_and_stops_the_precedent_today() -> None:
    w = world()
    _with(w, precedent(DEFAULT_TENANT, "pc_1", ORIGEM_TEXT))
    ended = w.precedents.end(DEFAULT_TENANT, "pc_1", None, "currículo novo", COORDINATOR)
    assert ended.valid_to == w.clock.now().date()
    assert w.precedents.get(DEFAULT_TENANT, "pc_1").valid_to == ended.valid_to  # kept, not deleted
    assert "precedente" not in _evaluate(w, "r-1")
    with w.uows.reading() as uow:
        ends = [e.payload for e in uow.audit.list_events(DEFAULT_TENANT, limit=1000) if e.event_type == "precedent.vigencia_ended"]
    assert ends == [{**ends[0], "precedent_id": "pc_1", "vigencia_fim": "2026-03-02", "motivo": "currículo novo"}]
    with pytest.raises(InvalidTransition):
        w.precedents.end(DEFAULT_TENANT, "pc_1", dt.date(2026, 6, 1), None, COORDINATOR)
    with pytest.raises(InvalidPrecedent):  # before it began
        w.precedents.end(DEFAULT_TENANT, "pc_1", dt.date(2025, 6, 1), None, COORDINATOR)
    with pytest.raises(NotFound):
        w.precedents.end(DEFAULT_TENANT, "pc_x", None, None, COORDINATOR)


@pytest.mark.parametrize("motivo", ["", "   ", "\n\t"])
def test_a_blank_motivo_never_ends_a_vigencia_nor_enters_the_audit_trail(motivo: str) -> None:
    """The console, the API and the CLI all pass the motivo through this use case."""
    w = world()
    _with(w, precedent(DEFAULT_TENANT, "pc_1", ORIGEM_TEXT))
    with pytest.raises(InvalidPrecedent) as refused:
        w.precedents.end(DEFAULT_TENANT, "pc_1", None, motivo, COORDINATOR)
    assert refused.value.field == "motivo"
    assert w.precedents.get(DEFAULT_TENANT, "pc_1").valid_to is None
    with w.uows.reading() as uow:
        assert not [e for e in uow.audit.list_events(DEFAULT_TENANT, limit=1000) if e.event_type == "precedent.vigencia_ended"]
    with pytest.raises(NotFound):
        w.precedents.get("another-tenant", "pc_1")
