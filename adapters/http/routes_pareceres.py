"""/v1/reviews/{id}/parecer.html|.pdf: the parecer of a review item as a document (ADR 0026).

Thin: the use case builds the `Parecer` (core/domain/parecer.py), adapters/documents/ render it.
The HTML page may use its own inline styles and nothing else (no script can run in it)."""

from __future__ import annotations

from dataclasses import dataclass

from litestar import Controller, MediaType, Response

from adapters.http.threaded import get
from litestar.di import NamedDependency
from litestar.openapi.spec import OpenAPIFormat, OpenAPIMediaType, OpenAPIType, Operation, Schema

from adapters.documents.parecer_html import render_html
from adapters.documents.parecer_pdf import render_pdf
from adapters.http.error_table import AUTH, INVALID, responses
from adapters.http.routes_reviews import REVIEW_READERS, ReviewId
from core.domain.records import Principal
from core.domain.errors import NotFound
from core.usecases.pareceres import Pareceres

PARECER_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
PDF_SCHEMA = Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY, content_media_type="application/pdf")
TEXT_SCHEMA = Schema(type=OpenAPIType.STRING)


def answering_also(extra: dict[str, Schema], name: str) -> type[Operation]:
    """An operation class whose 200 also lists `extra` media types: Litestar declares one per
    handler (its `media_type`), so a route answering another format on `?format=` adds it here.
    A PDF is declared binary; another non-JSON 200 whose schema is empty (a `Response[Any]`
    handler) gets a string schema."""

    @dataclass
    class AlsoAnswering(Operation):
        def __post_init__(self) -> None:
            ok = (self.responses or {}).get("200")
            content = getattr(ok, "content", None)
            if content is None:
                return
            for media_type, shown in content.items():
                if media_type == "application/pdf":
                    shown.schema = PDF_SCHEMA
                elif media_type != "application/json" and shown.schema == Schema():
                    shown.schema = TEXT_SCHEMA
            for media_type, schema in extra.items():
                content.setdefault(media_type, OpenAPIMediaType(schema=schema))

    AlsoAnswering.__name__ = AlsoAnswering.__qualname__ = name
    return AlsoAnswering


HtmlOrPdfOperation = answering_also({"application/pdf": PDF_SCHEMA}, "HtmlOrPdfOperation")
"""GET /v1/cases/{id}/parecer: text/html, or application/pdf with `?format=pdf`."""
PdfOperation = answering_also({}, "PdfOperation")
"""GET /v1/reviews/{id}/parecer.pdf: a binary PDF."""
JsonOrCsvOperation = answering_also({"text/csv": TEXT_SCHEMA}, "JsonOrCsvOperation")
"""GET /v1/cases/{id}: JSON, or text/csv with `?format=csv`."""


class ParecerController(Controller):
    path = "/v1/reviews"
    tags = ["reviews"]
    opt = {"roles": REVIEW_READERS}

    @get(
        "/{review_id:str}/parecer.html",
        operation_id="getReviewParecerHtml",
        media_type=MediaType.HTML,
        response_description="the parecer as an HTML page",
        responses=responses(AUTH, NotFound, INVALID),
    )
    def parecer_html(self, review_id: ReviewId, principal: NamedDependency[Principal], pareceres: NamedDependency[Pareceres]) -> Response[str]:
        """The parecer (Relatório, Fundamentação, Conclusão) as an HTML page, in Portuguese."""
        parecer = pareceres.of_review(principal.tenant_id, review_id)
        headers = {"Content-Security-Policy": PARECER_CSP, "Cache-Control": "no-store"}
        return Response(render_html(parecer), media_type=MediaType.HTML, headers=headers)

    @get(
        "/{review_id:str}/parecer.pdf",
        operation_id="getReviewParecerPdf",
        media_type="application/pdf",
        operation_class=PdfOperation,
        response_description="the parecer as a PDF",
        responses=responses(AUTH, NotFound, INVALID),
    )
    def parecer_pdf(self, review_id: ReviewId, principal: NamedDependency[Principal], pareceres: NamedDependency[Pareceres]) -> Response[bytes]:
        """The same parecer as a PDF, ready to attach to the institution's process (SEI)."""
        parecer = pareceres.of_review(principal.tenant_id, review_id)
        headers = {"Content-Disposition": f'inline; filename="parecer-{review_id}.pdf"', "Cache-Control": "no-store"}
        return Response(render_pdf(parecer), media_type="application/pdf", headers=headers)
