"""Tenant ids: short, printable, and never in the service's reserved namespace.

Ids starting with "_" are reserved for the service's own audit chains (see
`core.domain.auth_failures.UNRESOLVED_TENANT`), so no tenant can ever own or read them.
"""

from __future__ import annotations

import enum
import re

from core.domain.errors import InvalidInput

_TENANT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
NAME_MAX_LENGTH = 200


class AnyTenant(enum.Enum):
    """Whichever tenant: the operator's scope on the command line, said explicitly (never a None)."""

    ANY = "any"


ANY_TENANT = AnyTenant.ANY


def tenant_filter(tenant_id: str | AnyTenant) -> str | None:
    """The repositories' filter for a scope: one tenant's rows, or (None) every tenant's."""
    return None if isinstance(tenant_id, AnyTenant) else tenant_id


def check_tenant_id(tenant_id: str) -> str:
    """Letters, digits, '.', '_' or '-', at most 64, not starting with '_' (reserved)."""
    if not _TENANT_ID.fullmatch(tenant_id):
        raise InvalidInput(
            f"invalid tenant id {tenant_id!r}: use 1-64 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit",
            field="tenant_id",
        )
    return tenant_id


def check_name(name: str, what: str) -> str:
    """A human-readable label: trimmed, 1 to 200 characters, no control characters."""
    trimmed = name.strip()
    if not trimmed or len(trimmed) > NAME_MAX_LENGTH or any(ord(c) < 32 or ord(c) == 127 for c in trimmed):
        raise InvalidInput(f"{what} name must have 1 to {NAME_MAX_LENGTH} characters and no control characters", field="name")
    return trimmed
