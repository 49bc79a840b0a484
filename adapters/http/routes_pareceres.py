"""/v1/reviews/{id}/parecer.html|.pdf: the parecer of a review item as a document (ADR 0026).

Thin: the use case builds the `Parecer` (core/domain/parecer.py), adapters/documents/ render it.
The HTML page may use its own inline styles and nothing else (no script can run in it)."""

from __future__ import annotations

from litestar import Controller, MediaType, Response
from adapters.http.threaded import get
from litestar.di import NamedDependency

from adapters.documents.parecer_html import render_html
from adapters.documents.parecer_pdf import render_pdf
from adapters.http.error_table import AUTH, INVALID, responses
from adapters.http.routes_reviews import REVIEW_READERS, ReviewId
from core.domain.records import Principal
from core.domain.errors import NotFound
from core.usecases.pareceres import Pareceres

PARECER_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"


class ParecerController(Controller):
    path = "/v1/reviews"
    tags = ["reviews"]
    opt = {"roles": REVIEW_READERS}

    @get(
        "/{review_id:str}/parecer.html",
        operation_id="getReviewParecerHtml",
        media_type=MediaType.HTML,
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
        responses=responses(AUTH, NotFound, INVALID),
    )
    def parecer_pdf(self, review_id: ReviewId, principal: NamedDependency[Principal], pareceres: NamedDependency[Pareceres]) -> Response[bytes]:
        """The same parecer as a PDF, ready to attach to the institution's process (SEI)."""
        parecer = pareceres.of_review(principal.tenant_id, review_id)
        headers = {"Content-Disposition": f'inline; filename="parecer-{review_id}.pdf"', "Cache-Control": "no-store"}
        return Response(render_pdf(parecer), media_type="application/pdf", headers=headers)
