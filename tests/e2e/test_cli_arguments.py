"""Out-of-range numbers are usage errors (exit 2, argparse's message naming the option).

`serve --port 99999` used to listen on 34463 (uvicorn takes the port modulo 65536) and
`--workers 0` was accepted. Nothing here needs a database: argparse refuses first.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.e2e import base_env, run_cli

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(
    ("command", "option"),
    [
        (["serve", "--port", "99999"], "--port"),
        (["serve", "--port", "0"], "--port"),
        (["serve", "--workers", "0"], "--workers"),
        (["serve", "--workers", "-1"], "--workers"),
        (["worker", "--processes", "0"], "--processes"),
        (["worker", "--threads", "-1"], "--threads"),
        (["worker", "--metrics-port", "70000"], "--metrics-port"),
        (["mock-embed", "--port", "65536"], "--port"),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, list) else value,
)
def test_an_out_of_range_number_is_a_usage_error(command: list[str], option: str, tmp_path: Path) -> None:
    done = run_cli(command, base_env(tmp_path), tmp_path)
    assert done.returncode == 2
    assert f"error: argument {option}: must be" in done.stderr.splitlines()[-1]
