"""Parecer documents (ADR 0026): the sections and the decision, the policy cited, HTML escaping,
and the PDF's text (read back with pypdf)."""

from __future__ import annotations

import dataclasses
import io

import pypdf

from adapters.documents.parecer_html import render_html
from adapters.documents.parecer_pdf import render_pdf
from core.domain.parecer import Parecer
from core.domain.model import Course
from core.domain.records import ApiKeyRecord, Role
from core.domain.review import Move, ReviewAction, ReviewActor
from core.usecases import reviews
from core.usecases.bootstrap import DEFAULT_TENANT
from tests.support.evaluate_world import DESTINO, ORIGEM, World, command, world

REVIEWER = ReviewActor("k-rev", Role.REVIEWER)
COORDINATOR = ReviewActor("k-coord", Role.COORDINATOR)
HOSTILE = "<script>alert('x')</script> & “aspas” — séries"


def homologated(
    w: World, parecer_text: str = "Conteúdos equivalentes; carga horária suficiente.", origem: Course | None = None,
    destino: Course = DESTINO,
) -> str:
    w.evaluate(command("r-doc", origem=origem or dataclasses.replace(ORIGEM, aprovado=None), destino=destino))
    with w.uows.reading() as uow:
        item = uow.reviews.for_request(DEFAULT_TENANT, "r-doc")
    assert item is not None
    decide = Move(ReviewAction.DECIDE, decisao="DEFERIDO", motivo="conteudo_equivalente", parecer=parecer_text)
    for move, actor in ((Move(ReviewAction.CLAIM), REVIEWER), (decide, REVIEWER), (Move(ReviewAction.HOMOLOGATE), COORDINATOR)):
        item = w.reviews.move(DEFAULT_TENANT, item.review_id, move, actor)
    return item.review_id


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def test_the_parecer_has_the_three_sections_cites_the_policy_and_concludes() -> None:
    w = world()
    parecer = w.pareceres.of_review(DEFAULT_TENANT, homologated(w))
    assert [s.title for s in parecer.sections] == ["Relatório", "Fundamentação", "Conclusão"]
    relatorio, fundamentacao, conclusao = parecer.sections
    assert ("Pedido (request_id)", "r-doc") in relatorio.facts
    assert any(label == "Carga horária" and "60" in value for label, value in relatorio.facts)
    assert "política pol-1" in fundamentacao.paragraphs[0] and "regras " in fundamentacao.paragraphs[0]
    assert "homologação obrigatória" in fundamentacao.paragraphs[0]
    assert any(title == "Regras obrigatórias" for title, _ in fundamentacao.lists)
    assert ("Decisão", "Deferido") in conclusao.facts and "DEFERIMENTO" in conclusao.paragraphs[0]
    assert any(label == "Homologação" and "k-coord (coordenador)" in value for label, value in conclusao.facts)
    assert parecer.decisao == "DEFERIDO"


def with_keys(w: World) -> None:
    """The reviewer's and the coordinator's keys, by name, as the admin created them."""
    with w.uows() as uow:
        for actor, name in ((REVIEWER, "Profa. Ana Souza"), (COORDINATOR, "Prof. Carlos Lima")):
            uow.api_keys.add(ApiKeyRecord(str(actor.key_id), DEFAULT_TENANT, "eqv_x", f"h-{actor.key_id}", actor.role, name, w.clock.now()))
        uow.commit()


def test_the_parecer_names_the_courses_codes_in_portuguese_and_people_by_name() -> None:
    w = world()
    with_keys(w)
    origem = dataclasses.replace(ORIGEM, aprovado=None, instituicao="Universidade Federal da Paraíba", codigo="MAT101")
    review_id = homologated(w, origem=origem, destino=dataclasses.replace(DESTINO, codigo="CAL-A"))
    relatorio, fundamentacao, conclusao = w.pareceres.of_review(DEFAULT_TENANT, review_id).sections
    facts = dict(relatorio.facts)
    assert facts["Disciplina de origem"] == "Cálculo I (MAT101, Universidade Federal da Paraíba)"
    assert facts["Disciplina de destino"] == "Cálculo A (CAL-A)"
    assert "«Cálculo I» → «Cálculo A»" in relatorio.paragraphs[0] and "Análise humana" in relatorio.paragraphs[0]
    assert "ANALISE_HUMANA" not in relatorio.paragraphs[0] and "aprovação não informada" in relatorio.paragraphs[0]
    assert not any("course_id" in label for label, _ in relatorio.facts)  # not given: not a blank line
    rules = dict(fundamentacao.lists)["Regras obrigatórias"]
    assert any(r.startswith("dados mínimos das ementas: atendida") for r in rules) and not any("input_minimo" in r for r in rules)
    assert dict(conclusao.facts) == {
        "Decisão": "Deferido", "Motivo": "conteúdo equivalente", "Parecerista": "Profa. Ana Souza (parecerista)",
        "Homologação": dict(conclusao.facts)["Homologação"],
    }
    assert dict(conclusao.facts)["Homologação"].startswith("homologado por Prof. Carlos Lima (coordenador) em ")
    assert "(motivo: conteúdo equivalente)" in conclusao.paragraphs[0]
    text = pdf_text(render_pdf(w.pareceres.of_review(DEFAULT_TENANT, review_id)))
    for expected in ("Cálculo I (MAT101, Universidade Federal da Paraíba)", "Profa. Ana Souza (parecerista)", "Análise humana"):
        assert expected in text, expected
    for raw in ("ANALISE_HUMANA", "input_minimo", "conteudo_equivalente", "(reviewer)", "(coordinator)"):
        assert raw not in text, raw


def test_a_pending_item_has_no_conclusion_yet() -> None:
    w = world()
    w.evaluate(command("r-open", origem=dataclasses.replace(ORIGEM, aprovado=None)))
    with w.uows.reading() as uow:
        item = uow.reviews.for_request(DEFAULT_TENANT, "r-open")
    assert item is not None
    parecer = w.pareceres.of_review(DEFAULT_TENANT, item.review_id)
    assert parecer.decisao is None and "ainda não emitido (situação: pendente)" in parecer.sections[-1].paragraphs[0]


def test_html_escapes_user_text() -> None:
    w = world()
    review_id = homologated(w, parecer_text=HOSTILE)
    w.reviews.recurso(DEFAULT_TENANT, reviews.Recurso("r-doc", HOSTILE, HOSTILE), ReviewActor("k-c", Role.CLIENT))
    page = render_html(w.pareceres.of_review(DEFAULT_TENANT, review_id))
    assert "<script>" not in page and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp;" in page
    assert "Relatório" in page and "Fundamentação" in page and "Conclusão" in page and 'lang="pt-BR"' in page


def test_the_pdf_is_a_pdf_with_the_sections_and_the_decision() -> None:
    w = world()
    parecer: Parecer = w.pareceres.of_review(DEFAULT_TENANT, homologated(w, parecer_text=HOSTILE))
    data = render_pdf(parecer)
    assert data.startswith(b"%PDF-")
    text = pdf_text(data)
    for expected in ("Parecer de aproveitamento de estudos", "1. Relatório", "2. Fundamentação", "3. Conclusão",
                     "DEFERIMENTO", "pol-1", "<script>alert", "\"aspas\" - séries"):
        assert expected in text, expected
