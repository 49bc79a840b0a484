"""The tenant's precedents: registered from homologated reviews or imported, consulted by evaluate.

Every write is audited in the same unit of work; a precedent is never deleted, its vigência is
ended (docs/adr/0024-precedents.md).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from core.domain.audit import sha256_text
from core.domain.errors import InvalidTransition, NotFound
from core.domain.model import Course
from core.domain.precedents import (
    InvalidPrecedent,
    Origin,
    PairOrigin,
    Precedent,
    PrecedentFileImported,
    PrecedentImport,
    PrecedentKind,
    PrecedentMatch,
    ReviewedPair,
    check_precedent,
    end_reason,
    end_vigencia,
    match,
    precedent_id_for,
)
from core.domain.model import Decision, Evaluation
from core.domain.precedent_decision import PRECEDENT_MODEL
from core.domain.records import AuditEvent
from core.domain.review import Move, ReviewAction, ReviewActor, ReviewItem
from core.ports.clock import Clock
from core.ports.precedent_repository import PrecedentFilter
from core.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from core.usecases.reviews import move_review

NO_MATCH = PrecedentMatch()


def find_precedents(
    uow: UnitOfWork, tenant_id: str, origem: Course, destino: Course, course_id: str | None, day: dt.date
) -> PrecedentMatch:
    """What the tenant's table says of a pair: one indexed read, only when the origem names its
    institution and code (a precedent is keyed by them)."""
    if not (origem.instituicao and origem.codigo):
        return NO_MATCH
    pair = PairOrigin(origem.instituicao, origem.codigo, origem.ementa)
    candidates = uow.precedents.for_origin(tenant_id, *pair.key)
    if not candidates:
        return NO_MATCH
    return match(candidates, pair, destino.codigo, course_id, day)


def precedent_fields(found: PrecedentMatch, evaluation: Evaluation) -> dict[str, Any]:
    """What an evaluation's document adds when precedents took part: `decisao_origem` and the
    `precedente` that decided, and the `precedentes_relacionados` shown as evidence. Nothing
    otherwise, so documents of pairs without precedents are unchanged."""
    fields: dict[str, Any] = {}
    if found.applied is not None and evaluation.model_version == PRECEDENT_MODEL:
        if evaluation.decisao is not Decision.ANALISE_HUMANA:
            fields["decisao_origem"] = "precedente"
        fields["precedente"] = {**found.applied.payload(), "parecer": found.applied.parecer}
    if found.related:
        fields["precedentes_relacionados"] = [
            {**p.payload(), "motivo": why, "parecer": p.parecer} for p, why in found.related
        ]
    return fields


def precedent_audit(document: Mapping[str, Any]) -> dict[str, Any]:
    """The evaluation's audit event names the precedent that decided and the related ones (ids only)."""
    out: dict[str, Any] = {}
    if "precedente" in document:
        out["precedent_id"] = document["precedente"]["precedent_id"]
    if "precedentes_relacionados" in document:
        out["precedentes_relacionados"] = [p["precedent_id"] for p in document["precedentes_relacionados"]]
    return out


def precedent_hits(document: Mapping[str, Any]) -> list[str]:
    """The /metrics outcomes of a stored evaluation: `binding_applied`, `advisory_shown`."""
    hits = ["binding_applied"] if document.get("decisao_origem") == "precedente" else []
    return hits + (["advisory_shown"] if document.get("precedentes_relacionados") else [])


def remember_pair(uow: UnitOfWork, tenant_id: str, request_id: str, origem: Course, destino: Course, course_id: str | None) -> None:
    """Keep an ANALISE_HUMANA pair (with a keyable origem) so its review can become a precedent."""
    if origem.instituicao and origem.codigo:
        pair = ReviewedPair(PairOrigin(origem.instituicao, origem.codigo, origem.ementa), destino.codigo, course_id)
        uow.precedents.remember_pair(tenant_id, request_id, pair)


@dataclasses.dataclass(frozen=True, slots=True)
class PrecedentTerms:
    """What the coordinator says of a precedent registered from a review."""

    kind: PrecedentKind = PrecedentKind.BINDING
    valid_from: dt.date | None = None  # None: the day it is registered
    valid_to: dt.date | None = None
    escopo: str | None = None


def register_from_review(
    uow: UnitOfWork, item: ReviewItem, terms: PrecedentTerms, actor: Mapping[str, Any], now: dt.datetime
) -> Precedent:
    """A precedent from a homologated DEFERIDO review, inside the caller's transaction.

    Raises InvalidTransition (not final, or not DEFERIDO) or InvalidPrecedent (the pair's origem
    has no institution and code, or the result was stored before pairs were kept)."""
    if not item.final:
        raise InvalidTransition("só uma decisão homologada pode virar precedente")
    if item.decision != "DEFERIDO":
        raise InvalidTransition("só um parecer DEFERIDO pode virar precedente (a tabela registra equivalências)")
    pair = uow.precedents.pair_for(item.tenant_id, item.request_id)
    if pair is None:
        raise InvalidPrecedent("review_id", "a origem deste pedido não tem instituição e código: não pode virar precedente")
    precedent_id = precedent_id_for(item.updated_at, item.review_id, 0)  # one per review
    if uow.precedents.get(item.tenant_id, precedent_id) is not None:
        raise InvalidTransition(f"esta revisão já foi registrada como o precedente {precedent_id}")
    precedent = Precedent(
        tenant_id=item.tenant_id,
        precedent_id=precedent_id,
        origens=(Origin(pair.origem.instituicao, pair.origem.codigo, pair.origem.ementa),),
        destino_codigo=pair.destino_codigo,
        course_id=pair.course_id,
        kind=terms.kind,
        valid_from=terms.valid_from or now.date(),
        valid_to=terms.valid_to,
        created_at=now,
        created_by=dict(actor),
        escopo=terms.escopo,
        parecer=item.parecer,
        review_id=item.review_id,
        request_id=item.request_id,
    )
    check_precedent(precedent)
    uow.precedents.add(precedent)
    payload = {"actor": dict(actor), "origem": "revisao", **precedent.payload(), "parecer_sha256": _sha(item.parecer)}
    uow.audit.append(AuditEvent(item.tenant_id, "precedent.created", payload, now))
    return precedent


@dataclasses.dataclass(frozen=True, slots=True)
class PrecedentDraft:
    """One alternative of an imported table row (the CSV adapter's output)."""

    origens: tuple[Origin, ...]
    destino_codigo: str | None
    course_id: str | None
    kind: PrecedentKind
    valid_from: dt.date
    valid_to: dt.date | None
    escopo: str | None
    parecer: str | None
    expressao: str | None
    line: int  # the row of the file it came from, for error messages


def _from_draft(
    tenant_id: str, draft: PrecedentDraft, index: int, source: str, actor: Mapping[str, Any], now: dt.datetime
) -> Precedent:
    precedent = Precedent(
        tenant_id=tenant_id,
        precedent_id=precedent_id_for(now, source, index),
        origens=draft.origens,
        destino_codigo=draft.destino_codigo,
        course_id=draft.course_id,
        kind=draft.kind,
        valid_from=draft.valid_from,
        valid_to=draft.valid_to,
        created_at=now,
        created_by=dict(actor),
        escopo=draft.escopo,
        parecer=draft.parecer,
        expressao=draft.expressao,
    )
    try:
        check_precedent(precedent)
    except InvalidPrecedent as error:
        raise InvalidPrecedent(f"linhas[{draft.line}].{error.field}", f"linha {draft.line}: {error}") from error
    return precedent


def _refuse_a_file_imported_before(uow: UnitOfWork, record: PrecedentImport) -> None:
    """Record the file's import first, so a concurrent import of the same file waits on it and loses."""
    earlier = uow.precedents.import_of(record.tenant_id, record.arquivo_sha256)
    if earlier is None and uow.precedents.add_import(record):
        return
    earlier = earlier or uow.precedents.import_of(record.tenant_id, record.arquivo_sha256)
    assert earlier is not None
    raise PrecedentFileImported(earlier)


def _sha(text: str | None) -> str | None:
    return None if text is None else sha256_text(text)


class Precedents:
    """The tenant's equivalence table (ADR 0024): register, import, end, read — a method each."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uows = uow_factory
        self._clock = clock

    def today(self) -> dt.date:
        return self._clock.now().date()

    def homologate_as_precedent(
        self, tenant_id: str, review_id: str, actor: ReviewActor, terms: PrecedentTerms
    ) -> tuple[ReviewItem, Precedent]:
        """Homologate a parecer and register it as a precedent, in one transaction (both or neither)."""
        with self._uows() as uow:
            now = self._clock.now()
            item = move_review(uow, tenant_id, review_id, Move(ReviewAction.HOMOLOGATE), actor, now)
            precedent = register_from_review(uow, item, terms, actor.payload(), now)
            uow.commit()
        return item, precedent

    def register_reviewed(self, tenant_id: str, review_id: str, actor: Mapping[str, Any], terms: PrecedentTerms) -> Precedent:
        """Register an already homologated review as a precedent. Raises NotFound, InvalidTransition, InvalidPrecedent."""
        with self._uows() as uow:
            item = uow.reviews.get(tenant_id, review_id)
            if item is None:
                raise NotFound(f"review item '{review_id}' not found")
            precedent = register_from_review(uow, item, terms, actor, self._clock.now())
            uow.commit()
        return precedent

    def import_table(
        self, tenant_id: str, drafts: Sequence[PrecedentDraft], source_sha256: str, actor: Mapping[str, Any]
    ) -> list[Precedent]:
        """All the drafts become precedents, or none does (InvalidPrecedent names the first bad row).
        A file (by `source_sha256`) the tenant imported before raises PrecedentFileImported."""
        now = self._clock.now()
        precedents = [_from_draft(tenant_id, draft, index, source_sha256, actor, now) for index, draft in enumerate(drafts)]
        record = PrecedentImport(tenant_id, source_sha256, now, dict(actor), tuple(p.precedent_id for p in precedents))
        with self._uows() as uow:
            if uow.tenants.get(tenant_id) is None:
                raise NotFound(f"tenant '{tenant_id}' not found")
            _refuse_a_file_imported_before(uow, record)
            for precedent in precedents:
                uow.precedents.add(precedent)
            payload = {
                "actor": dict(actor),
                "arquivo_sha256": source_sha256,
                "quantidade": len(precedents),
                "precedent_ids": [p.precedent_id for p in precedents],
            }
            uow.audit.append(AuditEvent(tenant_id, "precedent.imported", payload, now))
            uow.commit()
        return precedents

    def end(
        self, tenant_id: str, precedent_id: str, first_day_excluded: dt.date | None, motivo: str | None, actor: Mapping[str, Any]
    ) -> Precedent:
        """End a precedent's vigência (from today unless told); audited; the precedent stays on record.
        Raises NotFound or InvalidPrecedent (already ended by then, or before it began, or a blank motivo)."""
        motivo = end_reason(motivo)
        now = self._clock.now()
        with self._uows() as uow:
            precedent = uow.precedents.get(tenant_id, precedent_id)
            if precedent is None:
                raise NotFound(f"precedente '{precedent_id}' não encontrado")
            ended = end_vigencia(precedent, first_day_excluded or now.date(), dict(actor), now)
            uow.precedents.end_vigencia(ended)
            payload = {
                "actor": dict(actor),
                "precedent_id": precedent_id,
                "vigencia_fim_anterior": None if precedent.valid_to is None else precedent.valid_to.isoformat(),
                "vigencia_fim": None if ended.valid_to is None else ended.valid_to.isoformat(),
                "motivo": motivo,
            }
            uow.audit.append(AuditEvent(tenant_id, "precedent.vigencia_ended", payload, now))
            uow.commit()
        return ended

    def get(self, tenant_id: str, precedent_id: str) -> Precedent:
        with self._uows.reading() as uow:
            precedent = uow.precedents.get(tenant_id, precedent_id)
        if precedent is None:
            raise NotFound(f"precedente '{precedent_id}' não encontrado")
        return precedent

    def page(self, tenant_id: str, limit: int, after: str | None, where: PrecedentFilter) -> list[Precedent]:
        with self._uows.reading() as uow:
            return uow.precedents.list_page(tenant_id, limit, after, where)
