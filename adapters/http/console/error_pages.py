"""The console's answer to a refused form: a Portuguese HTML page, never the API's JSON error.

A plain (non-HTMX) form post that is too large (413), not a form (415) or not parseable (400/422)
used to replace the page with the API's English JSON body. On console routes these render
`erro.html`; console.js also shows its `data-mensagem-erro` text for an HTMX request. Other
statuses, and every /v1 and /admin route, keep the JSON contract of adapters/http/errors.py.
"""

from __future__ import annotations

import re
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.response import Template

from adapters.http.errors import http_error

_LIMIT = re.compile(r"limit of (\d+) bytes")


def too_large_message(detail: str) -> str:
    """What a coordinator reads for a 413: the limit in characters, not in bytes."""
    found = _LIMIT.search(detail)
    if found is None:
        return "Texto grande demais para enviar. Encurte os campos e envie de novo."
    limit = f"{int(found.group(1)):,}".replace(",", ".")
    return (
        f"Texto grande demais: este formulário aceita no máximo {limit} caracteres "
        "(letras acentuadas contam em dobro). Volte, encurte o texto e envie de novo."
    )


MESSAGES = {
    400: "O formulário chegou incompleto ou malformado. Recarregue a página e envie de novo.",
    415: "Formato de envio não aceito. Recarregue a página e envie de novo.",
    422: "O formulário chegou com valores inválidos. Recarregue a página e envie de novo.",
}


def _page(status: int, message: str) -> Template:
    return Template(
        template_name="erro.html", context={"mensagem": message, "status": status},
        status_code=422 if status == 400 else status, media_type=MediaType.HTML,
    )


def console_http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    if exc.status_code == 413:
        return _page(413, too_large_message(exc.detail))
    if exc.status_code in MESSAGES:
        return _page(exc.status_code, MESSAGES[exc.status_code])
    return http_error(request, exc)


def console_validation_error(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    return _page(422, MESSAGES[422])


EXCEPTION_HANDLERS: dict[Any, Any] = {HTTPException: console_http_error, ValidationException: console_validation_error}
