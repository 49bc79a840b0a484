"""`equivalence webhooks ...` as an operator runs it (embedded runtime): add with the secret on
the last stdout line, list, rotate-secret, disable, deliveries and replay of a dead one."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest

from adapters.persistence.database import create_engine_for, session_factory
from adapters.persistence.sqla_unit_of_work import SqlaUnitOfWorkFactory
from core.domain.webhooks import CASO_CONCLUIDO, DeliveryState
from core.usecases.webhooks import publish
from tests.support.e2e import cli, embedded_env

pytestmark = pytest.mark.e2e


def test_webhook_endpoints_and_a_dead_delivery_from_the_command_line(tmp_path: Path) -> None:
    env = embedded_env(tmp_path)

    def run(*args: str):  # type: ignore[no-untyped-def]
        return cli(list(args), env, tmp_path)

    assert run("migrate").returncode == 0
    assert run("tenants", "create", "uni-w", "--name", "Universidade W").returncode == 0

    refused = run("webhooks", "add", "--tenant", "uni-w", "--url", "ftp://example.org/h", "--event", CASO_CONCLUIDO)
    assert refused.returncode == 2 and "url" in refused.stderr
    metadata = run("webhooks", "add", "--tenant", "uni-w", "--url", "http://169.254.169.254/latest", "--event", CASO_CONCLUIDO)
    assert metadata.returncode == 2 and "url recusada" in metadata.stderr  # by default (ADR 0049)
    env = env | {"EQV_WEBHOOK_ALLOW_PRIVATE": "true"}  # from here: 127.0.0.1, and example.org without DNS
    assert run("webhooks", "add", "--tenant", "nobody", "--url", "https://example.org/h", "--event", CASO_CONCLUIDO).returncode == 1

    added = run("webhooks", "add", "--tenant", "uni-w", "--url", "http://127.0.0.1:9/h", "--event", CASO_CONCLUIDO)
    assert added.returncode == 0, added.stderr
    secret = added.stdout.splitlines()[-1]
    assert secret.startswith("whsec_") and "shown once" in added.stderr and secret not in added.stderr
    [endpoint] = json.loads(run("webhooks", "list", "--tenant", "uni-w", "--json").stdout)
    assert endpoint["url"] == "http://127.0.0.1:9/h" and endpoint["active"] and "secret" not in endpoint
    rotated = run("webhooks", "rotate-secret", endpoint["endpoint_id"])
    assert rotated.returncode == 0 and rotated.stdout.splitlines()[-1] not in ("", secret)

    url = f"sqlite:///{tmp_path / 'var' / 'equivalence.db'}"
    engine = create_engine_for(url)
    uows = SqlaUnitOfWorkFactory(session_factory(engine))
    now = dt.datetime.now(dt.timezone.utc)
    with uows() as uow:  # a delivery that died (its attempts happened in a server process)
        [delivery_id] = publish(uow, "uni-w", CASO_CONCLUIDO, {"case_id": "c-1"}, now=now)
        uow.commit()
    with uows() as uow:
        dead = uow.webhooks.get_delivery(delivery_id)
        assert dead is not None
        uow.webhooks.update_delivery(dataclasses.replace(dead, state=DeliveryState.MORTA, attempts=8, last_error="ConnectError"))
        uow.commit()

    listed = json.loads(run("webhooks", "deliveries", "--tenant", "uni-w", "--state", "morta", "--json").stdout)
    assert [(d["delivery_id"], d["last_error"]) for d in listed] == [(delivery_id, "ConnectError")]
    assert run("webhooks", "replay", "dlv_unknown").returncode == 1
    replayed = run("webhooks", "replay", "--all", "--tenant", "uni-w")
    assert replayed.returncode == 0 and replayed.stdout.split() == [delivery_id] and "sweep" in replayed.stderr
    with uows.reading() as uow:
        again = uow.webhooks.get_delivery(delivery_id)
    assert again is not None and again.state is DeliveryState.PENDENTE and again.lease_until is None  # due for the sweep
    engine.dispose()

    assert run("webhooks", "disable", endpoint["endpoint_id"]).returncode == 0
    assert json.loads(run("webhooks", "list", "--json").stdout)[0]["active"] is False
