"""/v1/reviews/{id}/parecer.html|.pdf: the parecer of a review item as a document (ADR 0026).

Thin: the use case builds the `Parecer` (core/domain/parecer.py), adapters/documents/ render it.
The HTML page may use its own inline styles and nothing else (no script can run in it)."""

from __future__ import annotations

from litestar import Controller, MediaType, Response, get
from litestar.di import NamedDependency

from adapters.documents.parecer_html import render_html
from adapters.documents.parecer_pdf import render_pdf
from adapters.http.routes_equivalences import AUTH_ERRORS
from adapters.http.routes_reviews import BAD_PATH, NOT_FOUND, REVIEW_READERS, ReviewId, Uow
from core.domain.records import Principal
from core.ports.clock import Clock
from core.usecases.pareceres import parecer_of_review

PARECER_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"


class ParecerController(Controller):
    path = "/v1/reviews"
    tags = ["reviews"]
    opt = {"roles": REVIEW_READERS}

    @get(
        "/{review_id:str}/parecer.html",
        operation_id="getReviewParecerHtml",
        media_type=MediaType.HTML,
        sync_to_thread=True,
        responses={**AUTH_ERRORS, **NOT_FOUND, **BAD_PATH},
    )
    def parecer_html(self, review_id: ReviewId, principal: NamedDependency[Principal], uow_factory: Uow, clock: NamedDependency[Clock]) -> Response[str]:
        """The parecer (Relatório, Fundamentação, Conclusão) as an HTML page, in Portuguese."""
        parecer = parecer_of_review(uow_factory, principal.tenant_id, review_id, clock)
        headers = {"Content-Security-Policy": PARECER_CSP, "Cache-Control": "no-store"}
        return Response(render_html(parecer), media_type="text/html; charset=utf-8", headers=headers)

    @get(
        "/{review_id:str}/parecer.pdf",
        operation_id="getReviewParecerPdf",
        media_type="application/pdf",
        sync_to_thread=True,
        responses={**AUTH_ERRORS, **NOT_FOUND, **BAD_PATH},
    )
    def parecer_pdf(self, review_id: ReviewId, principal: NamedDependency[Principal], uow_factory: Uow, clock: NamedDependency[Clock]) -> Response[bytes]:
        """The same parecer as a PDF, ready to attach to the institution's process (SEI)."""
        parecer = parecer_of_review(uow_factory, principal.tenant_id, review_id, clock)
        headers = {"Content-Disposition": f'inline; filename="parecer-{review_id}.pdf"', "Cache-Control": "no-store"}
        return Response(render_pdf(parecer), media_type="application/pdf", headers=headers)
