"""A histórico as CSV (UTF-8, comma or semicolon separated, a header row) → the `historico` courses
of POST /v1/cases, as plain values: the case body's own types (dto_cases.CaseCourseIn) then check
every field, exactly as for JSON.

Columns are the course's fields: `codigo`, `nome`, `carga_horaria` (required), and `ementa`,
`instituicao`, `unidade_carga`, `minutos_hora_aula`, `nota`, `conceito`, `status`, `aprovado`,
`periodo`, `ano`. A number may use a decimal comma; `aprovado` is sim/não (or true/false); an
empty cell is an absent field. Unknown columns are refused, naming them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from adapters.curricula.document import CurriculumFormatError

COLUMNS = (
    "codigo", "nome", "carga_horaria", "ementa", "instituicao", "unidade_carga", "minutos_hora_aula",
    "nota", "conceito", "status", "aprovado", "periodo", "ano",
)
REQUIRED = ("codigo", "nome", "carga_horaria")
YES = {"sim": True, "s": True, "true": True, "1": True, "não": False, "nao": False, "n": False, "false": False, "0": False}


@dataclass(frozen=True)
class CsvHistorico:
    courses: list[dict[str, Any]]
    lines: list[int]  # the file line of each course, to name it in an error


def _number(text: str) -> float:
    return float(text.replace(",", "."))


def _approved(text: str) -> bool:
    return YES[text.lower()]


CONVERT: dict[str, Callable[[str], Any]] = {
    "carga_horaria": _number, "nota": _number, "minutos_hora_aula": int, "ano": int, "aprovado": _approved,
}
EXPECTED = {"carga_horaria": "um número", "nota": "um número", "minutos_hora_aula": "um número inteiro",
            "ano": "um ano (número inteiro)", "aprovado": "sim ou não"}


def decode_historico_csv(text: str) -> CsvHistorico:
    """The courses of the CSV; raises CurriculumFormatError naming the line and column at fault."""
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise CurriculumFormatError("historico", "arquivo CSV vazio")
    first = text.split("\n", 1)[0]
    reader = csv.DictReader(io.StringIO(text), delimiter=";" if first.count(";") > first.count(",") else ",")
    header = [(name or "").strip() for name in reader.fieldnames or []]
    unknown = sorted(set(header) - set(COLUMNS))
    if unknown:
        raise CurriculumFormatError("historico", f"linha 1: colunas desconhecidas: {', '.join(unknown)} (aceitas: {', '.join(COLUMNS)})")
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise CurriculumFormatError("historico", f"linha 1: faltam as colunas: {', '.join(missing)}")
    courses, lines = [], []
    try:
        for raw in reader:
            row = {(k or "").strip(): (v or "").strip() for k, v in raw.items() if k is not None}
            if any(row.values()):
                courses.append(_course(row, reader.line_num))
                lines.append(reader.line_num)
    except csv.Error as exc:
        raise CurriculumFormatError("historico", f"linha {reader.line_num}: CSV mal formado: {exc}") from None
    if not courses:
        raise CurriculumFormatError("historico", "nenhuma disciplina no arquivo")
    return CsvHistorico(courses, lines)


def _course(row: dict[str, str], line: int) -> dict[str, Any]:
    course: dict[str, Any] = {}
    for name, value in row.items():
        if not value:
            continue
        try:
            course[name] = CONVERT[name](value) if name in CONVERT else value
        except (ValueError, KeyError):
            raise CurriculumFormatError("historico", f"linha {line}, coluna {name}: {value!r} não é {EXPECTED[name]}") from None
    return course
