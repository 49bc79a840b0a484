"""`equivalence policy …`, `bindings …` and `taxonomy activate|deprecate` as an operator runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adapters.persistence.database import create_engine_for, session_factory
from adapters.persistence.sqla_unit_of_work import SqlaUnitOfWorkFactory
from tests.support.e2e import cli

# About twenty CLI processes, each a Python start: on the busy CI machine that outlasts the suite's
# 300 s hang guard (it timed out there, before and after the seeded var dir), so a generous one.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]


def test_policies_bindings_and_taxonomy_lifecycle_from_the_cli(tmp_path: Path, seeded_embedded_env: dict[str, str]) -> None:
    env = seeded_embedded_env
    default_taxonomy = cli(["taxonomy", "list"], env, tmp_path).stdout.split()[-1]

    policy = tmp_path / "strict.json"
    policy.write_text(json.dumps({"version": "strict-1", "min_score_deferir": 95}))
    created = cli(["policy", "create", str(policy), "--tenant", "default"], env, tmp_path)
    assert created.returncode == 0, created.stderr
    again = cli(["policy", "create", str(policy), "--tenant", "default"], env, tmp_path)
    assert again.returncode == 1 and "already exists" in again.stderr
    policy.write_text(json.dumps({"version": "bad-1", "weights": {"cobertura": 3}}))
    invalid = cli(["policy", "create", str(policy)], env, tmp_path)
    assert invalid.returncode == 2 and "weights.cobertura" in invalid.stderr and "Traceback" not in invalid.stderr
    policy.write_text(json.dumps({"version": "bad-v2", "min_score_deferir": 50, "min_score_complemento": 80}))
    inverted = cli(["policy", "create", str(policy), "--tenant", "default"], env, tmp_path)
    assert inverted.returncode == 1 and "must not exceed min_score_deferir" in inverted.stderr, inverted.stderr
    assert cli(["policy", "activate", "strict-1"], env, tmp_path).returncode == 0
    assert cli(["policy", "list"], env, tmp_path).stdout.splitlines() == ["  default-v1 (shared)", "* strict-1 (own)"]

    exported = cli(["taxonomy", "export", default_taxonomy], env, tmp_path).stdout
    custom = tmp_path / "custom.json"
    custom.write_text(json.dumps(json.loads(exported) | {"version": "custom-1"}))
    assert cli(["taxonomy", "import", str(custom), "--tenant", "default"], env, tmp_path).returncode == 0
    bound = cli(["bindings", "set", "BD-1", "--taxonomy", "custom-1", "--policy", "strict-1"], env, tmp_path)
    assert bound.returncode == 0, bound.stderr
    assert cli(["bindings", "list"], env, tmp_path).stdout.splitlines() == ["BD-1\ttaxonomy=custom-1\tpolicy=strict-1"]
    unknown = cli(["bindings", "set", "BD-2", "--taxonomy", "nope", "--policy", "strict-1"], env, tmp_path)
    assert unknown.returncode == 1 and "not found" in unknown.stderr

    refused = cli(["taxonomy", "deprecate", "custom-1"], env, tmp_path)
    assert refused.returncode == 1 and "bound to course(s) BD-1" in refused.stderr
    assert cli(["bindings", "delete", "BD-1"], env, tmp_path).returncode == 0
    assert cli(["taxonomy", "deprecate", "custom-1"], env, tmp_path).returncode == 0
    reactivated = cli(["taxonomy", "activate", "custom-1"], env, tmp_path)
    assert reactivated.returncode == 1 and "deprecated" in reactivated.stderr
    assert cli(["taxonomy", "activate", default_taxonomy], env, tmp_path).returncode == 0

    engine = create_engine_for(f"sqlite:///{tmp_path / 'var' / 'equivalence.db'}")
    try:
        with SqlaUnitOfWorkFactory(session_factory(engine)).reading() as uow:
            events = [e for e in uow.audit.list_events("default", limit=100) if e.event_type != "key.created"]
    finally:
        engine.dispose()
    assert [e.event_type for e in events] == [
        "policy.created",
        "policy.activated",
        "taxonomy.imported",
        "binding.set",
        "binding.deleted",
        "taxonomy.deprecated",
        "taxonomy.activated",
    ]
    assert all(e.payload["actor"] == {"cli": True} for e in events)
