"""The review loop end to end, with real processes (issue 12): `serve` and a `worker` on PostgreSQL
and Redis, a real local webhook receiver. An evaluation goes to ANALISE_HUMANA; a reviewer claims
it and gives a parecer with a reason code; a coordinator homologates it (the default policy
requires it); the receiver gets the signed `decisao.final` event and verifies it; the decision is
registered as a precedent; the next identical request is answered by the precedent without the
mapper; `GET /v1/equivalences/{request_id}` shows the final decision, how it was reached and the
review history (ADRs 0020, 0024, 0025, 0026)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from core.domain.webhook_signature import HEADER
from tests.support.e2e import HEADERS, PAIR, processes
from tests.support.waiting import wait_until
from tests.support.webhook_receiver import WebhookReceiver

pytestmark = pytest.mark.e2e

# Covers half of the destino's topics: the default policy sends it to a person (cobertura_incerta),
# with the approval stated, so a precedent on the same ementa can decide the next request alone.
HALF = "Modelo entidade-relacionamento. Modelo relacional. Linguagem SQL: consultas."
PARECER = {"decisao": "DEFERIDO", "motivo": "conteudo_equivalente", "parecer": "Conteúdos e carga horária equivalentes."}
DEADLINE_S = 120.0  # bounds a hung test on a busy machine; not a performance claim


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver().up()
    yield receiver
    receiver.down()


class Api:
    """Calls to one server, each with the key of the role making it."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.keys = {"admin": HEADERS["X-API-Key"]}

    def add_key(self, role: str) -> None:
        created = self.call("POST", "/admin/api_keys", "admin", json={"role": role, "name": f"e2e {role}"})
        assert created.status_code == 201, created.text
        self.keys[role] = created.json()["key"]

    def call(self, method: str, path: str, role: str, **kwargs: Any) -> httpx.Response:
        return httpx.request(method, f"{self.base}{path}", headers={"X-API-Key": self.keys[role]}, timeout=60, **kwargs)

    def evaluate(self, body: dict[str, Any]) -> dict[str, Any]:
        answer = self.call("POST", "/v1/equivalences/evaluate", "client", json={**body, "request_id": f"loop-{uuid.uuid4().hex}"})
        assert answer.status_code == 200, answer.text
        return dict(answer.json())


def test_review_homologation_webhook_precedent_and_the_next_request(
    full_env: dict[str, str], tmp_path: Path, receiver: WebhookReceiver
) -> None:
    origem = {**PAIR["origem"], "ementa": HALF, "instituicao": "Universidade Federal da Paraíba", "codigo": f"BD-{uuid.uuid4().hex[:6]}"}
    body = {"origem": origem, "destino": {**PAIR["destino"], "codigo": "BD-DEST"}}
    allow = {"EQV_WEBHOOK_ALLOW_PRIVATE": "true"}  # the receiver listens on 127.0.0.1 (ADR 0049)
    with processes(full_env | allow, tmp_path) as running:
        api = Api(running.serve())
        running.start("worker", "--threads", "2")
        for role in ("client", "reviewer", "coordinator"):
            api.add_key(role)
        endpoint = api.call("POST", "/admin/webhooks", "admin", json={"url": receiver.url, "event_types": ["decisao.final"]})
        assert endpoint.status_code == 201, endpoint.text
        receiver.secret = endpoint.json()["secret"]

        # 1. The evaluation goes to a person: no final decision yet, one pending review item.
        first = api.evaluate(body)
        assert (first["decisao"], first["motivo_revisao"], first["precedente"]) == ("ANALISE_HUMANA", "cobertura_incerta", None)
        pending = api.call("GET", f"/v1/equivalences/{first['request_id']}", "client").json()
        assert (pending["decisao_final"], pending["revisao"]["state"]) == (None, "pendente")
        review_id = pending["revisao"]["review_id"]

        # 2. The reviewer claims it and gives the parecer; the coordinator homologates it.
        assert api.call("POST", f"/v1/reviews/{review_id}/decide", "coordinator", json=PARECER).status_code == 403
        assert api.call("POST", f"/v1/reviews/{review_id}/claim", "reviewer").status_code == 200
        decided = api.call("POST", f"/v1/reviews/{review_id}/decide", "reviewer", json=PARECER)
        assert decided.status_code == 200 and decided.json()["state"] == "parecer_emitido", decided.text
        assert receiver.received == []  # a parecer awaiting homologation is not final: nothing was published
        assert api.call("POST", f"/v1/reviews/{review_id}/homologate", "reviewer").status_code == 403
        homologated = api.call("POST", f"/v1/reviews/{review_id}/homologate", "coordinator")
        assert homologated.status_code == 200 and homologated.json()["state"] == "homologado", homologated.text

        # 3. The worker delivers the signed decisao.final; the receiver verifies the signature.
        [got] = receiver.wait_for(1, timeout_s=DEADLINE_S)
        assert got.verified and got.headers[HEADER].startswith("t=")
        assert got.event["type"] == "decisao.final" and got.headers["Equivalence-Event-Id"] == got.event["id"]
        assert {k: got.event["data"][k] for k in ("request_id", "review_id", "decisao_final", "como", "motivo")} == {
            "request_id": first["request_id"], "review_id": review_id, "decisao_final": "DEFERIDO", "como": "revisao",
            "motivo": "conteudo_equivalente",
        }

        def delivered() -> dict[str, Any] | None:
            page = api.call("GET", "/admin/webhooks/deliveries", "admin", params={"state": "entregue", "limit": 200}).json()["items"]
            return next((d for d in page if d["event_id"] == got.event["id"]), None)

        wait_until(delivered, timeout_s=DEADLINE_S, interval_s=0.2, what="the delivery is recorded as entregue")

        # 4. The homologated decision becomes the tenant's precedent.
        made = api.call("POST", "/v1/precedents/from-review", "coordinator", json={"review_id": review_id})
        assert made.status_code == 201, made.text
        precedent_id = made.json()["precedent_id"]
        assert made.json()["review_id"] == review_id and made.json()["vigente"] and made.json()["parecer"] == PARECER["parecer"]

        # 5. The next identical request is answered by the precedent, without the mapper.
        second = api.evaluate(body)
        assert (second["decisao"], second["decisao_origem"], second["model_version"]) == ("DEFERIDO", "precedente", "precedente")
        assert second["precedente"]["precedent_id"] == precedent_id and "mapping" not in second["timings_ms"]
        answered = api.call("GET", f"/v1/equivalences/{second['request_id']}", "client").json()
        assert (answered["decisao_final"], answered["decisao_final_origem"], answered["revisao"]) == ("DEFERIDO", "precedente", None)

        # 6. The first request now shows its final decision, how it was reached and the review history.
        final = api.call("GET", f"/v1/equivalences/{first['request_id']}", "client").json()
        assert (final["decisao"], final["decisao_final"], final["decisao_final_origem"]) == ("ANALISE_HUMANA", "DEFERIDO", "revisao")
        revisao = final["revisao"]
        assert (revisao["review_id"], revisao["state"], revisao["motivo"]) == (review_id, "homologado", "conteudo_equivalente")
        steps = [(h["action"], h["from"], h["to"], h["actor"]["role"]) for h in revisao["history"]]
        assert steps == [
            ("claim", "pendente", "em_analise", "reviewer"),
            ("decide", "em_analise", "parecer_emitido", "reviewer"),
            ("homologate", "parecer_emitido", "homologado", "coordinator"),
        ]
        assert all(h["actor"]["key_id"] for h in revisao["history"])

        def chain_verified() -> bool:
            verified = api.call("GET", "/admin/audit/verify", "admin")
            return verified.status_code == 200 and verified.json()["ok"] is True

        wait_until(chain_verified, timeout_s=DEADLINE_S, interval_s=0.2, what="the audit chain verifies")
    assert len(receiver.received) == 1  # one event, delivered once
