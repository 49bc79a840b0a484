"""Curriculum documents: JSON and CSV decoding, and MEC Currículo XML against the official XSDs.

There is no public Currículo sample: tests/support/curriculum_documents.py builds one from the schema,
and each invalid case changes one element of it.
"""

from __future__ import annotations

import pytest

from adapters.curricula.csv_format import decode_csv
from adapters.http.routes_curricula import decode_json_strictly
from adapters.curricula.document import CurriculumFormatError, curriculum_to_dict, document_to_curriculum
from adapters.curricula.mec_xml import decode_xml
from core.domain.curriculum import UnitType
from core.domain.workload import Workload, WorkloadUnit
from tests.support.curriculum_documents import UNITS, XmlUnit, curriculo_xml

UNIT_PATH = "CurriculoEscolar/infCurriculoEscolar/infEstruturaCurricular/UnidadeCurricular"


def test_valid_xml_becomes_a_curriculum_with_hora_aula_units() -> None:
    curriculum = decode_xml(curriculo_xml())
    assert curriculum.version == curriculum.codigo_curriculo == "CCO-2024.1"
    assert curriculum.signature_present is True and curriculum.source_format == "xml"
    first, second, tcc = curriculum.units
    assert first.workload == Workload(72, WorkloadUnit.HORA_AULA, 50) and first.workload.clock_hours() == 60
    assert first.ementa == UNITS[0].ementa and first.fase == "1"
    assert second.pre_requisitos == ("INE5401",) and second.equivalencias == (("OLD100", "OLD101"), ("OLD200",))
    assert tcc.tipo is UnitType.TCC and tcc.workload == Workload(108)


def test_unsigned_xml_is_validated_and_flagged() -> None:
    assert decode_xml(curriculo_xml(signed=False), "cco-draft").signature_present is False


def test_hora_relogio_decimals_are_kept() -> None:
    unit = XmlUnit("X1", "Seminário de Pesquisa", "66.67")
    assert decode_xml(curriculo_xml(units=(unit,))).units[0].workload == Workload(66.67)


def _problem(document: bytes, version: str | None = None) -> CurriculumFormatError:
    with pytest.raises(CurriculumFormatError) as raised:
        decode_xml(document, version)
    return raised.value


@pytest.mark.parametrize(
    ("old", "new", "field", "says"),
    [
        (b"<CargaHorariaEmHoraRelogio>60.00<", b"<CargaHorariaEmHoraRelogio>sessenta<", f"{UNIT_PATH}[1]/CargaHorariaEmHoraRelogio", "THoraRelogio"),
        (b"<CargaHorariaEmHoraRelogio>60.00<", b"<CargaHorariaEmHoraRelogio>60.005<", f"{UNIT_PATH}[1]/CargaHorariaEmHoraRelogio", "fractionDigits"),
        (b"<CargaHorariaEmHoraAula>72<", b"<CargaHorariaEmHoraAula>0<", f"{UNIT_PATH}[1]/CargaHorariaEmHoraAula", "'0'"),
        (b"<Tipo>Disciplina</Tipo>", b"<Tipo>Oficina</Tipo>", f"{UNIT_PATH}[1]/Tipo", "Oficina"),
        (b"<Codigo>INE5401</Codigo>", b"", f"{UNIT_PATH}[1]/Nome", "Expected is ( Codigo )"),
        (b"<MinutosRelogioDaHoraAula>50</MinutosRelogioDaHoraAula>", b"", "CurriculoEscolar/infCurriculoEscolar/DadosCurso", "MinutosRelogioDaHoraAula"),
        (b'versao="1.05"', b'versao="1.06"', "CurriculoEscolar/infCurriculoEscolar", "versao"),
    ],
)
def test_schema_errors_name_the_element_and_line(old: bytes, new: bytes, field: str, says: str) -> None:
    document = curriculo_xml()
    assert old in document
    problem = _problem(document.replace(old, new, 1))
    assert problem.field == field and says in str(problem) and str(problem).startswith("line ")


def test_every_schema_error_is_reported() -> None:
    document = curriculo_xml().replace(b"<Tipo>Disciplina</Tipo>", b"<Tipo>Oficina</Tipo>")
    assert [field for field, _ in _problem(document).problems] == [f"{UNIT_PATH}[1]/Tipo", f"{UNIT_PATH}[2]/Tipo"]


@pytest.mark.parametrize(
    ("document", "field", "says"),
    [
        (b"<CurriculoEscolar><a></CurriculoEscolar>", "body", "not well-formed"),
        (b"", "body", "not well-formed"),
        (b'<CurriculoEscolar xmlns="urn:other"/>', "CurriculoEscolar", "root element"),
        (b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>', "body", "DOCTYPE"),
        (curriculo_xml(minutos="150"), "CurriculoEscolar/infCurriculoEscolar/MinutosRelogioDaHoraAula", "150"),
        (curriculo_xml(codigo="Currículo 2024"), "version", "cannot name a version"),
    ],
    ids=["malformed", "empty", "namespace", "doctype", "minutes", "codigo"],
)
def test_documents_the_service_cannot_use(document: bytes, field: str, says: str) -> None:
    problem = _problem(document)
    assert problem.field == field and says in str(problem)


def test_the_schema_never_reaches_the_network() -> None:
    """An import of a remote schema would fail offline; a document cannot make the parser fetch one."""
    remote = b'<?xml version="1.0"?><!DOCTYPE r SYSTEM "http://127.0.0.1:9/x.dtd"><r/>'
    assert _problem(remote).field == "body"


CSV = (
    "codigo;nome;tipo;carga_horaria;unidade_carga;minutos_hora_aula;fase;ementa;pre_requisitos;equivalencias\n"
    "A1;Cálculo I;;72;hora_aula;50;1;Limites|Derivadas;;\n"
    "\n"
    "A2;Cálculo II;TCC;60.5;;;;;A1;X+Y|Z\n"
)


def test_csv_rows_become_units() -> None:
    curriculum = decode_csv(("\ufeff" + CSV).encode(), "csv-1")
    first, second = curriculum.units
    assert first.workload.clock_hours() == 60 and first.ementa == ("Limites", "Derivadas") and first.tipo is UnitType.DISCIPLINA
    assert second.workload == Workload(60.5) and second.tipo is UnitType.TCC
    assert second.pre_requisitos == ("A1",) and second.equivalencias == (("X", "Y"), ("Z",))


@pytest.mark.parametrize(
    ("body", "field", "says"),
    [
        ("codigo,nome,carga_horaria\nA1,Um,60\nA2,Dois,-1\n", "units[1].carga_horaria", "CSV line 3"),
        ("codigo,nome,carga_horaria,unidade_carga\nA1,Um,60,hora_aula\n", "units[0].minutos_hora_aula", "CSV line 2"),
        ("codigo,nome\nA1,Um\n", "header", "carga_horaria"),
        ("codigo,nome,carga_horaria,notas\nA1,Um,60,x\n", "header", "notas"),
        ("codigo,nome,carga_horaria\nA1,Um,60,extra\n", "units[0]", "4 cells"),
        ("", "body", "empty"),
        ("codigo,nome,carga_horaria\n", "units", "length >= 1"),
    ],
)
def test_csv_errors_name_the_cell(body: str, field: str, says: str) -> None:
    with pytest.raises(CurriculumFormatError) as raised:
        decode_csv(body.encode(), "csv-1")
    assert raised.value.field == field and says in str(raised.value)


def test_csv_must_be_utf8() -> None:
    with pytest.raises(CurriculumFormatError, match="UTF-8"):
        decode_csv("codigo,nome,carga_horaria\nA1,Cálculo,60\n".encode("latin-1"), "csv-1")


def test_json_document_round_trips() -> None:
    curriculum = decode_xml(curriculo_xml())
    document = curriculum_to_dict(curriculum)
    for unit in document["units"]:
        del unit["clock_hours"]  # shown, not read back
    assert document_to_curriculum(document, "xml", True) == curriculum


def test_json_version_may_come_from_outside() -> None:
    assert decode_json_strictly(b'{"units": [{"codigo": "A", "nome": "A", "carga_horaria": 1}]}', "given-1").version == "given-1"
    with pytest.raises(CurriculumFormatError) as raised:
        decode_json_strictly(b'{"version": "v", "units": [{"codigo": "A", "nome": "A", "carga_horaria": 1, "creditos": 4}]}')
    assert raised.value.field == "units[0].creditos" and "unknown field" in str(raised.value)


def test_json_lists_every_error_with_its_path_like_every_other_json_body() -> None:
    body = b'{"version": "v", "units": [{"codigo": "A", "nome": "A", "carga_horaria": "60"}, {"codigo": "B", "nome": ""}]}'
    with pytest.raises(CurriculumFormatError) as raised:
        decode_json_strictly(body)
    fields = [field for field, _ in raised.value.problems]
    assert fields == ["units[0].carga_horaria", "units[1].nome", "units[1].nome", "units[1].carga_horaria"]
    assert raised.value.problems[0] == ("units[0].carga_horaria", "expected number, got string")
    assert raised.value.problems[-1] == ("units[1].carga_horaria", "is required")
