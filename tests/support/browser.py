"""Headless Debian Chromium for the browser tests (Playwright never downloads a browser).

Every host name fails to resolve except the loopback address the server listens on, so a
page that reaches for a CDN fails the test. With CI=true a missing browser fails; on a
laptop it skips.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.support.e2e import base_env, free_port, wait_until_healthy

CHROMIUM = os.environ.get("EQV_CHROMIUM", "/usr/bin/chromium")
NO_NETWORK = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"


def require_playwright() -> Any:
    """playwright's sync_playwright, or a failure (CI) / skip naming what is missing."""
    missing = []
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        missing.append(f"chromium ({CHROMIUM}; apt-get install -y chromium)")
    sync_playwright: Any = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing.append("playwright (pip install -c constraints.txt -e '.[test]')")
    if missing:
        message = "browser test needs " + " and ".join(missing)
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return sync_playwright


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium with no network but localhost."""
    sync_playwright = require_playwright()
    executable = CHROMIUM if Path(CHROMIUM).exists() else str(shutil.which("chromium"))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=[NO_NETWORK, "--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def served(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`equivalence serve` on the embedded runtime in tmp_path: its base URL once healthy."""
    port = free_port()
    with open(tmp_path / "serve.log", "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "entrypoints.cli", "serve", "--port", str(port)],
            env=base_env(tmp_path), cwd=tmp_path, stdout=log, stderr=log,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_healthy(base, process)
            yield base, process
        finally:
            process.terminate()
            process.wait(timeout=20)


def screenshot_dir(tmp_path: Path) -> Path:
    target = Path(os.environ.get("EQV_SCREENSHOT_DIR", tmp_path))
    target.mkdir(parents=True, exist_ok=True)
    return target
