"""EvaluatePair over the fakes: a seeded tenant, a small taxonomy, mapper answers and commands."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from core.domain.model import ConceptMatch, Course, Policy, Taxonomy, TaxonomyNode
from core.domain.records import AuditEvent, CourseBinding, StoredResult
from core.usecases.bootstrap import DEFAULT_TENANT, Seed
from core.usecases.evaluate import EvaluateCommand, EvaluatePair
from core.usecases.pareceres import Pareceres
from core.usecases.precedents import Precedents
from core.usecases.reviews import Reviews
from tests.fakes import (
    FailingMapper,
    FakeUnitOfWorkFactory,
    FixedClock,
    SequentialIds,
    StaticMapper,
)


TAXONOMY = Taxonomy(
    "tax-1",
    (
        TaxonomyNode("lim", "matematica", "calculo", "Limites", critico=True),
        TaxonomyNode("der", "matematica", "calculo", "Derivadas", critico=True),
        TaxonomyNode("int", "matematica", "calculo", "Integrais"),
        TaxonomyNode("ser", "matematica", "calculo", "Séries"),
    ),
)
TAXONOMY_2 = Taxonomy("tax-2", TAXONOMY.nodes)
POLICY = Policy(version="pol-1")
POLICY_2 = Policy(version="pol-2", min_score_deferir=95.0)
ORIGEM_TEXT = "Limites, derivadas, integrais e séries."
DESTINO_TEXT = "Limites. Derivadas. Integrais. Séries."
ALL_CONCEPTS = tuple(ConceptMatch(n.node_id, 0.9, (n.conceito,)) for n in TAXONOMY.nodes)
ANSWERS = {ORIGEM_TEXT: ALL_CONCEPTS, DESTINO_TEXT: ALL_CONCEPTS}  # full coverage: DEFERIDO
ORIGEM = Course("Cálculo I", 60, ORIGEM_TEXT, aprovado=True)
DESTINO = Course("Cálculo A", 60, DESTINO_TEXT)
ADMIN = {"key_id": "k-admin", "role": "admin"}


@dataclass
class World:
    uows: FakeUnitOfWorkFactory
    clock: FixedClock
    primary: StaticMapper | FailingMapper
    evaluate: EvaluatePair

    @property
    def reviews(self) -> Reviews:
        """The review use case over this world's fakes (items opened by `evaluate`)."""
        return Reviews(self.uows, self.clock)

    @property
    def precedents(self) -> Precedents:
        return Precedents(self.uows, self.clock)

    @property
    def pareceres(self) -> Pareceres:
        return Pareceres(self.uows, self.clock)

    def evaluation_events(self, tenant_id: str = DEFAULT_TENANT) -> list[AuditEvent]:
        with self.uows.reading() as uow:
            return [e for e in uow.audit.list_events(tenant_id) if e.event_type == "evaluation"]

    def stored(self, request_id: str, tenant_id: str = DEFAULT_TENANT) -> StoredResult | None:
        with self.uows.reading() as uow:
            return uow.results.get(tenant_id, request_id)


def world(primary: StaticMapper | FailingMapper | None = None, fallback: StaticMapper | None = None) -> World:
    """The default tenant seeded with tax-1/pol-1, plus tax-2/pol-2 and course CALC-A bound to them."""
    uows, clock = FakeUnitOfWorkFactory(), FixedClock()
    Seed(uows, b"pepper", clock, SequentialIds())(TAXONOMY, POLICY, None)
    with uows() as uow:
        uow.taxonomies.add(None, TAXONOMY_2)
        uow.policies.add(None, POLICY_2)
        uow.bindings.put(CourseBinding(DEFAULT_TENANT, "CALC-A", "tax-2", "pol-2"))
        uow.commit()
    primary = primary or StaticMapper(ANSWERS)
    return World(uows, clock, primary, EvaluatePair(uows, primary, fallback, clock))


def command(request_id: str = "r-1", payload_hash: str = "h-1", **changes: Any) -> EvaluateCommand:
    base = EvaluateCommand(DEFAULT_TENANT, request_id, payload_hash, ORIGEM, DESTINO)
    return dataclasses.replace(base, **changes)
