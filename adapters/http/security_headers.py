"""Security headers on every response (404s and errors included: a `before_send` hook).

- `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY`, `Referrer-Policy: no-referrer`;
- `Content-Security-Policy`: for the API (JSON) nothing may load and nobody may frame it;
  for the HTML doc pages under /schema, what Swagger UI and Scalar need: their scripts and
  styles (served by the app, or the pinned CDN Litestar's render plugins name), the inline
  bootstrap script, fonts and images, and fetching the OpenAPI document from this origin;
  for the console pages under /console, CONSOLE_CSP (own script and stylesheet only).
"""

from __future__ import annotations

from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
DOCS_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'none'"
)
"""The API docs pages load only the app's own vendored assets (ADR 0018): no CDN, no inline
script. Inline *styles* stay allowed because Scalar injects its stylesheet at run time."""
CONSOLE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
"""The console pages (adapters/http/console): the app's own script (HTMX) and stylesheet, no
inline script or style; forms post to this origin only; HTMX requests go to this origin."""
_COMMON = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


def _is_docs_page(path: str) -> bool:
    return path.startswith("/schema") and not path.endswith((".json", ".yaml", ".yml"))


async def security_headers(message: Message, scope: Scope) -> None:
    if message["type"] != "http.response.start":
        return
    headers = MutableScopeHeaders.from_message(message)
    for name, value in _COMMON.items():
        headers.setdefault(name, value)  # type: ignore[attr-defined]
    headers.setdefault("Content-Security-Policy", _csp(str(scope.get("path", ""))))  # type: ignore[attr-defined]


def _csp(path: str) -> str:
    if path == "/console" or path.startswith("/console/"):
        return CONSOLE_CSP
    return DOCS_CSP if _is_docs_page(path) else API_CSP
