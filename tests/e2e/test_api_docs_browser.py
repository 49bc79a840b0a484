"""The API documentation pages in a real browser (Debian's Chromium, headless) with no network
but this server: Swagger UI lists the operations and Scalar renders, under a strict CSP.

Needs `chromium` (apt) and Playwright for Python, which only drives it (no browser download).
Without them the test is skipped, except with CI=true, where it fails (`.ci/run` installs chromium).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from adapters.http.security_headers import DOCS_CSP

from tests.support.browser import screenshot_dir, served

pytestmark = pytest.mark.e2e

STRICT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
# Scalar renders under the CSP the app really sends for the docs pages (inline styles allowed:
# it injects its stylesheet as a <style> element at run time).
SCALAR_CSP = DOCS_CSP


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with served(tmp_path_factory.mktemp("docs-browser")) as (base, _):
        yield base


def open_page(browser: Any, url: str, csp: str) -> tuple[Any, list[str], list[str]]:
    """The page with `csp` added to every HTML answer; returns it, the URLs it requested and its
    console errors (CSP violations are console errors in Chromium)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    requested: list[str] = []
    errors: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))

    def with_csp(route: Any) -> None:
        response = route.fetch()
        headers = dict(response.headers)
        if headers.get("content-type", "").startswith("text/html"):
            headers["content-security-policy"] = csp
        route.fulfill(response=response, headers=headers)

    page.route("**/*", with_csp)
    page.goto(url, wait_until="load")
    return page, requested, errors


def test_swagger_ui_renders_every_operation_offline_under_a_strict_csp(server: str, browser: Any, tmp_path: Path) -> None:
    import httpx

    schema = httpx.get(f"{server}/schema/openapi.json").json()
    operations = sum(1 for item in schema["paths"].values() for method in item if method in {"get", "post", "put", "delete", "patch"})
    page, requested, errors = open_page(browser, f"{server}/schema/swagger", STRICT_CSP)
    page.wait_for_selector(".opblock", timeout=30_000)
    assert page.locator(".opblock").count() == operations
    assert page.locator(".opblock-summary-path", has_text="/v1/equivalences/evaluate").count() == 1
    assert page.locator(".info .title").inner_text().startswith(schema["info"]["title"])
    # The evaluate operation opens with its example request body.
    page.locator(".opblock-post .opblock-summary-path", has_text="/v1/equivalences/evaluate").first.click()
    page.wait_for_selector(".opblock.is-open .body-param__example, .opblock.is-open .microlight", timeout=10_000)
    assert "Cálculo" in page.locator(".opblock.is-open").inner_text()
    shots = screenshot_dir(tmp_path)
    page.screenshot(path=str(shots / "api-docs-swagger.png"), full_page=False)
    page.locator(".opblock.is-open").first.screenshot(path=str(shots / "api-docs-swagger-evaluate.png"))
    assert all(url.startswith(server) for url in requested), [u for u in requested if not u.startswith(server)]
    assert not errors, errors


def test_scalar_renders_offline(server: str, browser: Any, tmp_path: Path) -> None:
    page, requested, errors = open_page(browser, f"{server}/schema/scalar", SCALAR_CSP)
    page.get_by_role("heading", name="Equivalence Engine Service").wait_for(timeout=30_000)
    page.get_by_text("equivalences", exact=True).first.click()
    page.get_by_text("Decide one origem/destino pair synchronously").first.wait_for(timeout=30_000)
    assert page.get_by_text("Developer Tools").count() == 0  # Scalar's hosted-service toolbar is off
    page.screenshot(path=str(screenshot_dir(tmp_path) / "api-docs-scalar.png"), full_page=False)
    assert all(url.startswith(server) or url.startswith("data:") for url in requested), [
        u for u in requested if not u.startswith(server)
    ]
    assert not errors, errors
