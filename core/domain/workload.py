"""Workload units: a `carga_horaria` in clock hours (hora-relógio) or class hours (hora-aula).

Brazilian curricula often count hora-aula of 50 minutes (MEC's Currículo Escolar Digital
declares `MinutosRelogioDaHoraAula`): 72 h/a of 50 minutes are 60 clock hours. Every rule
compares clock hours; texts show what the caller sent and its clock-hour value.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class WorkloadUnit(str, enum.Enum):
    HORA_RELOGIO = "hora_relogio"
    HORA_AULA = "hora_aula"


MIN_MINUTES, MAX_MINUTES = 1, 120


class InvalidWorkload(ValueError):
    """A workload whose unit cannot be converted to clock hours."""


@dataclass(frozen=True, slots=True)
class Workload:
    """An amount in its unit; `minutos_hora_aula` is required (and only meaningful) for hora-aula."""

    amount: float
    unit: WorkloadUnit = WorkloadUnit.HORA_RELOGIO
    minutos_hora_aula: int | None = None

    def __post_init__(self) -> None:
        if self.amount < 0:
            raise InvalidWorkload("carga_horaria must not be negative")
        if self.unit is WorkloadUnit.HORA_AULA:
            if self.minutos_hora_aula is None:
                raise InvalidWorkload("minutos_hora_aula is required when unidade_carga is hora_aula")
            if not MIN_MINUTES <= self.minutos_hora_aula <= MAX_MINUTES:
                raise InvalidWorkload(f"minutos_hora_aula must be between {MIN_MINUTES} and {MAX_MINUTES}")

    def clock_hours(self) -> float:
        """Hours of 60 minutes: what every workload rule compares."""
        if self.unit is WorkloadUnit.HORA_AULA:
            assert self.minutos_hora_aula is not None  # checked in __post_init__
            return self.amount * self.minutos_hora_aula / 60
        return float(self.amount)

    def describe(self) -> str:
        """`60h` for clock hours, `72 h/a de 50 min = 60h` for class hours."""
        if self.unit is WorkloadUnit.HORA_AULA:
            return f"{hours_text(self.amount)} h/a de {self.minutos_hora_aula} min = {hours_text(self.clock_hours())}h"
        return f"{hours_text(self.amount)}h"


def hours_text(hours: float) -> str:
    """At most two decimals, no trailing zeros: 60, 66.67, 0.5."""
    return f"{round(hours, 2):g}"
