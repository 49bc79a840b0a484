"""A tenant's parecer reason codes (ADR 0026): the default list, its own list, validation, audit."""

from __future__ import annotations

import dataclasses

import pytest

from core.domain.errors import InvalidInput, NotFound
from core.domain.reason_codes import MAX_CODES, validate_reason_codes
from core.domain.records import Role
from core.domain.review import DEFAULT_REASON_CODES, Move, ReviewAction, ReviewActor
from core.usecases.bootstrap import DEFAULT_TENANT
from tests.support.evaluate_world import ORIGEM, command, world

REVIEWER = ReviewActor("k-rev", Role.REVIEWER)
ADMIN = {"key_id": "k-admin", "role": "admin"}


@pytest.mark.parametrize(
    ("codes", "message"),
    [
        ([], "pelo menos um"),
        (["Conteudo"], "inválidos"),
        (["a-b"], "inválidos"),
        (["ok", "ok"], "repetidos: ok"),
        ([f"c{i}" for i in range(MAX_CODES + 1)], "no máximo"),
    ],
)
def test_an_unusable_list_is_refused_naming_the_problem(codes: list[str], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        validate_reason_codes(codes)


def test_decide_accepts_only_the_tenants_codes_and_names_them_when_it_refuses() -> None:
    w = world()
    assert w.reviews.reason_codes(DEFAULT_TENANT) == (DEFAULT_REASON_CODES, True)
    w.evaluate(command("r-1", origem=dataclasses.replace(ORIGEM, aprovado=None)))
    with w.uows.reading() as uow:
        item = uow.reviews.for_request(DEFAULT_TENANT, "r-1")
    assert item is not None
    w.reviews.move(DEFAULT_TENANT, item.review_id, Move(ReviewAction.CLAIM), REVIEWER)
    assert w.reviews.set_reason_codes(DEFAULT_TENANT, ["ementa_divergente", "outro"], ADMIN) == ("ementa_divergente", "outro")
    assert w.reviews.reason_codes(DEFAULT_TENANT) == (("ementa_divergente", "outro"), False)
    refused = Move(ReviewAction.DECIDE, decisao="INDEFERIDO", motivo="conteudo_insuficiente", parecer="Faltam tópicos.")
    with pytest.raises(InvalidInput, match="ementa_divergente, outro"):
        w.reviews.move(DEFAULT_TENANT, item.review_id, refused, REVIEWER)
    decided = w.reviews.move(DEFAULT_TENANT, item.review_id, dataclasses.replace(refused, motivo="ementa_divergente"), REVIEWER)
    assert decided.reason_code == "ementa_divergente"
    with w.uows.reading() as uow:
        [event] = [e for e in uow.audit.list_events(DEFAULT_TENANT, limit=100) if e.event_type == "review.reason_codes"]
    assert event.payload == {"codes": ["ementa_divergente", "outro"], "actor": ADMIN}


def test_another_tenant_keeps_the_default_list_and_an_unknown_tenant_is_refused() -> None:
    w = world()
    w.reviews.set_reason_codes(DEFAULT_TENANT, ["outro"], ADMIN)
    assert w.reviews.reason_codes("other") == (DEFAULT_REASON_CODES, True)
    with pytest.raises(NotFound):
        w.reviews.set_reason_codes("no-such-tenant", ["outro"], ADMIN)
    with pytest.raises(InvalidInput):
        w.reviews.set_reason_codes(DEFAULT_TENANT, ["outro", "outro"], ADMIN)
    assert w.reviews.reason_codes(DEFAULT_TENANT) == (("outro",), False)
