"""Review items over HTTP (real stack, SQLite and PostgreSQL): an ANALISE_HUMANA evaluation is
claimed, decided and homologated; the stored result shows the final decision; roles, states,
tenants and the audit chain (ADR 0020)."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import update

from adapters.persistence.database import create_engine_for, session_factory
from adapters.persistence.sqla_models import EvaluationResultRow, ReviewItemRow
from adapters.persistence.sqla_unit_of_work import SqlaUnitOfWorkFactory
from core.domain.api_keys import hash_key, key_prefix
from core.domain.records import ApiKeyRecord, Role, Tenant
from tests.support.http_api import DESTINO, ORIGEM, PEPPER, TAXONOMY, make_client

ROLES = {"admin": Role.ADMIN, "client": Role.CLIENT, "auditor": Role.AUDITOR, "reviewer": Role.REVIEWER,
         "reviewer2": Role.REVIEWER, "coordinator": Role.COORDINATOR}
UNKNOWN_APPROVAL = {k: v for k, v in ORIGEM.items() if k != "aprovado"}  # the default policy sends it to a person
PARECER = {"decisao": "DEFERIDO", "motivo": "conteudo_equivalente", "parecer": "Conteúdos e carga horária equivalentes."}


@dataclass
class Desk:
    """A fresh tenant with a key of each role (ids in `key_ids`) and another tenant's admin."""

    client: TestClient
    tenant: str
    keys: dict[str, str]
    key_ids: dict[str, str]
    uows: SqlaUnitOfWorkFactory
    db_url: str

    def call(self, method: str, path: str, key: str, **kwargs: Any) -> Any:
        return self.client.request(method, path, headers={"X-API-Key": self.keys[key]}, **kwargs)

    def review(self, request_id: str, instituicao: str | None = None, curso: str | None = None) -> str:
        origem = UNKNOWN_APPROVAL if instituicao is None else {**UNKNOWN_APPROVAL, "instituicao": instituicao}
        destino = DESTINO if curso is None else {**DESTINO, "codigo": curso}
        body = {"request_id": request_id, "origem": origem, "destino": destino}
        answer = self.call("POST", "/v1/equivalences/evaluate", "client", json=body)
        assert answer.status_code == 200 and answer.json()["decisao"] == "ANALISE_HUMANA", answer.text
        stored = self.call("GET", f"/v1/equivalences/{request_id}", "reviewer").json()
        return str(stored["revisao"]["review_id"])


@pytest.fixture
def desk(db_url: str, tmp_path: Path) -> Iterator[Desk]:
    tag = uuid.uuid4().hex[:10]
    tenant, other = f"rev-{tag}", f"rev2-{tag}"
    keys = {name: f"eqv_live_{secrets.token_urlsafe(24)}" for name in (*ROLES, "other")}
    key_ids = {name: uuid.uuid4().hex for name in keys}
    engine = create_engine_for(db_url)
    uows = SqlaUnitOfWorkFactory(session_factory(engine))
    now = dt.datetime.now(dt.timezone.utc)
    for client in make_client(db_url, tmp_path):
        with uows() as uow:
            uow.tenants.add(Tenant(tenant, "Universidade A", True, TAXONOMY.version, "default-v1"))
            uow.tenants.add(Tenant(other, "Universidade B", True, TAXONOMY.version, "default-v1"))
            for name, key in keys.items():
                owner, role = (other, Role.ADMIN) if name == "other" else (tenant, ROLES[name])
                uow.api_keys.add(ApiKeyRecord(key_ids[name], owner, key_prefix(key), hash_key(key, PEPPER), role, name, now))
            uow.commit()
        yield Desk(client, tenant, keys, key_ids, uows, db_url)
    engine.dispose()


def test_evaluation_reviewed_homologated_shows_the_final_decision_and_the_chain_verifies(desk: Desk) -> None:
    request_id = f"review-e2e-{uuid.uuid4().hex[:8]}"
    review_id = desk.review(request_id)
    pending = desk.call("GET", f"/v1/equivalences/{request_id}", "client").json()
    assert (pending["decisao_final"], pending["decisao_final_origem"]) == (None, None)
    assert pending["revisao"]["state"] == "pendente"

    claimed = desk.call("POST", f"/v1/reviews/{review_id}/claim", "reviewer")
    assert claimed.status_code == 200, claimed.text
    assert claimed.json()["state"] == "em_analise" and claimed.json()["assignee_key_id"] == desk.key_ids["reviewer"]
    decided = desk.call("POST", f"/v1/reviews/{review_id}/decide", "reviewer", json=PARECER)
    assert decided.status_code == 200 and decided.json()["state"] == "parecer_emitido", decided.text
    homologated = desk.call("POST", f"/v1/reviews/{review_id}/homologate", "coordinator")
    assert homologated.status_code == 200 and homologated.json()["state"] == "homologado", homologated.text

    final = desk.call("GET", f"/v1/equivalences/{request_id}", "client").json()
    assert final["decisao"] == "ANALISE_HUMANA"  # the answer as first given is kept
    assert (final["decisao_final"], final["decisao_final_origem"]) == ("DEFERIDO", "revisao")
    assert [h["action"] for h in final["revisao"]["history"]] == ["claim", "decide", "homologate"]
    assert final["revisao"]["history"][-1]["actor"] == {"key_id": desk.key_ids["coordinator"], "role": "coordinator"}

    audit = desk.call("GET", "/admin/audit", "auditor", params={"limit": 100}).json()
    kinds = [e["event_type"] for e in (audit["events"] if isinstance(audit, dict) else audit)]
    assert kinds[-5:] == ["evaluation", "review.opened", "review.claim", "review.decide", "review.homologate"]
    verified = desk.call("GET", "/admin/audit/verify", "auditor")
    assert verified.status_code == 200 and verified.json()["ok"] is True, verified.text


def test_an_automatic_decision_is_final_at_once(desk: Desk) -> None:
    body = {"request_id": f"review-auto-{uuid.uuid4().hex[:8]}", "origem": ORIGEM, "destino": DESTINO}
    answer = desk.call("POST", "/v1/equivalences/evaluate", "client", json=body).json()
    assert answer["decisao"] == "DEFERIDO" and "decisao_final" not in answer  # POST answers are unchanged
    stored = desk.call("GET", f"/v1/equivalences/{body['request_id']}", "client").json()
    assert (stored["decisao_final"], stored["decisao_final_origem"], stored["revisao"]) == ("DEFERIDO", "automatica", None)


def test_forbidden_roles_invalid_states_and_other_tenants(desk: Desk) -> None:
    review_id = desk.review(f"review-refuse-{uuid.uuid4().hex[:8]}")
    path = f"/v1/reviews/{review_id}"
    assert desk.call("POST", f"{path}/homologate", "reviewer").status_code == 403
    assert desk.call("POST", f"{path}/claim", "coordinator").status_code == 403
    assert desk.call("POST", f"{path}/claim", "client").status_code == 403
    conflict = desk.call("POST", f"{path}/homologate", "coordinator")
    assert conflict.status_code == 409 and "pendente" in conflict.json()["detail"]
    assert desk.call("POST", f"{path}/claim", "reviewer").status_code == 200
    assert desk.call("POST", f"{path}/claim", "reviewer2").status_code == 409  # already taken
    not_mine = desk.call("POST", f"{path}/decide", "reviewer2", json=PARECER)
    assert not_mine.status_code == 403 and "assigned" in not_mine.json()["detail"]
    bad_code = desk.call("POST", f"{path}/decide", "reviewer", json={**PARECER, "motivo": "palpite"})
    assert bad_code.status_code == 422 and "reason codes" in bad_code.json()["detail"]
    assert desk.call("GET", path, "other").status_code == 404
    assert desk.call("POST", f"{path}/decide", "other", json=PARECER).status_code == 404
    assert desk.call("GET", path, "auditor").json()["state"] == "em_analise"


def test_assign_return_and_decide_again(desk: Desk) -> None:
    review_id = desk.review(f"review-return-{uuid.uuid4().hex[:8]}")
    path = f"/v1/reviews/{review_id}"
    refused = desk.call("POST", f"{path}/assign", "coordinator", json={"assignee_key_id": desk.key_ids["client"]})
    assert refused.status_code == 422, refused.text
    assigned = desk.call("POST", f"{path}/assign", "coordinator", json={"assignee_key_id": desk.key_ids["reviewer2"]})
    assert assigned.status_code == 200 and assigned.json()["assignee_key_id"] == desk.key_ids["reviewer2"]
    assert desk.call("POST", f"{path}/decide", "reviewer2", json=PARECER).status_code == 200
    returned = desk.call("POST", f"{path}/return", "coordinator", json={"motivo": "Confira a carga horária."})
    assert returned.status_code == 200 and returned.json()["state"] == "em_analise" and returned.json()["decisao"] is None
    again = desk.call("POST", f"{path}/decide", "reviewer2", json={**PARECER, "decisao": "INDEFERIDO", "motivo": "carga_horaria_insuficiente"})
    assert again.status_code == 200, again.text
    assert desk.call("POST", f"{path}/homologate", "admin").status_code == 200
    shown = desk.call("GET", path, "coordinator").json()
    assert [h["action"] for h in shown["history"]] == ["assign", "decide", "return", "decide", "homologate"]
    assert (shown["decisao"], shown["motivo"]) == ("INDEFERIDO", "carga_horaria_insuficiente")


def test_the_queue_filters_by_state_assignee_and_overdue_in_keyset_pages(desk: Desk) -> None:
    ids = [desk.review(f"review-queue-{i}-{uuid.uuid4().hex[:8]}") for i in range(3)]
    assert desk.call("POST", f"/v1/reviews/{ids[0]}/claim", "reviewer").status_code == 200
    first = desk.call("GET", "/v1/reviews", "coordinator", params={"limit": 2}).json()
    assert [i["review_id"] for i in first["items"]] == ids[:2] and first["next_after"] == ids[1]
    rest = desk.call("GET", "/v1/reviews", "coordinator", params={"limit": 2, "after": first["next_after"]}).json()
    assert [i["review_id"] for i in rest["items"]] == ids[2:] and rest["next_after"] is None
    pending = desk.call("GET", "/v1/reviews", "reviewer", params={"state": "pendente"}).json()["items"]
    assert [i["review_id"] for i in pending] == ids[1:]
    mine = desk.call("GET", "/v1/reviews", "reviewer", params={"assignee": desk.key_ids["reviewer"]}).json()["items"]
    assert [i["review_id"] for i in mine] == ids[:1]
    overdue = desk.call("GET", "/v1/reviews", "reviewer", params={"overdue": "true"}).json()["items"]
    assert overdue == [] and not pending[0]["overdue"]
    assert desk.call("GET", "/v1/reviews", "reviewer", params={"state": "fechado"}).status_code == 422
    assert desk.call("GET", "/v1/reviews", "other").json()["items"] == []


@pytest.mark.parametrize("cursor", ["garbage", "rv_2026", "pc_20260101000000000000_00000_0123456789", "rv_" + "9" * 20 + "_GGGGGGGGGGGG"])
def test_a_cursor_not_from_next_after_is_422_naming_it_not_the_first_page(desk: Desk, cursor: str) -> None:
    desk.review(f"review-cursor-{uuid.uuid4().hex[:8]}")
    answer = desk.call("GET", "/v1/reviews", "coordinator", params={"after": cursor})
    assert answer.status_code == 422, answer.text
    [error] = answer.json()["extra"]
    assert (error["field"], error["source"]) == ("after", "query") and "next_after" in error["message"]


def test_the_queue_filters_by_institution_course_and_age(desk: Desk) -> None:
    ufpb = desk.review(f"review-inst-{uuid.uuid4().hex[:8]}", "Universidade Federal da Paraíba", "BD-101")
    unb = desk.review(f"review-inst-{uuid.uuid4().hex[:8]}", "Universidade de Brasília", "bd 101")
    unnamed = desk.review(f"review-inst-{uuid.uuid4().hex[:8]}")

    def listed(**params: Any) -> list[str]:
        answer = desk.call("GET", "/v1/reviews", "coordinator", params={"limit": 200, **params})
        assert answer.status_code == 200, answer.text
        return [i["review_id"] for i in answer.json()["items"]]

    assert listed(institution="UNIVERSIDADE FEDERAL DA PARAIBA") == [ufpb]  # case and accents ignored
    assert listed(institution="universidade de  brasília") == [unb]
    assert listed(course="BD101") == [ufpb, unb]  # the destino's code, spacing and punctuation ignored
    assert listed(course="BD101", institution="Universidade de Brasília", state="pendente") == [unb]
    assert listed(institution="Universidade Federal de Pernambuco") == []
    shown = desk.call("GET", f"/v1/reviews/{ufpb}", "reviewer").json()
    assert (shown["instituicao"], shown["curso"]) == ("Universidade Federal da Paraíba", "BD-101")
    assert unnamed in listed() and unnamed not in listed(course="BD101")

    assert listed(min_age_days=0) == [ufpb, unb, unnamed] and listed(min_age_days=1) == []
    engine = create_engine_for(desk.db_url)
    with session_factory(engine)() as session, session.begin():  # opened 40 days ago
        aged = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=40)
        session.execute(update(ReviewItemRow).where(ReviewItemRow.review_id == unb).values(created_at=aged))
    engine.dispose()
    assert listed(min_age_days=30) == [unb] and listed(min_age_days=30, institution="UFPB") == []
    for bad in ({"min_age_days": -1}, {"min_age_days": "velho"}, {"institution": " "}, {"course": "x" * 201}):
        assert desk.call("GET", "/v1/reviews", "reviewer", params=bad).status_code == 422, bad


def test_admins_issue_review_role_keys_over_http(desk: Desk) -> None:
    for role in ("reviewer", "coordinator"):
        issued = desk.call("POST", "/admin/api_keys", "admin", json={"role": role, "name": f"{role} novo"})
        assert issued.status_code == 201 and issued.json()["role"] == role, issued.text
        listing = desk.client.get("/v1/reviews", headers={"X-API-Key": issued.json()["key"]})
        assert listing.status_code == 200, listing.text


def _homologate(desk: Desk, review_id: str) -> None:
    for method, key, body in (("claim", "reviewer", None), ("decide", "reviewer", PARECER), ("homologate", "coordinator", None)):
        answer = desk.call("POST", f"/v1/reviews/{review_id}/{method}", key, json=body)
        assert answer.status_code == 200, answer.text


def test_a_recurso_reopens_the_final_decision_as_a_new_round(desk: Desk) -> None:
    request_id = f"review-recurso-{uuid.uuid4().hex[:8]}"
    review_id = desk.review(request_id)
    early = desk.call("POST", "/v1/reviews/recursos", "client", json={"request_id": request_id, "fatos": "Fatos."})
    assert early.status_code == 409, early.text  # nothing final to appeal yet
    _homologate(desk, review_id)
    final = desk.call("GET", f"/v1/reviews/{review_id}", "coordinator").json()
    assert final["recurso_ate"] is not None and final["terms"]["prazo_recurso_dias"] == 10
    assert desk.call("POST", "/v1/reviews/recursos", "reviewer", json={"request_id": request_id, "fatos": "F."}).status_code == 403
    body = {"request_id": request_id, "fatos": "O programa traz séries.", "ementa_origem": "Séries de potências <b>."}
    filed = desk.call("POST", "/v1/reviews/recursos", "client", json=body)
    assert filed.status_code == 200, filed.text
    assert (filed.json()["state"], filed.json()["rodada"], filed.json()["review_id"]) == ("pendente", 2, review_id)
    assert filed.json()["recurso"] == {"fatos": body["fatos"], "ementa": body["ementa_origem"]}
    appealed = desk.call("GET", f"/v1/equivalences/{request_id}", "client").json()
    assert appealed["decisao_final"] is None and appealed["revisao"]["state"] == "pendente"
    _homologate(desk, review_id)
    history = desk.call("GET", f"/v1/equivalences/{request_id}", "client").json()["revisao"]["history"]
    assert [(h["action"], h["rodada"]) for h in history] == [
        ("claim", 1), ("decide", 1), ("homologate", 1), ("recurso", 2), ("claim", 2), ("decide", 2), ("homologate", 2)
    ]
    assert desk.call("GET", "/admin/audit/verify", "auditor").json()["ok"] is True


def test_an_automatic_decision_on_appeal_and_a_recurso_out_of_time(desk: Desk) -> None:
    request_id = f"review-appeal-{uuid.uuid4().hex[:8]}"
    body = {"request_id": request_id, "origem": ORIGEM, "destino": DESTINO}
    assert desk.call("POST", "/v1/equivalences/evaluate", "client", json=body).json()["decisao"] == "DEFERIDO"
    filed = desk.call("POST", "/v1/reviews/recursos", "coordinator", json={"request_id": request_id, "fatos": "Reprovado depois."})
    assert filed.status_code == 200 and filed.json()["history"][0]["from"] == "automatica", filed.text
    assert desk.call("GET", f"/v1/equivalences/{request_id}", "client").json()["decisao_final"] is None

    old_id = f"review-old-{uuid.uuid4().hex[:8]}"
    assert desk.call("POST", "/v1/equivalences/evaluate", "client", json={**body, "request_id": old_id}).status_code == 200
    with desk.uows() as uow:  # the result was decided 60 days ago: the window (10 working days) is closed
        row = EvaluationResultRow.__table__
        long_ago = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=60)
        uow.session.execute(update(row).where(row.c.tenant_id == desk.tenant, row.c.request_id == old_id).values(created_at=long_ago))
        uow.commit()
    late = desk.call("POST", "/v1/reviews/recursos", "client", json={"request_id": old_id, "fatos": "Fatos novos."})
    assert late.status_code == 422 and "recurso fora do prazo" in late.json()["detail"], late.text
    missing = desk.call("POST", "/v1/reviews/recursos", "client", json={"request_id": "no-such-result", "fatos": "F."})
    assert missing.status_code == 404
    foreign = desk.call("POST", "/v1/reviews/recursos", "other", json={"request_id": request_id, "fatos": "F."})
    assert foreign.status_code == 404
    unknown_field = desk.call("POST", "/v1/reviews/recursos", "client", json={"request_id": old_id, "fatos": "F.", "x": 1})
    assert unknown_field.status_code == 422


def test_the_tenants_reason_codes_over_http(desk: Desk) -> None:
    shown = desk.call("GET", "/admin/tenant/review_reasons", "admin").json()
    assert shown["default"] is True and "conteudo_insuficiente" in shown["codes"]
    assert desk.call("PUT", "/admin/tenant/review_reasons", "coordinator", json={"codes": ["x"]}).status_code == 403
    repeated = desk.call("PUT", "/admin/tenant/review_reasons", "admin", json={"codes": ["a", "a"]})
    assert repeated.status_code == 422 and "repetidos" in repeated.json()["detail"], repeated.text
    assert desk.call("PUT", "/admin/tenant/review_reasons", "admin", json={"codes": ["Maiúscula"]}).status_code == 422
    stored = desk.call("PUT", "/admin/tenant/review_reasons", "admin", json={"codes": ["ementa_divergente", "outro"]})
    assert stored.status_code == 200 and stored.json() == {"codes": ["ementa_divergente", "outro"], "default": False}
    assert desk.call("GET", "/admin/tenant/review_reasons", "other").json()["default"] is True  # per tenant
    review_id = desk.review(f"review-reasons-{uuid.uuid4().hex[:8]}")
    assert desk.call("POST", f"/v1/reviews/{review_id}/claim", "reviewer").status_code == 200
    refused = desk.call("POST", f"/v1/reviews/{review_id}/decide", "reviewer", json=PARECER)  # conteudo_equivalente
    assert refused.status_code == 422 and "ementa_divergente, outro" in refused.json()["detail"], refused.text
    accepted = desk.call("POST", f"/v1/reviews/{review_id}/decide", "reviewer", json={**PARECER, "motivo": "ementa_divergente"})
    assert accepted.status_code == 200, accepted.text


def test_the_parecer_as_html_and_pdf(desk: Desk) -> None:
    request_id = f"review-parecer-{uuid.uuid4().hex[:8]}"
    review_id = desk.review(request_id)
    assert desk.call("POST", f"/v1/reviews/{review_id}/claim", "reviewer").status_code == 200
    hostile = {**PARECER, "parecer": "Equivalente. <script>alert(1)</script>"}
    assert desk.call("POST", f"/v1/reviews/{review_id}/decide", "reviewer", json=hostile).status_code == 200
    assert desk.call("POST", f"/v1/reviews/{review_id}/homologate", "coordinator").status_code == 200
    page = desk.call("GET", f"/v1/reviews/{review_id}/parecer.html", "auditor")
    assert page.status_code == 200 and page.headers["content-type"] == "text/html; charset=utf-8", page.text
    assert "script-src" not in page.headers["content-security-policy"] and "<script>" not in page.text
    assert "&lt;script&gt;" in page.text and "Conclusão" in page.text and "DEFERIMENTO" in page.text
    pdf = desk.call("GET", f"/v1/reviews/{review_id}/parecer.pdf", "coordinator")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")
    assert f"parecer-{review_id}.pdf" in pdf.headers["content-disposition"]
    assert desk.call("GET", f"/v1/reviews/{review_id}/parecer.pdf", "client").status_code == 403
    assert desk.call("GET", f"/v1/reviews/{review_id}/parecer.html", "other").status_code == 404
    assert desk.call("GET", "/v1/reviews/no-such-item/parecer.pdf", "reviewer").status_code == 404
