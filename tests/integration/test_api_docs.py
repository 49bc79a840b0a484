"""The API documentation pages reference only this server, and every asset they name is served."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient

from adapters.http.api_docs import SCALAR_VERSION, SWAGGER_UI_VERSION
from tests.support.http_api import make_client

PAGES = ["/schema", "/schema/swagger", "/schema/scalar"]
_REFERENCE = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", re.IGNORECASE)


@pytest.fixture
def client(sqlite_url: str, tmp_path: Path) -> Iterator[TestClient]:
    yield from make_client(sqlite_url, tmp_path)


def references(html: str) -> list[str]:
    return _REFERENCE.findall(html)


@pytest.mark.parametrize("page", PAGES)
def test_docs_page_references_only_local_urls_and_has_no_inline_script(client: TestClient, page: str) -> None:
    response = client.get(page)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert "http://" not in html and "https://" not in html and "//cdn" not in html
    refs = references(html)
    assert refs and all(ref.startswith("/") and not ref.startswith("//") for ref in refs), refs
    # Every <script> has a src and no body: the page runs under CSP script-src 'self'.
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.DOTALL | re.IGNORECASE)
    assert scripts and all("src=" in attrs and not body.strip() for attrs, body in scripts), scripts
    assert "<style" not in html.lower() and " style=" not in html.lower()
    assert 'data-openapi-url="/schema/openapi.json"' in html


@pytest.mark.parametrize("page", PAGES)
def test_every_asset_a_docs_page_names_is_served_with_its_content_type(client: TestClient, page: str) -> None:
    expected = {".js": "javascript", ".css": "text/css", ".png": "image/png", ".json": "application/json"}
    for ref in references(client.get(page).text):
        if ref.startswith("/schema/openapi"):
            continue
        asset = client.get(ref)
        assert asset.status_code == 200, ref
        suffix = Path(ref).suffix
        assert expected[suffix] in asset.headers["content-type"], (ref, asset.headers["content-type"])
        assert len(asset.content) > 0
        assert "max-age=86400" in asset.headers.get("cache-control", "")


def test_vendored_versions_are_pinned_in_the_urls(client: TestClient) -> None:
    assert f"/static/vendor/swagger-ui-{SWAGGER_UI_VERSION}/swagger-ui-bundle.js" in client.get("/schema/swagger").text
    assert f"/static/vendor/scalar-api-reference-{SCALAR_VERSION}/standalone.js" in client.get("/schema/scalar").text
    assert "latest" not in client.get("/schema/scalar").text


def test_static_files_stay_inside_their_directory(client: TestClient) -> None:
    assert client.get("/static/../app.py").status_code == 404
    assert client.get("/static/%2e%2e/app.py").status_code == 404
    assert client.get("/static/vendor/nothing-here.js").status_code == 404
    assert "/static" not in str(client.get("/schema/openapi.json").json()["paths"])


def test_licenses_ship_with_the_vendored_assets() -> None:
    vendor = Path(__file__).resolve().parents[2] / "adapters" / "http" / "static" / "vendor"
    assert (vendor / f"swagger-ui-{SWAGGER_UI_VERSION}" / "LICENSE").is_file()
    assert (vendor / f"scalar-api-reference-{SCALAR_VERSION}" / "LICENSE").is_file()
    sources = (vendor / "SOURCES.md").read_text()
    assert SWAGGER_UI_VERSION in sources and SCALAR_VERSION in sources
