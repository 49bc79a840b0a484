"""Alembic environment: which database, which metadata, one transaction per run.

The database is a Connection handed over in `config.attributes["connection"]` (what
adapters.persistence.migrate does), else the one the service uses: DATABASE_URL, else the
embedded SQLite file under EQV_VAR_DIR (entrypoints.settings.database_url_from_env), so
`alembic upgrade head` and `equivalence migrate` never touch different databases.
"""

from __future__ import annotations

from logging.config import fileConfig
from pathlib import Path

from alembic import context
from sqlalchemy.engine import Connection

from adapters.persistence.database import create_engine_for
from adapters.persistence.sqla_models import Base
from entrypoints.settings import ConfigurationError, database_url_from_env

config = context.config
target_metadata = Base.metadata

if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def database_url() -> str:
    try:
        url = database_url_from_env()
    except ConfigurationError as exc:  # one line, as `equivalence migrate` prints it
        raise SystemExit(f"error: {exc}") from None
    if url.startswith("sqlite:///"):  # the embedded var dir, as `equivalence migrate` makes it
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    return url


def run_with(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        transactional_ddl=True,  # true on SQLite too: the engine emits its own BEGIN
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_offline() -> None:
    context.configure(url=database_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        run_with(connection)
        return
    engine = create_engine_for(database_url())
    try:
        with engine.connect() as connection:
            run_with(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
