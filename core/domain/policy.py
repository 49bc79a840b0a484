"""Policy overrides: a request may tighten or loosen the resolved policy, visibly."""

from __future__ import annotations

import dataclasses
from typing import Any

from core.domain.model import Policy, Weights

_SCALAR_FIELDS = (
    "min_score_deferir",
    "min_score_complemento",
    "tolerancia_carga",
    "exigir_criticos",
    "max_anos_validade",
    "confidence_cutoff",
    "aprovacao_nao_informada",
)


def apply_overrides(policy: Policy, overrides: dict[str, Any] | None) -> Policy:
    """The resolved policy with the request's explicit fields replacing its own."""
    if not overrides:
        return policy
    changes = {name: overrides[name] for name in _SCALAR_FIELDS if overrides.get(name) is not None}
    weights = overrides.get("weights")
    if weights:
        changes["weights"] = dataclasses.replace(
            policy.weights, **{k: v for k, v in weights.items() if v is not None}
        )
    return dataclasses.replace(policy, **changes)


def policy_to_dict(policy: Policy) -> dict[str, Any]:
    return dataclasses.asdict(policy)


def policy_from_dict(version: str, document: dict[str, Any]) -> Policy:
    fields = {k: document[k] for k in _SCALAR_FIELDS if k in document}
    weights = Weights(**document.get("weights", {}))
    return Policy(version=version, weights=weights, **fields)
