"""Helpers of the console tests: the CSRF token a page carries, signing in, the Avaliar form."""

from __future__ import annotations

import re
from typing import Any

from litestar.testing import TestClient

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "the page has no CSRF field"
    return match.group(1)


def sign_in(client: TestClient, key: str) -> str:
    """Sign in through the form; returns the session's CSRF token (from the first page after it)."""
    page = client.get("/console/entrar")
    answer = client.post("/console/entrar", data={"csrf_token": csrf_of(page.text), "chave": key}, follow_redirects=True)
    assert answer.status_code == 200, answer.text
    return csrf_of(answer.text)


def pair_form(origem: dict[str, Any], destino: dict[str, Any], csrf: str) -> dict[str, str]:
    form = {"csrf_token": csrf}
    for side, course in (("origem", origem), ("destino", destino)):
        aprovado = course.get("aprovado")
        form |= {
            f"{side}_nome": course["nome"],
            f"{side}_carga_horaria": str(course["carga_horaria"]),
            f"{side}_ementa": course["ementa"],
        }
        if side == "origem":
            form["origem_aprovado"] = "" if aprovado is None else ("sim" if aprovado else "nao")
    return form
