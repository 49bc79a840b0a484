"""MEC Histórico Escolar Digital v1.05 as a case's transcript, validated against the real XSDs."""

from __future__ import annotations

import pytest

from adapters.curricula.document import CurriculumFormatError
from adapters.curricula.mec_historico import decode_historico
from tests.support.historico_documents import DISCIPLINAS, XmlDisciplina, historico_xml


def _problems(body: bytes, ementas: dict[str, str] | None = None, minutes: int | None = 50) -> list[tuple[str, str]]:
    with pytest.raises(CurriculumFormatError) as caught:
        decode_historico(body, ementas or {}, minutes)
    return caught.value.problems


def test_a_valid_signed_historico_becomes_the_transcript_with_ementas_by_code() -> None:
    read = decode_historico(historico_xml(), {"INF-201": "Listas, pilhas, filas e árvores."}, 50)
    assert read.signature_present is True
    assert read.root == "DocumentoHistoricoEscolarFinal" and read.codigo_curriculo == "CCO-2018.1"
    calc, data, nets = read.courses
    assert calc == {
        "codigo": "MAT-101", "nome": "Cálculo Diferencial e Integral I", "ementa": "", "carga_horaria": 72.0,
        "unidade_carga": "hora_aula", "minutos_hora_aula": 50, "periodo": "2019/1",
        "instituicao": "Universidade de Teste", "nota": 8.5, "status": "Aprovado", "aprovado": True,
    }
    assert data["ementa"] == "Listas, pilhas, filas e árvores." and data["unidade_carga"] == "hora_relogio"
    assert nets["aprovado"] is False and nets["status"] == "Reprovado"
    summary = read.summary()
    assert summary["assinatura_presente"] is True and summary["assinatura_verificada"] is False
    assert summary["sem_ementa"] == ["MAT-101", "INF-301"] and summary["disciplinas"] == 3


def test_an_unsigned_historico_is_read_and_said_unsigned() -> None:
    read = decode_historico(historico_xml(signed=False), {}, 50)
    assert read.signature_present is False and len(read.courses) == 3


def test_a_partial_historico_root_is_accepted() -> None:
    assert decode_historico(historico_xml(root="DocumentoHistoricoEscolarParcial"), {}, 50).root == "DocumentoHistoricoEscolarParcial"


def test_a_schema_error_names_the_element_and_its_line() -> None:
    body = historico_xml().replace(b"<NomeDisciplina>Estruturas de Dados</NomeDisciplina>", b"")
    (field, message), = _problems(body)
    assert field == "historico_xml"
    assert message.startswith("line 21: ") and "ElementosHistorico/Disciplina[2]/PeriodoLetivo" in message
    assert "NomeDisciplina" in message


def test_a_bad_value_is_named_with_the_schema_facet() -> None:
    body = historico_xml((XmlDisciplina("MAT-101", "Cálculo", hora_relogio="-5"),))
    (field, message), = _problems(body)
    assert field == "historico_xml" and "Disciplina/CargaHoraria/HoraRelogio" in message and "line " in message


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"<DocumentoHistoricoEscolarFinal", "not well-formed"),
        (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x/>', "DOCTYPE"),
        (b'<CurriculoEscolar xmlns="http://portal.mec.gov.br/diplomadigital/arquivos-em-xsd"/>', "root element must be one of"),
    ],
)
def test_not_a_historico_is_refused_with_its_line(body: bytes, expected: str) -> None:
    (field, message), = _problems(body)
    assert field == "historico_xml" and expected in message and message.startswith("line ")


def test_an_ementa_for_a_code_not_in_the_historico_is_named() -> None:
    problems = _problems(historico_xml(), {"INF-201": "x", "XYZ-9": "y"})
    assert problems == [("ementas.XYZ-9", "no Disciplina with CodigoDisciplina 'XYZ-9' in the histórico")]


def test_hora_aula_needs_the_minutes() -> None:
    (field, message), = _problems(historico_xml(), minutes=None)
    assert field == "historico_minutos_hora_aula" and "HoraAula" in message and message.startswith("line 20:")
    only_clock = historico_xml(DISCIPLINAS[1:])
    assert len(decode_historico(only_clock, {}, None).courses) == 2


def test_a_course_taken_twice_counts_its_approved_attempt() -> None:
    failed = XmlDisciplina("INF-201", "Estruturas de Dados", periodo="2018/2", situacao="Reprovado", nota="2.0")
    passed = XmlDisciplina("INF-201", "Estruturas de Dados", periodo="2019/1")
    read = decode_historico(historico_xml((passed, failed)), {}, None)
    assert [(c["codigo"], c["aprovado"], c["periodo"]) for c in read.courses] == [("INF-201", True, "2019/1")]
    pending = XmlDisciplina("INF-201", "Estruturas de Dados", periodo="2019/2", situacao="Pendente", nota=None)
    read = decode_historico(historico_xml((failed, pending)), {}, None)
    assert [(c["status"], c["periodo"]) for c in read.courses] == [("Pendente", "2019/2")]


def test_hours_split_across_units_are_counted_in_clock_hours() -> None:
    body = historico_xml((XmlDisciplina("MAT-101", "Cálculo", hora_aula=36, hora_relogio=None),)).replace(
        b"<CargaHoraria><HoraAula>36</HoraAula></CargaHoraria>",
        b"<CargaHoraria><HoraAula>36</HoraAula></CargaHoraria><CargaHoraria><HoraRelogio>30</HoraRelogio></CargaHoraria>",
    )
    (course,) = decode_historico(body, {}, 50).courses
    assert (course["carga_horaria"], course["unidade_carga"]) == (60.0, "hora_relogio")  # 36 x 50 min = 30 h, + 30 h


def test_grades_and_concepts_are_kept() -> None:
    body = historico_xml((XmlDisciplina("MAT-101", "Cálculo", nota=None),)).replace(
        b"<Aprovado/>", b"<ConceitoRM>APR</ConceitoRM><Aprovado/>"
    )
    (course,) = decode_historico(body, {}, None).courses
    assert course["conceito"] == "APR" and "nota" not in course
    hundred = historico_xml((XmlDisciplina("MAT-101", "Cálculo", nota=None),)).replace(b"<Aprovado/>", b"<NotaAteCem>87</NotaAteCem><Aprovado/>")
    assert decode_historico(hundred, {}, None).courses[0]["nota"] == 87.0
