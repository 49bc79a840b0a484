"""Who did an admin action, as audit payloads name it: `{"actor": ...}`, never a secret."""

from __future__ import annotations

from typing import Any

from core.domain.records import Principal

Actor = dict[str, Any]


def cli_actor() -> Actor:
    """An operator at the `equivalence` command line (the shell account is the accountable party)."""
    return {"cli": True}


def principal_actor(principal: Principal) -> Actor:
    """An HTTP caller: the id and role of the key it authenticated with (never the key)."""
    return {"key_id": principal.key_id, "role": principal.role.value}
