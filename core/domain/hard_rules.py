"""Hard rules: the checks a coordinator makes before reading a single syllabus line.

A failed blocking rule rejects the request outright, without calling any mapper.
"""

from __future__ import annotations

import datetime as dt

from core.domain.model import Course, HardRuleResult, Policy
from core.domain.workload import hours_text


def input_minimo(origem: Course, destino: Course) -> HardRuleResult:
    """Without both ementas there is nothing to compare."""
    ok = bool(origem.ementa.strip()) and bool(destino.ementa.strip())
    details = "ementas de origem e destino presentes" if ok else "ementa de origem ou destino ausente"
    return HardRuleResult("input_minimo", ok, details)


APPROVAL_REVIEW = "revisao"
APPROVAL_BLOCKS = "bloqueia"


def aprovacao(origem: Course, policy: Policy) -> HardRuleResult:
    """Only a course the student passed can be used for aproveitamento.

    Absent means unknown, never passed: the policy says whether that blocks or sends the
    pair to a person (then it is recorded here as a non-blocking rule that did not hold).
    """
    if origem.aprovado is None:
        blocks = policy.aprovacao_nao_informada == APPROVAL_BLOCKS
        return HardRuleResult("aprovacao", False, "aprovação não informada", blocking=blocks)
    ok = origem.aprovado
    details = "disciplina de origem aprovada" if ok else "disciplina de origem não foi aprovada"
    return HardRuleResult("aprovacao", ok, details)


def approval_unknown(rules: tuple[HardRuleResult, ...]) -> bool:
    return any(r.rule == "aprovacao" and not r.ok and not r.blocking for r in rules)


def minimum_workload(destino: Course, policy: Policy) -> float:
    """Clock hours the origem needs: the destino's clock hours less the policy's tolerance."""
    return destino.workload.clock_hours() * policy.tolerancia_carga


def _meets(origem: Course, minimum: float) -> bool:
    return origem.workload.clock_hours() >= minimum - 1e-9


def carga_horaria(origem: Course, destino: Course, policy: Policy) -> HardRuleResult:
    """The origem must have at least the destino's clock hours, less the policy's tolerance."""
    minimum = minimum_workload(destino, policy)
    details = (
        f"origem {origem.workload.describe()}, destino {destino.workload.describe()}, "
        f"mínimo exigido {hours_text(minimum)}h (tolerância {policy.tolerancia_carga:g})"
    )
    return HardRuleResult("carga_horaria", _meets(origem, minimum), details)


def validade_temporal(origem: Course, policy: Policy, today: dt.date) -> HardRuleResult:
    """A course passed too long ago may be outdated, when the policy sets a limit."""
    if policy.max_anos_validade is None or origem.ano_conclusao is None:
        return HardRuleResult("validade_temporal", True, "sem limite de validade aplicável")
    age = today.year - origem.ano_conclusao
    ok = age <= policy.max_anos_validade
    details = f"concluída há {age} ano(s); limite {policy.max_anos_validade}"
    return HardRuleResult("validade_temporal", ok, details)


def nivel(origem: Course, destino: Course) -> HardRuleResult:
    """Levels are recorded, not blocking: a level gap is priced in the score instead."""
    if origem.nivel is None or destino.nivel is None:
        return HardRuleResult("nivel", True, "nível não informado", blocking=False)
    ok = origem.nivel.rank >= destino.nivel.rank
    details = f"origem {origem.nivel.value}, destino {destino.nivel.value}"
    return HardRuleResult("nivel", ok, details, blocking=False)


def hard_rules(origem: Course, destino: Course, policy: Policy, today: dt.date) -> tuple[HardRuleResult, ...]:
    """Every hard rule, in the order they are reported."""
    return (
        input_minimo(origem, destino),
        aprovacao(origem, policy),
        carga_horaria(origem, destino, policy),
        validade_temporal(origem, policy, today),
        nivel(origem, destino),
    )


def failed_blocking(results: tuple[HardRuleResult, ...]) -> tuple[HardRuleResult, ...]:
    return tuple(r for r in results if r.blocking and not r.ok)


def is_borderline_workload(origem: Course, destino: Course, policy: Policy) -> bool:
    """Below the destino's workload but within tolerance: acceptable, not automatically."""
    return _meets(origem, minimum_workload(destino, policy)) and not _meets(origem, destino.workload.clock_hours())
