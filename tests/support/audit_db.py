"""A migrated database whose audit trail tests can append to and tamper with, and the CLI pointed at it."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, text

from adapters.persistence.database import create_engine_for, session_factory
from adapters.persistence.sqla_models import AuditEventRow
from adapters.persistence.sqla_unit_of_work import SqlaUnitOfWorkFactory
from core.domain.records import AuditEvent


EVENTS = AuditEventRow.__table__


class AuditDb:
    """A migrated database, its engine, and the environment that points the CLI at it."""

    def __init__(self, url: str, env: dict[str, str], cwd: Path) -> None:
        self.url, self.env, self.cwd = url, env, cwd
        self.engine = create_engine_for(url)
        self.uow_factory = SqlaUnitOfWorkFactory(session_factory(self.engine))

    def append(self, tenant_id: str, count: int) -> None:
        for n in range(count):
            with self.uow_factory() as uow:
                at = dt.datetime(2026, 3, 1, 12, 0, n, tzinfo=dt.timezone.utc)
                uow.audit.append(AuditEvent(tenant_id, "evaluation", {"n": n, "decisao": "DEFERIDO"}, at))
                uow.commit()

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "entrypoints.cli", "audit", *args],
            env=self.env, cwd=self.cwd, capture_output=True, text=True, timeout=120,
        )

    @contextmanager
    def unprotected(self) -> Iterator[Connection]:
        """One transaction with the append-only triggers off (as a superuser or the file's owner
        could), switched back on before it commits so the other tests keep the protection."""
        with self.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text("ALTER TABLE audit_events DISABLE TRIGGER ALL"))
                yield connection
                connection.execute(text("ALTER TABLE audit_events ENABLE TRIGGER ALL"))
            else:
                triggers = connection.execute(
                    text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_events'")
                ).all()
                assert len(triggers) == 2
                for name, _sql in triggers:
                    connection.execute(text(f"DROP TRIGGER {name}"))
                yield connection
                for _name, sql in triggers:
                    connection.execute(text(sql))
