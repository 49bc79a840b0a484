"""Bodies the admin curriculum routes answer with (the import document is adapters/curricula/document.py)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

import msgspec


class CurriculumUnitOut(msgspec.Struct, kw_only=True):
    codigo: str
    nome: str
    tipo: str
    carga_horaria: float
    unidade_carga: Literal["hora_relogio", "hora_aula"]
    minutos_hora_aula: int | None
    clock_hours: float
    ementa: list[str]
    fase: str | None
    pre_requisitos: list[str]
    equivalencias: list[list[str]]


class CurriculumOut(msgspec.Struct, kw_only=True):
    version: str
    status: Literal["active", "deprecated"]
    is_default: bool
    created_at: dt.datetime
    unit_count: int
    clock_hours: float
    nome_curso: str | None
    codigo_curriculo: str | None
    source_format: Literal["json", "csv", "xml"]
    signature_present: bool | None  # MEC XML only: a ds:Signature was present (never verified)


class CurriculumDetailOut(CurriculumOut, kw_only=True):
    units: list[CurriculumUnitOut] | None = None  # with ?full=true: the JSON import document's units
