"""The API documentation pages, served with vendored assets only (no CDN, no inline script).

Litestar's Swagger/Scalar plugins link CDN scripts and inline the initialisation code; these
subclasses render a page whose every script, stylesheet and icon is a file under `/static/`, and
whose configuration travels in `data-*` attributes, so the pages work offline and under a strict
`Content-Security-Policy: script-src 'self'` (Scalar additionally injects its own `<style>`
element at run time: see docs/adr/0018-offline-api-docs.md).
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from litestar import Request, Router
from litestar.datastructures import CacheControlHeader
from litestar.openapi.plugins import OpenAPIRenderPlugin, ScalarRenderPlugin, SwaggerRenderPlugin
from litestar.static_files import create_static_files_router

STATIC_DIR = Path(__file__).parent / "static"
STATIC_PATH = "/static"
SWAGGER_UI_VERSION = "5.35.0"
SCALAR_VERSION = "1.76.0"

_SWAGGER = f"{STATIC_PATH}/vendor/swagger-ui-{SWAGGER_UI_VERSION}"
_SCALAR = f"{STATIC_PATH}/vendor/scalar-api-reference-{SCALAR_VERSION}"
_FAVICON = f'<link rel="icon" type="image/png" href="{_SWAGGER}/favicon-32x32.png">'
_STYLE = f'<link rel="stylesheet" href="{STATIC_PATH}/docs/docs.css">'


def _page(title: str, head: str, body: str) -> bytes:
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n'
        f'<meta charset="utf-8">\n<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n{head}\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    ).encode()


def _title(openapi_schema: dict[str, Any]) -> str:
    return str(openapi_schema.get("info", {}).get("title", "API"))


def _spec_url(request: Request[Any, Any, Any]) -> str:
    return escape(OpenAPIRenderPlugin.get_openapi_json_route(request), quote=True)


class OfflineSwaggerRenderPlugin(SwaggerRenderPlugin):
    """Swagger UI from `/static/vendor/swagger-ui-<version>/`, started by `/static/docs/swagger-init.js`."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            js_url=f"{_SWAGGER}/swagger-ui-bundle.js",
            css_url=f"{_SWAGGER}/swagger-ui.css",
            standalone_preset_js_url="",  # the standalone layout (top bar) is not used
            favicon=_FAVICON,
            style=_STYLE,
            **kwargs,
        )

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        head = f'{self.favicon}\n<link rel="stylesheet" href="{self.css_url}">\n{self.style}'
        body = (
            f'<div id="swagger-ui" data-openapi-url="{_spec_url(request)}"></div>\n'
            f'<script src="{self.js_url}"></script>\n'
            f'<script src="{STATIC_PATH}/docs/swagger-init.js"></script>'
        )
        return _page(_title(openapi_schema), head, body)

    def receive_router(self, router: Router) -> None:
        """No OAuth2 redirect page: the API authenticates with an API key header only."""


class OfflineScalarRenderPlugin(ScalarRenderPlugin):
    """Scalar from `/static/vendor/scalar-api-reference-<version>/`, started by `/static/docs/scalar-init.js`."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            js_url=f"{_SCALAR}/standalone.js",
            css_url=f"{STATIC_PATH}/docs/docs.css",
            favicon=_FAVICON,
            style="",
            **kwargs,
        )

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        head = f'{self.favicon}\n<link rel="stylesheet" href="{self.css_url}">'
        body = (
            "<noscript>Scalar needs JavaScript; the OpenAPI document itself is at "
            f'<a href="{_spec_url(request)}">{_spec_url(request)}</a>.</noscript>\n'
            f'<div id="scalar-docs" data-openapi-url="{_spec_url(request)}"></div>\n'
            f'<script src="{self.js_url}"></script>\n'
            f'<script src="{STATIC_PATH}/docs/scalar-init.js"></script>'
        )
        return _page(_title(openapi_schema), head, body)


def api_docs_render_plugins() -> list[OpenAPIRenderPlugin]:
    return [OfflineSwaggerRenderPlugin(), OfflineScalarRenderPlugin()]


def static_files_router() -> Router:
    """`/static/...` from the package's `static/` directory (versioned vendor paths: cacheable for a day)."""
    return create_static_files_router(
        path=STATIC_PATH,
        directories=[STATIC_DIR],
        name="static",
        include_in_schema=False,
        cache_control=CacheControlHeader(max_age=86400, public=True),
    )
