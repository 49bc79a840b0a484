"""Lookup rules shared by the versioned tables (taxonomies, policies).

A version is either a tenant's own or shared (stored under SHARED_TENANT). A tenant sees
both, and its own version wins when both use the same name.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, case, select
from sqlalchemy.orm import Session

from adapters.persistence.sqla_models import SHARED_TENANT


def stored_tenant(tenant_id: str | None) -> str:
    """The value kept in the tenant_id column: None (shared by every tenant) becomes ''."""
    return SHARED_TENANT if tenant_id is None else tenant_id


def visible_version(row_class: Any, tenant_id: str, version: str) -> Select[Any]:
    """The row a tenant sees for `version`: its own first, else the shared one."""
    own_first = case((row_class.tenant_id == SHARED_TENANT, 1), else_=0)
    return (
        select(row_class)
        .where(row_class.version == version, row_class.tenant_id.in_((tenant_id, SHARED_TENANT)))
        .order_by(own_first)
        .limit(1)
    )


def visible_versions(session: Session, row_class: Any, tenant_id: str) -> list[str]:
    """Every version name a tenant can use, in the order they were created, without repeats."""
    names = session.scalars(
        select(row_class.version)
        .where(row_class.tenant_id.in_((tenant_id, SHARED_TENANT)))
        .order_by(row_class.created_at, row_class.id)
    )
    return list(dict.fromkeys(names))


def visible_rows(row_class: Any, tenant_id: str) -> Select[Any]:
    """Every row a tenant can see (its own and the shared ones), oldest first."""
    return (
        select(row_class)
        .where(row_class.tenant_id.in_((tenant_id, SHARED_TENANT)))
        .order_by(row_class.created_at, row_class.id)
    )


def version_taken(session: Session, row_class: Any, tenant_id: str | None, version: str) -> bool:
    """A name is taken if a tenant could already see a version by that name.

    A tenant's own version may not shadow a shared one (the same name would then mean two
    things over time), and a new shared version may not shadow any tenant's own.
    """
    owners = select(row_class.id).where(row_class.version == version)
    if tenant_id is not None:
        owners = owners.where(row_class.tenant_id.in_((tenant_id, SHARED_TENANT)))
    return session.scalar(owners.limit(1)) is not None
