"""The catalog of versions: names, status, and what an admin may do with a version.

Taxonomy and policy versions are immutable once stored (a change is a new version), so a
stored decision can always be explained by the exact versions it names. A taxonomy version
can be deprecated: retired from new use, kept for every result that already names it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from core.domain.actors import cli_actor
from core.domain.errors import InvalidVersionName
from core.domain.model import Policy, Taxonomy

ACTIVE = "active"
DEPRECATED = "deprecated"
VERSION_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,99}$"
CLI_ACTOR = cli_actor()  # an admin action run from the command line (core/domain/actors.py)


@dataclass(frozen=True, slots=True)
class VersionInfo:
    """What the catalog knows of one version, as one tenant sees it."""

    version: str
    shared: bool
    status: str
    created_at: dt.datetime
    concepts: int | None = None  # taxonomies only

    @property
    def deprecated(self) -> bool:
        return self.status == DEPRECATED


def check_version_name(kind: str, version: str) -> None:
    """A version name must be usable as one URL path segment (admin routes address it)."""
    if not re.match(VERSION_PATTERN, version):
        raise InvalidVersionName(
            f"{kind} version {version!r} must be 1-100 letters, digits, '.', '_', ':' or '-', starting with a letter or digit"
        )


def same_taxonomy(a: Taxonomy, b: Taxonomy) -> bool:
    """Equal content, whatever the order the nodes were listed in."""
    return sorted(a.nodes, key=lambda n: n.node_id) == sorted(b.nodes, key=lambda n: n.node_id)


def same_policy(a: Policy, b: Policy) -> bool:
    return a == b


def exists_message(kind: str, version: str, identical: bool) -> str:
    """Why a name can't be stored again: it is either a no-op or a silent change of a used version."""
    if identical:
        return f"{kind} version '{version}' already exists with the same content; nothing to do"
    return (
        f"{kind} version '{version}' already exists with different content; stored versions are "
        "immutable: create the change as a new version"
    )


def why_not_deprecate(info: VersionInfo, default_version: str | None, bound_courses: Sequence[str]) -> str | None:
    """Deprecation retires a version from new use; it must never strand what a tenant uses now."""
    if info.shared:
        return f"taxonomy version '{info.version}' is shared by every tenant; one tenant cannot deprecate it"
    if info.version == default_version:
        return (
            f"taxonomy version '{info.version}' is the tenant's active default; "
            "activate another version before deprecating it"
        )
    if bound_courses:
        courses = ", ".join(sorted(bound_courses)[:10])
        return f"taxonomy version '{info.version}' is bound to course(s) {courses}; rebind them before deprecating it"
    return None


def deprecated_message(version: str) -> str:
    return (
        f"taxonomy_version '{version}' is deprecated: results stored with it stay readable, "
        "but new decisions, bindings and activations may not use it"
    )
