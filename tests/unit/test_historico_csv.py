"""The histórico CSV reader of the console's *Caso* (ADR 0036): cells → the course fields of
POST /v1/cases, every refusal naming its line and column."""

from __future__ import annotations

import pytest

from adapters.curricula.document import CurriculumFormatError
from adapters.curricula.historico_csv import decode_historico_csv


def test_cells_become_the_course_fields_and_empty_cells_are_absent() -> None:
    text = (
        "\ufeffcodigo;nome;carga_horaria;ementa;nota;aprovado;ano\n"
        'MAT1;Cálculo I;60;"Limites.\nDerivadas.";8,5;sim;2021\n'
        "FIS1;Física I;67,5;;;não;\n"
        ";;;;;;\n"
    )
    read = decode_historico_csv(text)
    assert read.courses == [
        {"codigo": "MAT1", "nome": "Cálculo I", "carga_horaria": 60.0, "ementa": "Limites.\nDerivadas.", "nota": 8.5, "aprovado": True, "ano": 2021},
        {"codigo": "FIS1", "nome": "Física I", "carga_horaria": 67.5, "aprovado": False},
    ]
    assert read.lines == [3, 4]  # the quoted ementa spans lines 2 and 3


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("codigo,nome,carga_horaria\nA,B,sessenta\n", "linha 2, coluna carga_horaria: 'sessenta' não é um número"),
        ("codigo,nome,carga_horaria,aprovado\nA,B,60,talvez\n", "linha 2, coluna aprovado: 'talvez' não é sim ou não"),
        ("codigo,nome,carga_horaria,cor\nA,B,60,azul\n", "linha 1: colunas desconhecidas: cor"),
        ("codigo,nome\nA,B\n", "linha 1: faltam as colunas: carga_horaria"),
        ("codigo,nome,carga_horaria\n", "nenhuma disciplina no arquivo"),
        ("  \n", "arquivo CSV vazio"),
    ],
)
def test_a_refusal_names_the_line_and_column(text: str, said: str) -> None:
    with pytest.raises(CurriculumFormatError) as refused:
        decode_historico_csv(text)
    assert said in str(refused.value)
