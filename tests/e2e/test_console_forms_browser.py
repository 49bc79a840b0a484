"""The console's forms in a real browser (Debian's Chromium, headless): Avaliar clicked three
times is one request and one evaluation; a refused HTMX request (a stale CSRF token, a session
replaced in another tab) says so in Portuguese next to the form, keeping what was typed.

Needs `chromium` (apt) and Playwright for Python (no browser download): skipped without them,
except with CI=true, where it fails.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.browser import console_page, sign_in, warm_server
from tests.support.e2e import ADMIN_KEY, PAIR

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with warm_server(tmp_path_factory.mktemp("console-forms-browser")) as base:
        yield base


def _fill(page: Any) -> None:
    for name, course in (("Origem (disciplina cursada)", PAIR["origem"]), ("Destino (disciplina do currículo)", PAIR["destino"])):
        group = page.get_by_role("group", name=name)
        group.get_by_label("Nome da disciplina").fill(course["nome"])
        group.get_by_label("Carga horária (horas)").fill(str(course["carga_horaria"]))
        group.get_by_label("Ementa").fill(course["ementa"])


def test_avaliar_clicked_three_times_quickly_sends_one_request(server: str, browser: Any, tmp_path: Path) -> None:
    errors: list[str] = []
    posts: list[str] = []
    context, page = console_page(browser, errors)
    sign_in(page, server, ADMIN_KEY, "/console/avaliar")
    _fill(page)
    page.on("request", lambda r: posts.append(r.post_data or "") if r.method == "POST" and r.url.endswith("/console/avaliar") else None)
    first_id = page.locator("input[name='request_id']").input_value()
    page.get_by_role("button", name="Avaliar").click(click_count=3, delay=10)
    page.locator(".resultado").wait_for(timeout=60_000)
    assert len(posts) == 1, posts  # the button is disabled while the request runs
    assert page.get_by_role("button", name="Avaliar").is_enabled()
    assert first_id in page.locator(".resultado").inner_text() or first_id in page.content()
    assert page.locator("input[name='request_id']").input_value() != first_id  # a fresh id for the next one
    context.close()
    assert not errors, "\n".join(errors)


def test_a_refused_htmx_submission_says_why_and_keeps_the_form(server: str, browser: Any, tmp_path: Path) -> None:
    errors: list[str] = []
    context, page = console_page(browser, errors)
    sign_in(page, server, ADMIN_KEY, "/console/avaliar")
    _fill(page)
    page.locator("#avaliacao input[name='csrf_token']").evaluate("e => { e.value = 'stale'; }")  # another tab signed in again
    with page.expect_response(lambda r: r.url.endswith("/console/avaliar") and r.request.method == "POST") as answer:
        page.get_by_role("button", name="Avaliar").click()
    assert answer.value.status == 403
    alert = page.locator(".erro-envio[role='alert']")
    alert.wait_for()
    assert "Recarregue a página" in alert.inner_text()
    origem = page.get_by_role("group", name="Origem (disciplina cursada)")
    assert origem.get_by_label("Ementa").input_value() == PAIR["origem"]["ementa"]  # nothing typed is lost

    page.route("**/console/avaliar", lambda route: route.fulfill(status=429, body="", content_type="text/plain"))
    page.get_by_role("button", name="Avaliar").click()
    page.locator(".erro-envio", has_text="Muitas requisições").wait_for()
    page.route("**/console/avaliar", lambda route: route.fulfill(status=500, body="{}", content_type="application/json"))
    page.get_by_role("button", name="Avaliar").click()
    page.locator(".erro-envio", has_text="Erro interno").wait_for()
    assert page.locator(".erro-envio").count() == 1  # replaced, not piled up
    context.close()
    expected = ("status of 403", "status of 429", "status of 500", "Response Status Error Code")  # htmx logs each refusal
    unexpected = [e for e in errors if not any(text in e for text in expected)]
    assert not unexpected, "\n".join(unexpected)
