"""Policy overrides: a request may tighten or loosen the resolved policy, visibly.

Every field of `Policy` but its `version` can be overridden (derived from the dataclass, so a
new policy field is overridable, and recorded, without touching this module). What was
overridden, and the hash of the policy that was actually applied, travel with the decision.
"""

from __future__ import annotations

import dataclasses
import hashlib
from typing import Any

from core.domain.audit import canonical_json
from core.domain.errors import InvalidInput
from core.domain.model import Policy
from core.domain.records import Role

OVERRIDABLE_FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(Policy) if f.name != "version")


@dataclasses.dataclass(frozen=True, slots=True)
class AppliedPolicy:
    """The policy a decision was made with, and what a request changed in the resolved one."""

    policy: Policy
    overridden: dict[str, Any]  # dotted field name -> value applied, e.g. {"weights.nivel": 0.0}

    @property
    def sha256(self) -> str:
        return policy_sha256(self.policy)


def apply_overrides(policy: Policy, overrides: dict[str, Any] | None) -> Policy:
    """The resolved policy with the request's explicit (non-null) fields replacing its own."""
    return resolve_overrides(policy, overrides).policy


def resolve_overrides(policy: Policy, overrides: dict[str, Any] | None) -> AppliedPolicy:
    """Apply the explicit fields of `overrides`; an unknown field is an error, never ignored."""
    changes, overridden = _changes(policy, overrides or {}, "")
    return AppliedPolicy(dataclasses.replace(policy, **changes) if changes else policy, overridden)


def check_thresholds(policy: Policy, field_prefix: str = "") -> Policy:
    """Complementação is the lower bar: above deferir it would make a score DEFERIDO that a
    coordinator's own table sends to review, so such a policy is refused, never stored or applied.

    `field_prefix` places the field in the caller's input (`policy.` for a request's overrides)."""
    if policy.min_score_complemento > policy.min_score_deferir:
        raise InvalidInput(
            f"min_score_complemento ({policy.min_score_complemento:g}) must not exceed "
            f"min_score_deferir ({policy.min_score_deferir:g})",
            field=f"{field_prefix}min_score_complemento",
        )
    return policy


def has_overrides(overrides: dict[str, Any] | None) -> bool:
    """Does the request change any policy field (a `policy` of nulls changes nothing)?"""
    return bool(resolve_overrides(Policy(), overrides).overridden)


def policy_sha256(policy: Policy) -> str:
    """A stable fingerprint of every field of the policy (version included), as canonical JSON."""
    return hashlib.sha256(canonical_json(dataclasses.asdict(policy)).encode()).hexdigest()


def _changes(base: Any, overrides: dict[str, Any], prefix: str) -> tuple[dict[str, Any], dict[str, Any]]:
    names = {f.name for f in dataclasses.fields(base)} - ({"version"} if isinstance(base, Policy) else set())
    unknown = sorted(set(overrides) - names)
    if unknown:
        raise InvalidInput(f"unknown policy field(s): {', '.join(prefix + name for name in unknown)}")
    changes: dict[str, Any] = {}
    overridden: dict[str, Any] = {}
    for name in sorted(overrides):
        value, current = overrides[name], getattr(base, name)
        if value is None:
            continue
        if dataclasses.is_dataclass(current) and not isinstance(current, type):
            if not isinstance(value, dict):
                raise InvalidInput(f"policy field {prefix}{name} must be an object")
            inner, inner_overridden = _changes(current, value, f"{prefix}{name}.")
            if inner:
                changes[name] = dataclasses.replace(current, **inner)
                overridden.update(inner_overridden)
            continue
        value = _like(current, value)
        changes[name] = value
        overridden[prefix + name] = value
    return changes, overridden


def _like(current: Any, value: Any) -> Any:
    """An integral number given for a float field is that float (60 and 60.0 hash the same)."""
    if isinstance(current, float) and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def may_override(role: str | None, tenant_allows: bool) -> bool:
    """An institution's policy is overruled per request by its admins, or by its clients only
    when the institution chose to allow it (a platform must not lower the bar on its own)."""
    return role == Role.ADMIN.value or tenant_allows
