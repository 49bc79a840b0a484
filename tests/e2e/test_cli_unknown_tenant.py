"""An operator's --tenant typo is refused, never answered with an empty, reassuring result.

`audit verify --tenant nope` used to print "ok … intact" and exit 0. Every listing or action that
takes --tenant now says `error: tenant 'nope' not found` and exits 1, as `keys list` always did.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.e2e import run_cli

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

TENANT_COMMANDS = [
    ["audit", "verify"],
    ["audit", "verify", "--json"],
    ["audit", "list"],
    ["webhooks", "replay", "--all"],
    ["webhooks", "deliveries"],
    ["webhooks", "list"],
    ["precedents", "list"],
    ["curriculum", "list"],
    ["bindings", "list"],
    ["keys", "list"],
]


@pytest.mark.parametrize("command", TENANT_COMMANDS, ids=" ".join)
def test_an_unknown_tenant_is_an_error(command: list[str], full_env: dict[str, str], tmp_path: Path) -> None:
    done = run_cli([*command, "--tenant", "nope"], full_env, tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stderr == "error: tenant 'nope' not found\n"
    assert done.stdout == ""


def test_a_known_tenant_still_verifies(full_env: dict[str, str], tmp_path: Path) -> None:
    done = run_cli(["audit", "verify", "--tenant", "default"], full_env, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("tenant default: ok")
