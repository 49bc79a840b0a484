"""Engines and sessions for PostgreSQL (psycopg 3) and SQLite (embedded runtime).

Nothing connects at import time: callers build the engine once they know the URL.
"""

from __future__ import annotations

import json
import select
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DisconnectionError
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
    if "connect_timeout" not in parsed.query:  # a host that drops packets fails fast, not after minutes
        parsed = parsed.update_query_dict({"connect_timeout": str(CONNECT_TIMEOUT_S)})
    engine = create_engine(
        parsed,
        pool_size=10,
        max_overflow=10,
        # No pre-ping (a round trip per checkout): `_drop_connections_closed_while_idle` finds
        # the connections the server closed with one poll(2); a connection that dies in use
        # raises a disconnect error, SQLAlchemy invalidates the pool, the next checkout reconnects.
        pool_recycle=1800,
        json_serializer=_json_dumps,
        hide_parameters=True,  # errors must never carry ementa text or context into logs
    )
    event.listen(engine, "checkout", _drop_connections_closed_while_idle)
    return engine


CONNECT_TIMEOUT_S = 5


def _drop_connections_closed_while_idle(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """A pooled connection with something to read was closed (or is being closed) by the server.

    An idle connection has nothing to read; after a server restart or crash it has an EOF or a
    FATAL message waiting. Checking costs one poll(2), no round trip. DisconnectionError makes
    the pool replace the connection and check out again, so the first request after PostgreSQL
    comes back succeeds instead of failing on a connection that died while nobody used it.
    """
    try:
        fd = dbapi_connection.fileno()
    except Exception as exc:  # noqa: BLE001 - the driver says the connection is closed
        raise DisconnectionError("pooled connection is closed") from exc
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLPRI)
    if poller.poll(0):
        raise DisconnectionError("the server closed this pooled connection while it was idle")


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
