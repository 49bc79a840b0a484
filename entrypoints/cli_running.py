"""How a CLI command runs its use cases: on a current schema, in one container, with domain errors
turned into a message on stderr and an exit code."""

from __future__ import annotations

import sys
from collections.abc import Callable

from adapters.persistence.migrate import schema_problem
from core.domain.errors import DomainError, InvalidInput
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


def container_on_current_schema(settings: Settings) -> Container:
    """The container of a command that uses the database, once require_current_schema passed."""
    require_current_schema(settings)
    return build_container(settings)


def run_on_container(settings: Settings, action: Callable[[Container], int]) -> int:
    """The action's exit code; 2 for bad input, 1 for any other domain error (unknown id, conflict,
    a revoked key, a forbidden transition) or a schema that is not at head."""
    container = container_on_current_schema(settings)
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
