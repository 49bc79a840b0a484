"""CSV curricula: one row per unit, a header row naming the columns.

Columns (header names, any order; `codigo`, `nome` and `carga_horaria` are required):

| column | meaning |
|---|---|
| codigo | unit code (letters, digits, `-`, `.`) |
| nome | unit name |
| tipo | Disciplina (default), Módulo, Atividade, Estágio, TCC / Trabalho de Conclusão de Curso, Monografia, Artigo, Projeto, Produto, Atividade Complementar, Atividade de Extensão |
| carga_horaria | workload (decimal point `.`) |
| unidade_carga | `hora_relogio` (default) or `hora_aula` |
| minutos_hora_aula | minutes of one hora-aula (1–120), required with `hora_aula` |
| fase | phase or semester, free text |
| ementa | ementa items separated by `|` |
| pre_requisitos | unit codes separated by `|` |
| equivalencias | groups separated by `|`, codes of one group joined by `+`: `A+B|C` = (A and B) or C |

UTF-8 (a BOM is fine); `,` or `;` as the delimiter (taken from the header line). Empty cells
take the default. Errors name the unit path (`units[2].carga_horaria`) and the CSV line.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from adapters.curricula.document import CurriculumFormatError, document_to_curriculum
from core.domain.curriculum import Curriculum

COLUMNS = (
    "codigo", "nome", "tipo", "carga_horaria", "unidade_carga", "minutos_hora_aula",
    "fase", "ementa", "pre_requisitos", "equivalencias",
)
REQUIRED = ("codigo", "nome", "carga_horaria")
_LISTS = ("ementa", "pre_requisitos")


def decode_csv(body: bytes, version: str) -> Curriculum:
    """CSV bytes → Curriculum named `version`; raises CurriculumFormatError naming the cell."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CurriculumFormatError("body", f"CSV must be UTF-8: {exc}") from None
    header_line = text.split("\n", 1)[0]
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        rows = [row for row in reader]
    except csv.Error as exc:
        raise CurriculumFormatError("body", f"invalid CSV: {exc}") from None
    if not rows:
        raise CurriculumFormatError("body", "empty CSV: a header row and one row per unit are expected")
    header = [name.strip().lower() for name in rows[0]]
    _check_header(header)
    units: list[dict[str, Any]] = []
    lines: list[int] = []
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header):
            raise CurriculumFormatError(f"units[{len(units)}]", f"CSV line {line}: {len(row)} cells for {len(header)} columns")
        units.append(_unit(dict(zip(header, row))))
        lines.append(line)
    try:
        return document_to_curriculum({"version": version, "units": units}, "csv")
    except CurriculumFormatError as exc:
        raise CurriculumFormatError(exc.field, _with_line(exc, lines)) from None


def _check_header(header: list[str]) -> None:
    unknown = [name for name in header if name not in COLUMNS]
    if unknown:
        raise CurriculumFormatError("header", f"unknown CSV column(s) {unknown}; known: {', '.join(COLUMNS)}")
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise CurriculumFormatError("header", f"missing CSV column(s) {missing}")


def _unit(cells: dict[str, str]) -> dict[str, Any]:
    unit: dict[str, Any] = {}
    for name, raw in cells.items():
        value = raw.strip()
        if not value:
            continue
        if name in _LISTS:
            unit[name] = [item.strip() for item in value.split("|") if item.strip()]
        elif name == "equivalencias":
            unit[name] = [[c.strip() for c in group.split("+") if c.strip()] for group in value.split("|") if group.strip()]
        elif name in ("carga_horaria", "minutos_hora_aula"):
            unit[name] = _number(value)
        else:
            unit[name] = value
    return unit


def _number(value: str) -> float | int | str:
    """A number when it reads as one; otherwise the text, so the 422 says what was expected."""
    try:
        number = float(value)
    except ValueError:
        return value
    return int(number) if number.is_integer() else number


def _with_line(exc: CurriculumFormatError, lines: list[int]) -> str:
    if exc.field.startswith("units["):
        index = int(exc.field[len("units[") : exc.field.index("]")])
        if index < len(lines):
            return f"CSV line {lines[index]}: {exc}"
    return str(exc)
