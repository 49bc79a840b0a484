"""The stored/returned JSON document of an evaluation (the EvaluateResponse of SPEC §4)."""

from __future__ import annotations

from typing import Any

from core.domain.model import Evaluation


def evaluation_document(
    request_id: str,
    evaluation: Evaluation,
    timings_ms: dict[str, float],
    meta: dict[str, Any],
    return_evidence: bool,
    *,
    rules_version: str,
    policy_override: dict[str, Any] | None,
) -> dict[str, Any]:
    """`policy_override` is None unless a request changed the resolved policy (ADR 0013)."""
    covered = [
        {
            "node_id": c.node_id,
            "conceito": c.conceito,
            "weight": c.weight,
            "confidence": c.confidence,
            "evidence": list(c.evidence) if return_evidence else [],
        }
        for c in evaluation.covered
    ]
    missing = [_missing(m) for m in evaluation.missing]
    missing_critical = [_missing(m) for m in evaluation.missing_critical]
    return {
        "request_id": request_id,
        "decisao": evaluation.decisao.value,
        "score": evaluation.score,
        "breakdown": {
            "cobertura": evaluation.breakdown.cobertura,
            "cobertura_critica": evaluation.breakdown.cobertura_critica,
            "penalidade_nivel": evaluation.breakdown.penalidade_nivel,
            "cobertura_topicos": evaluation.breakdown.cobertura_topicos,
            "cobertura_vocabulario": evaluation.breakdown.cobertura_vocabulario,
        },
        "motivo_revisao": evaluation.motivo_revisao.value if evaluation.motivo_revisao else None,
        "topicos": _topics(evaluation, return_evidence),
        "leitura": _reading(evaluation),
        "hard_rules": [
            {"rule": r.rule, "ok": r.ok, "details": r.details} for r in evaluation.hard_rules
        ],
        "faltantes": [m.conceito for m in evaluation.missing],
        "criticos_faltantes": [m.conceito for m in evaluation.missing_critical],
        "justificativa_curta": evaluation.justificativa_curta,
        "justificativa_detalhada": evaluation.justificativa_detalhada,
        "evidence": {
            "covered_concepts": covered,
            "missing_concepts": missing,
            "missing_critical_concepts": missing_critical,
        },
        "degraded_mode": evaluation.degraded_mode,
        "model_version": evaluation.model_version,
        "policy_version": evaluation.policy_version,
        "taxonomy_version": evaluation.taxonomy_version,
        "rules_version": rules_version,
        "policy_override": policy_override,
        "timings_ms": timings_ms,
        "meta": meta,
    }


def _topics(evaluation: Evaluation, return_evidence: bool) -> dict[str, Any] | None:
    """The destino's topics: covered (with the origem's excerpt) and missing, in its own words."""
    if evaluation.reading is None:
        return None
    topics = evaluation.reading.topics
    return {
        "cobertura": evaluation.breakdown.cobertura_topicos,
        "cobertos": [
            {
                "topico": t.topico,
                "similaridade": t.similaridade,
                "trecho_origem": t.trecho_origem if return_evidence else None,
            }
            for t in topics.covered
        ],
        "parciais": [{"topico": t.topico, "similaridade": t.similaridade} for t in topics.partial],
        "faltantes": [t.topico for t in topics.missing],
        "matcher_version": topics.matcher_version,
    }


def _reading(evaluation: Evaluation) -> dict[str, Any] | None:
    """What was read: the languages and what hygiene set aside (bibliography, negated topics)."""
    reading = evaluation.reading
    if reading is None:
        return None
    return {
        "idioma_origem": reading.idioma_origem,
        "idioma_destino": reading.idioma_destino,
        "desconsiderado_origem": list(reading.origem.set_aside),
        "desconsiderado_destino": list(reading.destino.set_aside),
    }


def _missing(m: Any) -> dict[str, Any]:
    return {"node_id": m.node_id, "conceito": m.conceito, "critico": m.critico, "weight": m.weight}
