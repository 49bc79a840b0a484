"""The parecer of a case (ADR 0034): the three sections, the policy and the case's rules cited,
the waiver table in HTML and PDF (the same renderers as a review's parecer), user text escaped."""

from __future__ import annotations

import io
from typing import Any

import pypdf
import pytest

from adapters.documents.parecer_html import render_html
from adapters.documents.parecer_pdf import render_pdf
from core.domain.cases.model import CasePolicy
from core.domain.errors import NotFound
from core.usecases.bootstrap import DEFAULT_TENANT
from core.usecases.pareceres import Pareceres
from tests.support.case_world import case_world, realistic, transcript

HOSTILE = "<script>alert('x')</script> Álgebra — “linear”"


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def _decided() -> tuple[dict[str, Any], Pareceres]:
    world = case_world()
    rows = [dict(row) for row in realistic()["transcript"]]
    rows[-1]["nome"] = HOSTILE  # MICRO-UTFPR-AP: unused, so listed with its reason
    document = world.evaluate_case(world.command(CasePolicy(validity_years=15, workload_threshold=0.9, max_waived_share=0.5),
                                                 transcript=transcript(rows), case_id="case-parecer"))
    return document, Pareceres(world.uows, world.clock)


def test_a_case_parecer_has_the_three_sections_cites_the_policy_and_lists_every_unit() -> None:
    document, pareceres = _decided()
    parecer = pareceres.of_case(DEFAULT_TENANT, "case-parecer")
    assert [s.title for s in parecer.sections] == ["Relatório", "Fundamentação", "Conclusão"]
    assert parecer.referencia == "case-parecer"
    fundamentacao = " ".join(parecer.sections[1].paragraphs)
    assert "política default-v1" in fundamentacao and "limite de dispensa de 50%" in fundamentacao
    (table,) = parecer.sections[2].tables
    assert [row[0].split(" ")[0] for row in table.rows] == [d["codigo"] for d in document["destinos"]]
    assert {row[2] for row in table.rows} <= {"dispensada", "não dispensada", "em análise humana"}
    assert all(len(row) == len(table.header) for row in table.rows)


def test_html_escapes_user_text_and_the_pdf_carries_the_table() -> None:
    _, pareceres = _decided()
    parecer = pareceres.of_case(DEFAULT_TENANT, "case-parecer")
    page = render_html(parecer)
    assert "<script>" not in page and "&lt;script&gt;" in page and "<table>" in page and "Quadro de dispensas" in page
    text = pdf_text(render_pdf(parecer))
    assert "Quadro de dispensas" in text and "Conclusão" in text and "AL-UNICAMP" in text and '"linear"' in text


def test_a_missing_or_another_tenants_case_has_no_parecer() -> None:
    _, pareceres = _decided()
    with pytest.raises(NotFound):
        pareceres.of_case(DEFAULT_TENANT, "no-such-case")
    with pytest.raises(NotFound):
        pareceres.of_case("another-tenant", "case-parecer")
