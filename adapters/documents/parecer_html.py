"""A `Parecer` as one HTML page (Jinja2, autoescaped: every user text is escaped)."""

from __future__ import annotations

from functools import lru_cache

import jinja2

from core.domain.parecer import Parecer


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("adapters.documents", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )


def render_html(parecer: Parecer) -> str:
    emitido = parecer.emitido_em.strftime("%d/%m/%Y %H:%M UTC")
    return _environment().get_template("parecer.html").render(parecer=parecer, emitido=emitido)
