"""The static gates: ruff and mypy, configured in pyproject.toml, pass on the whole repository.

They run here so that the README's test command (and so CI) enforces them; to run them alone,
see docs/development.md.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_gate(*args: str) -> subprocess.CompletedProcess[str]:
    """`python -m <tool> ...` from the repository root; its output is what a failure shows."""
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=600, check=False
    )


def test_ruff_finds_nothing() -> None:
    result = run_gate("ruff", "check", "--no-cache", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_finds_nothing(tmp_path: Path) -> None:
    # A fresh cache: an incremental cache left by older sources has reported stale protocol errors.
    result = run_gate("mypy", "--cache-dir", str(tmp_path / "mypy-cache"))
    assert result.returncode == 0, result.stdout + result.stderr

