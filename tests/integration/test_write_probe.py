"""/ready reports a database it can read but not write (WriteProbe)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from adapters.persistence.database import create_engine_for
from adapters.persistence.write_probe import WriteProbe


class Ticks:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_writable_database_is_ok_on_each_backend(db_url: str) -> None:
    engine = create_engine_for(db_url)
    try:
        assert WriteProbe(engine)() == "ok"
    finally:
        engine.dispose()


def test_a_read_only_sqlite_file_is_reported_and_rechecked_only_after_a_while(tmp_path: Path) -> None:
    path = tmp_path / "ro.db"
    writable = create_engine(f"sqlite:///{path}")
    with writable.begin() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
    writable.dispose()
    read_only = create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    ticks = Ticks()
    probe = WriteProbe(read_only, interval_s=30.0, clock=ticks)
    calls: list[str] = []
    real_probe = probe._probe
    def counted() -> str:
        calls.append("probe")
        return real_probe()

    probe._probe = counted  # type: ignore[method-assign]

    assert probe().startswith("error: not writable")
    with read_only.connect() as connection:  # reads still work: SELECT 1 alone would say ready
        assert connection.execute(text("SELECT count(*) FROM t")).scalar() == 0
    assert probe().startswith("error") and len(calls) == 1  # cached between probes
    ticks.now += 6  # a failure is re-checked after a few seconds
    probe()
    assert len(calls) == 2
    read_only.dispose()


@pytest.mark.postgres
def test_a_read_only_postgresql_is_reported(postgres_url: str) -> None:
    engine = create_engine_for(postgres_url)
    database = engine.url.database
    with engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").execute(
            text(f'ALTER DATABASE "{database}" SET default_transaction_read_only = on')
        )
    engine.dispose()
    engine = create_engine_for(postgres_url)
    try:
        assert WriteProbe(engine)() == "error: not writable (read-only transaction)"
    finally:
        with engine.connect() as connection:
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
            connection.execute(text("SET default_transaction_read_only = off"))
            connection.execute(text(f'ALTER DATABASE "{database}" SET default_transaction_read_only = off'))
        engine.dispose()


def test_ready_is_503_when_the_database_cannot_take_a_write(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.support.http_api import make_client

    monkeypatch.setattr(WriteProbe, "_probe", lambda self: "error: not writable (OperationalError)")
    for client in make_client(db_url, tmp_path):
        ready = client.get("/ready")
        assert ready.status_code == 503
        assert ready.json()["checks"]["database"] == "error: not writable (OperationalError)"
