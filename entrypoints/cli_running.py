"""How a CLI command runs its use cases: on a current schema, in one container, with domain errors
turned into a message on stderr and an exit code."""

from __future__ import annotations

import sys
from collections.abc import Callable

from adapters.persistence.migrate import schema_is_current
from core.domain.errors import DomainError, InvalidInput
from entrypoints.container import Container, build_container
from entrypoints.settings import Settings


def run_on_container(settings: Settings, action: Callable[[Container], int]) -> int:
    """The action's exit code; 2 for bad input, 1 for any other domain error (unknown id, conflict,
    a revoked key, a forbidden transition) or a schema behind the code's."""
    if not schema_is_current(settings.database.url):
        print("error: the database schema is not at the latest revision; run 'equivalence migrate'", file=sys.stderr)
        return 1
    container = build_container(settings)
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
