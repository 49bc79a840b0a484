"""Tampering with the audit trail, on real SQLite and PostgreSQL, found by `equivalence audit verify`.

The database refuses UPDATE/DELETE (and TRUNCATE on PostgreSQL). A superuser who switches
that protection off can change rows; the CLI, run as a real process, then names the tenant,
the seq and the kind of each problem and exits 3.
"""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Executable, delete, text, update
from sqlalchemy.exc import DatabaseError

from adapters.persistence.database import create_engine_for
from adapters.persistence.migrate import upgrade_to_head
from tests.support.audit_db import AuditDb, EVENTS

ROOT = Path(__file__).resolve().parents[2]
PEPPER = "audit-tamper-test-pepper-0123456789"
Completed = subprocess.CompletedProcess[str]


def _embedded_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "EQV_BOOTSTRAP_API_KEY", "API_KEY_PEPPER")}
    return env | {"EQV_VAR_DIR": str(tmp_path / "var"), "PYTHONPATH": str(ROOT)}


@pytest.fixture(scope="module")
def audit_pg_url(pg_database_factory: Callable[[], str]) -> str:
    """A PostgreSQL database of this module's own: its tests switch the protection off."""
    url = pg_database_factory()
    upgrade_to_head(url)
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def audit_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[AuditDb]:
    env = _embedded_env(tmp_path)
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'var' / 'equivalence.db'}"  # the embedded runtime's database
        upgrade_to_head(url)
    else:
        url = request.getfixturevalue("audit_pg_url")
        env |= {"DATABASE_URL": url, "API_KEY_PEPPER": PEPPER}
    db = AuditDb(url, env, tmp_path)
    yield db
    db.engine.dispose()


@pytest.fixture
def tenant_id() -> str:
    return f"t-{uuid.uuid4().hex[:12]}"


def _where(tenant_id: str, seq: int):  # type: ignore[no-untyped-def]
    return (EVENTS.c.tenant_id == tenant_id) & (EVENTS.c.seq == seq)


def test_intact_chain_verifies_and_lists(audit_db: AuditDb, tenant_id: str) -> None:
    audit_db.append(tenant_id, 7)
    verified = audit_db.cli("verify", "--tenant", tenant_id)
    assert verified.returncode == 0, verified.stderr
    assert f"tenant {tenant_id}: ok (7 events, last seq 7)" in verified.stdout
    listed = audit_db.cli("list", "--tenant", tenant_id, "--after", "2", "--limit", "3")
    lines = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [e["seq"] for e in lines] == [3, 4, 5] and lines[0]["payload"] == {"n": 2, "decisao": "DEFERIDO"}
    assert lines[1]["prev_hash"] == lines[0]["hash"] and lines[0]["created_at"] == "2026-03-01T12:00:02+00:00"
    report = json.loads(audit_db.cli("verify", "--tenant", tenant_id, "--json").stdout)
    assert report["ok"] is True and report["events_checked"] == 7 and report["head"]["last_seq"] == 7


@pytest.mark.parametrize(
    "statement",
    [
        lambda t: update(EVENTS).where(_where(t, 2)).values(event_type="tampered"),
        lambda t: delete(EVENTS).where(_where(t, 2)),
    ],
    ids=["update", "delete"],
)
def test_the_database_refuses_update_and_delete(
    audit_db: AuditDb, tenant_id: str, statement: Callable[[str], Executable]
) -> None:
    audit_db.append(tenant_id, 3)
    with pytest.raises(DatabaseError, match="append-only"):
        with audit_db.engine.begin() as connection:
            connection.execute(statement(tenant_id))
    assert audit_db.cli("verify", "--tenant", tenant_id).returncode == 0


@pytest.mark.postgres
def test_postgres_refuses_truncate(audit_pg_url: str) -> None:
    engine = create_engine_for(audit_pg_url)
    try:
        with pytest.raises(DatabaseError, match="append-only"):
            with engine.begin() as connection:
                connection.execute(text("TRUNCATE audit_events"))
    finally:
        engine.dispose()


def _verify_problems(audit_db: AuditDb, tenant_id: str) -> tuple[Completed, list[tuple[int, str]]]:
    human = audit_db.cli("verify", "--tenant", tenant_id)
    assert human.returncode == 3, human.stdout + human.stderr
    assert f"tenant {tenant_id}: TAMPERED" in human.stdout and "TAMPERED" in human.stderr
    report = json.loads(audit_db.cli("verify", "--tenant", tenant_id, "--json").stdout)
    assert report["ok"] is False
    return human, [(p["seq"], p["kind"]) for p in report["problems"]]


def test_an_altered_payload_is_found_at_its_seq(audit_db: AuditDb, tenant_id: str) -> None:
    audit_db.append(tenant_id, 5)
    with audit_db.unprotected() as connection:
        forged = {"n": 2, "decisao": "INDEFERIDO"}
        connection.execute(update(EVENTS).where(_where(tenant_id, 3)).values(payload=forged))
    human, problems = _verify_problems(audit_db, tenant_id)
    assert problems == [(3, "altered")] and "seq 3: altered" in human.stdout
    with pytest.raises(DatabaseError, match="append-only"):  # the protection is back
        with audit_db.engine.begin() as connection:
            connection.execute(delete(EVENTS).where(_where(tenant_id, 1)))


def test_a_deleted_middle_event_is_found(audit_db: AuditDb, tenant_id: str) -> None:
    audit_db.append(tenant_id, 5)
    with audit_db.unprotected() as connection:
        connection.execute(delete(EVENTS).where(_where(tenant_id, 3)))
    human, problems = _verify_problems(audit_db, tenant_id)
    assert problems == [(3, "deleted")] and "seq 3: deleted: seq 3 missing" in human.stdout


def test_a_deleted_last_event_is_found_through_the_head(audit_db: AuditDb, tenant_id: str) -> None:
    audit_db.append(tenant_id, 5)
    with audit_db.unprotected() as connection:
        connection.execute(delete(EVENTS).where(_where(tenant_id, 5)))
    human, problems = _verify_problems(audit_db, tenant_id)
    assert problems == [(5, "head_mismatch")] and "records seq 5 but the last event is seq 4" in human.stdout


def test_swapped_events_are_found_at_both_seqs(audit_db: AuditDb, tenant_id: str) -> None:
    audit_db.append(tenant_id, 6)
    with audit_db.unprotected() as connection:  # (tenant_id, seq) is unique: swap through a free seq
        connection.execute(update(EVENTS).where(_where(tenant_id, 2)).values(seq=-1))
        connection.execute(update(EVENTS).where(_where(tenant_id, 5)).values(seq=2))
        connection.execute(update(EVENTS).where(_where(tenant_id, -1)).values(seq=5))
    human, problems = _verify_problems(audit_db, tenant_id)
    assert problems == [(2, "reordered"), (5, "reordered")]
    assert "seq 2: reordered: stored as seq 2 but its hash verifies as seq 5" in human.stdout


def test_verify_all_names_the_tampered_tenant_and_passes_the_intact_one(audit_db: AuditDb, tenant_id: str) -> None:
    intact = f"{tenant_id}-intact"
    audit_db.append(tenant_id, 3)
    audit_db.append(intact, 2)
    with audit_db.unprotected() as connection:
        connection.execute(update(EVENTS).where(_where(tenant_id, 1)).values(event_type="key.created"))
    result = audit_db.cli("verify")
    assert result.returncode == 3
    assert f"tenant {intact}: ok (2 events" in result.stdout
    assert f"tenant {tenant_id}: TAMPERED" in result.stdout and "seq 1: altered" in result.stdout
