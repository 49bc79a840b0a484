"""Schema migrations from code: the Alembic revisions in `migrations/`, from any cwd.

Used by the `migrate` entry point, the embedded runtime at start-up and the tests.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

import migrations
from adapters.persistence.database import create_engine_for, normalize_url


_MIGRATION_LOCK = 0x6571_7601  # the advisory lock key of schema migrations ("eqv" + 1)


def alembic_config() -> Config:
    """An Alembic Config built in code (no alembic.ini needed), pointing at the packaged revisions."""
    config = Config()
    config.set_main_option("script_location", str(Path(migrations.__file__).resolve().parent))
    config.attributes["configure_logger"] = False
    return config


def upgrade_to_head(url: str) -> None:
    """Apply every revision not yet applied; one transaction, so a failure leaves nothing half-done."""
    _run(url, lambda config: command.upgrade(config, "head"))


def downgrade_to_base(url: str) -> None:
    """Revert every revision (drops all tables: for tests and teardown, never production)."""
    _run(url, lambda config: command.downgrade(config, "base"))


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError("no Alembic revision found in the migrations package")
    return head


def current_revision(url: str) -> str | None:
    """The revision the database is at; None for an empty (or not yet created SQLite) database."""
    if _missing_sqlite_file(url):
        return None
    engine = create_engine_for(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def schema_is_current(url: str) -> bool:
    return current_revision(url) == head_revision()


def schema_problem(url: str) -> str | None:
    """None when the schema is at head; otherwise what is wrong and what to do (the manual's incident 4)."""
    current, head = current_revision(url), head_revision()
    if current == head:
        return None
    known = {script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
    if current is not None and current not in known:
        return (
            f"the database schema is at revision {current}, which this release does not know (its latest is "
            f"{head}): a newer release migrated it. Deploy that release, or restore the backup taken before it."
        )
    return (
        f"the database schema is at revision {current or 'none (empty database)'}, not at the latest ({head}). "
        "Back up the database, then run 'equivalence migrate' (or 'alembic upgrade head') and start again."
    )


def _run(url: str, operation: Callable[[Config], object]) -> None:
    engine = create_engine_for(url)
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # Several hosts may start `migrate` at once: one migrates, the others wait, then find head.
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
            config = alembic_config()
            config.attributes["connection"] = connection
            operation(config)
    finally:
        engine.dispose()


def _missing_sqlite_file(url: str) -> bool:
    parsed = normalize_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return False
    return not Path(parsed.database).expanduser().exists()
