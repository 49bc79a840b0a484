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

from tests.support.e2e import answers, base_env, free_port, wait_until_healthy
from tests.support.waiting import wait_until

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


@contextmanager
def warm_server(tmp_path: Path) -> Iterator[str]:
    """`served`, once /ready answers (the mappers warm): the console's pages decide at once."""
    with served(tmp_path) as (base, _):
        wait_until(lambda: answers(f"{base}/ready"), timeout_s=120, interval_s=0.5, what="mappers warm")
        yield base


def console_page(browser: Any, errors: list[str]) -> tuple[Any, Any]:
    """A fresh context (1366x900, pt-BR, downloads accepted) and its page. Every console error
    (a CSP violation is one) and every uncaught script error is appended to `errors`."""
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="pt-BR", accept_downloads=True)
    page = context.new_page()
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return context, page


def sign_in(page: Any, server: str, key: str, lands_on: str | None = None) -> None:
    """Sign in to the console with `key`; wait for `lands_on` (a path), or for any page but sign-in."""
    page.goto(f"{server}/console/entrar")
    page.get_by_label("Chave de API").fill(key)
    page.get_by_label("Chave de API").press("Enter")
    if lands_on is None:
        page.wait_for_url(lambda url: "/console/entrar" not in url)
    else:
        page.wait_for_url(f"**{lands_on}")


def screenshot_dir(tmp_path: Path) -> Path:
    target = Path(os.environ.get("EQV_SCREENSHOT_DIR", tmp_path))
    target.mkdir(parents=True, exist_ok=True)
    return target
