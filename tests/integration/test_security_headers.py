"""Security headers on every response: API answers, errors, unknown paths, and the doc pages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient

from adapters.http.security_headers import API_CSP, DOCS_CSP
from tests.support.http_api import KEYS, make_client


@pytest.fixture
def client(db_url: str, tmp_path: Path) -> Iterator[TestClient]:
    yield from make_client(db_url, tmp_path)


@pytest.mark.parametrize(
    ("method", "path", "headers"),
    [
        ("GET", "/health", {}),
        ("GET", "/ready", {}),
        ("GET", "/v1/jobs/nope", {}),  # 401
        ("GET", "/v1/jobs/nope", {"X-API-Key": KEYS["admin"]}),  # 404
        ("GET", "/no/such/route", {}),
        ("POST", "/v1/equivalences/evaluate", {"X-API-Key": KEYS["admin"]}),  # 4xx, empty body
        ("GET", "/schema/openapi.json", {}),
    ],
)
def test_every_api_response_carries_the_security_headers(
    client: TestClient, method: str, path: str, headers: dict[str, str]
) -> None:
    answer = client.request(method, path, headers=headers)
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["referrer-policy"] == "no-referrer"
    assert answer.headers["content-security-policy"] == API_CSP


@pytest.mark.parametrize("page", ["/schema/swagger", "/schema/scalar"])
def test_doc_pages_get_a_csp_that_lets_their_scripts_run(client: TestClient, page: str) -> None:
    answer = client.get(page)
    assert answer.status_code == 200 and "text/html" in answer.headers["content-type"]
    csp = answer.headers["content-security-policy"]
    assert csp == DOCS_CSP and "frame-ancestors 'none'" in csp and "connect-src 'self'" in csp
    for directive in csp.split(";"):  # every script and stylesheet of the page is allowed by the policy
        name, *sources = directive.split()
        if name in ("script-src", "style-src"):
            for url in _asset_urls(answer.text, ".js" if name == "script-src" else ".css"):
                assert url.startswith("/") or any(url.startswith(s) for s in sources if s.startswith("https:")), url


def _asset_urls(html: str, suffix: str) -> list[str]:
    import re

    attribute = r'src="([^"]+)"' if suffix == ".js" else r'href="([^"]+)"'
    return [url for url in re.findall(attribute, html) if "://" in url or url.startswith("/")]
