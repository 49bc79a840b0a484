"""`dlq requeue` of a letter that does not exist says so (it printed "requeued 0 items", exit 1)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.e2e import run_cli

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.redis]


@pytest.mark.parametrize("item", ["nope", "job-missing:0"])
def test_requeue_of_an_unknown_letter_is_an_error(item: str, full_env: dict[str, str], tmp_path: Path) -> None:
    done = run_cli(["dlq", "requeue", item], full_env, tmp_path)
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.startswith(f"error: no dead letter '{item}'") and done.stderr.count("\n") == 1
