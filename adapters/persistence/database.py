"""Engines and sessions for PostgreSQL (psycopg 3) and SQLite (embedded runtime).

Nothing connects at import time: callers build the engine once they know the URL.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

_SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=5000",
    "PRAGMA synchronous=NORMAL",
)


def normalize_url(url: str) -> URL:
    """`postgres://` and `postgresql://` mean psycopg 3 here (SQLAlchemy would pick psycopg2)."""
    parsed = make_url(url.replace("postgres://", "postgresql://", 1) if url.startswith("postgres://") else url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def create_engine_for(url: str) -> Engine:
    """An engine configured for the database the URL names (PostgreSQL or SQLite)."""
    parsed = normalize_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed)
    return create_engine(
        parsed,
        pool_size=10,
        max_overflow=10,
        # No pre-ping (a round trip per checkout): a connection found dead raises a disconnect
        # error, SQLAlchemy invalidates the whole pool, and the next checkout reconnects.
        pool_recycle=1800,
        json_serializer=_json_dumps,
        hide_parameters=True,  # errors must never carry ementa text or context into logs
    )


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions whose objects stay readable after commit (records are built from them)."""
    return sessionmaker(bind=engine, expire_on_commit=False)


def read_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions for read-only units of work: autocommit on PostgreSQL (each SELECT is its own
    snapshot, no BEGIN/ROLLBACK round trips); SQLite keeps its ordinary transactions."""
    if engine.dialect.name == "sqlite":
        return session_factory(engine)
    return sessionmaker(bind=engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False)


def _json_dumps(value: Any) -> str:
    # default=str matches core.domain.audit.canonical_json, so hashes survive a round trip.
    return json.dumps(value, ensure_ascii=False, default=str)


def _sqlite_engine(url: URL) -> Engine:
    database = url.database or ""
    in_memory = database in ("", ":memory:") or database.startswith("file::memory:")
    if not in_memory:
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    options: dict[str, Any] = {
        "connect_args": {"check_same_thread": False},
        "json_serializer": _json_dumps,
        "hide_parameters": True,  # errors must never carry ementa text or context into logs
    }
    if in_memory:
        options["poolclass"] = StaticPool  # one shared connection, or every thread sees its own empty DB
    engine = create_engine(url, **options)
    _install_sqlite_transaction_control(engine)
    return engine


def _install_sqlite_transaction_control(engine: Engine) -> None:
    """PRAGMAs on connect, and `BEGIN IMMEDIATE` for every transaction.

    The SQLAlchemy-documented recipe: the driver's own (deferred, DML-only) BEGIN is turned
    off, and each transaction takes the write lock when it starts, so concurrent writers
    wait for each other (busy_timeout) instead of failing with "database is locked" when a
    read lock is upgraded. It also makes SAVEPOINT and transactional DDL behave.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            for pragma in _SQLITE_PRAGMAS:
                cursor.execute(pragma)
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
