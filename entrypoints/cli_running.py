"""How a CLI command runs its use cases: on a current schema, in one container, with domain errors
turned into a message on stderr and an exit code."""

from __future__ import annotations

import sys
from collections.abc import Callable

from adapters.persistence.migrate import schema_problem
from core.domain.errors import DomainError, InvalidInput, NotFound
from entrypoints.container import Container, build_container
from entrypoints.settings import Settings


def require_current_schema(settings: Settings) -> None:
    """Every command that reads or writes the database starts here: on a schema behind head (an empty
    database, seed before migrate) or ahead of it (a newer release migrated it), one line that says
    which and what to do, exit 1; never a traceback from a missing table."""
    problem = schema_problem(settings.database.url)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        raise SystemExit(1)


def container_on_current_schema(settings: Settings, *, tenant: str | None = None) -> Container:
    """The container of a command that uses the database, once require_current_schema passed.

    With a tenant (the command's --tenant), that tenant must exist: a typo in an operator's
    --tenant prints `error: tenant 'x' not found` and exits 1, never an empty, reassuring answer."""
    require_current_schema(settings)
    container = build_container(settings)
    if tenant is not None and not tenant_known(container, tenant):
        container.adapters.engine().dispose()
        raise SystemExit(1)
    return container


def tenant_known(container: Container, tenant_id: str) -> bool:
    """Whether the tenant exists; if not, `error: tenant 'x' not found` is printed."""
    try:
        container.use_cases.tenant_admin().get(tenant_id)
    except NotFound as exc:
        print(f"error: {exc}", file=sys.stderr)
        return False
    return True


def run_on_container(settings: Settings, action: Callable[[Container], int], *, tenant: str | None = None) -> int:
    """The action's exit code; 2 for bad input, 1 for any other domain error (unknown id, conflict,
    a revoked key, a forbidden transition), an unknown tenant or a schema that is not at head."""
    container = container_on_current_schema(settings, tenant=tenant)
    try:
        return action(container)
    except InvalidInput as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except DomainError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        container.adapters.engine().dispose()
