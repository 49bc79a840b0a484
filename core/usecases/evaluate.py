"""Evaluate one pair for a tenant: idempotent, versioned, persisted with its audit event."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from core.domain.actors import Actor
from core.domain.audit import sha256_text
from core.domain.catalog import deprecated_message
from core.domain.errors import (
    DuplicateResult,
    IdempotencyConflict,
    NotFound,
    OverridesNotAllowed,
    VersionDeprecated,
    VersionNotFound,
)
from core.domain.model import Course, Decision, Evaluation, Policy, Taxonomy
from core.domain.pipeline import check_hard_rules, evaluate, rejected_by_hard_rules
from core.domain.policy import AppliedPolicy, check_thresholds, may_override, resolve_overrides
from core.domain.records import AuditEvent, StoredResult, Tenant
from core.domain.rules import RULES_VERSION
from core.ports.clock import Clock
from core.ports.concept_mapper import ConceptMapper
from core.ports.metrics import Metrics
from core.ports.topic_matcher import TopicMatcher
from core.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from core.usecases.documents import evaluation_document
from core.usecases.reading import PairReading, TextReading, read_pair, read_text
from core.domain.review import ReviewSubject, ReviewTerms, open_item
from core.domain.webhooks import DECISAO_AUTOMATICA
from core.usecases.reviews import open_review, terms_of
from core.usecases.webhooks import publish_automatic
# Precedents: the tenant's equivalence table is consulted first (ADR 0024).
from core.domain.precedent_decision import decided_by_precedent, held_for_review
from core.domain.precedents import PrecedentMatch
from core.usecases.precedents import find_precedents, precedent_audit, precedent_fields, precedent_hits, remember_pair

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class EvaluateCommand:
    tenant_id: str
    request_id: str
    payload_hash: str
    origem: Course
    destino: Course
    taxonomy_version: str | None = None
    policy_version: str | None = None
    course_id: str | None = None
    policy_overrides: dict[str, Any] | None = None
    return_evidence: bool = True
    allow_degraded_fallback: bool = True
    context_hash: str | None = None
    batch_item: tuple[str, int] | None = None  # (job_id, index) when a batch worker evaluates it
    # Who asked (`principal_actor`: key id and role). A caller that is not an admin needs its
    # tenant's permission to override the policy; a batch item was checked when submitted.
    caller: Actor | None = None
    # The caller's tenant as authentication read it in this request (`Principal.tenant`): its
    # defaults and override permission are used without reading the tenant again. None: read it.
    tenant: Tenant | None = None
    case_id: str | None = None  # a pair decided for a case (POST /v1/cases): its audit event names it


@dataclass(frozen=True, slots=True)
class DecidedPair:
    """A pair decision made elsewhere (a case), to be stored as an evaluate stores one."""

    command: EvaluateCommand
    evaluation: Evaluation
    precedents: PrecedentMatch = PrecedentMatch()


@dataclass(frozen=True, slots=True)
class EvaluateOutcome:
    document: dict[str, Any]
    replayed: bool


class VersionCache:
    """Taxonomy and policy versions are immutable once used, so each is read once per process."""

    def __init__(self) -> None:
        self._entries: dict[tuple[str, str, str], Any] = {}

    def get_or_load(self, kind: str, tenant_id: str, version: str, load: Callable[[str, str], T | None]) -> T:
        key = (kind, tenant_id, version)
        value = self._entries.get(key)
        if value is None:
            value = load(tenant_id, version)
            if value is None:
                raise VersionNotFound(f"{kind}_version '{version}' not found", field=f"{kind}_version")
            self._entries[key] = value  # a racing thread may load it too: same immutable value
        return value


class EvaluatePair:
    """The use case behind POST /v1/equivalences/evaluate and every batch item."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        primary_mapper: ConceptMapper,
        fallback_mapper: ConceptMapper | None,
        clock: Clock,
        metrics: Metrics | None = None,
        topic_matcher: TopicMatcher | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._primary = primary_mapper
        self._fallback = fallback_mapper
        self._topics = topic_matcher
        self._clock = clock
        self._metrics = metrics
        self._versions = VersionCache()

    def __call__(
        self, command: EvaluateCommand, also: Callable[[UnitOfWork], object] | None = None
    ) -> EvaluateOutcome:
        """Evaluate, or replay the stored result of this (tenant, request_id).

        `also` runs inside the transaction that stores a new result (a batch item finishes
        atomically with its result); it does not run for a replay.

        No replay read up front: a new request_id (nearly every request) would pay it for
        nothing. The `ON CONFLICT` insert in `_store` finds a stored key; a retry is evaluated
        again, then answered with the stored document (ADR 0003). A retry whose versions or
        permission have changed since is still replayed, as before."""
        started = self._clock.monotonic()
        try:
            with self._uow_factory.reading() as uow:
                taxonomy, policy = self._resolve_versions(uow, command)
                applied = resolve_overrides(policy, command.policy_overrides)
                if applied.overridden and command.batch_item is None:
                    check_overrides_allowed(uow, command.tenant_id, command.caller, command.tenant)
                if applied.overridden:  # the merged policy, not the request's fields alone
                    check_thresholds(applied.policy, "policy.")
                found = find_precedents(  # ADR 0024
                    uow, command.tenant_id, command.origem, command.destino, command.course_id, self._clock.now().date()
                )
        except (NotFound, VersionNotFound, OverridesNotAllowed):
            stored = self._stored(command)
            if stored is None:
                raise
            return _replay(stored, command)
        evaluation, timings = self._evaluate(command, taxonomy, applied.policy, started, found)
        override = _override_record(applied, command.caller)
        document = evaluation_document(
            command.request_id,
            evaluation,
            timings,
            _meta(command, evaluation),
            command.return_evidence,
            rules_version=RULES_VERSION,
            policy_override=override,
        )
        document.update(precedent_fields(found, evaluation))  # ADR 0024: nothing without precedents
        outcome = self._store(command, evaluation, document, also, terms_of(applied.policy))
        if self._metrics is not None and not outcome.replayed:  # a replay is not a new decision
            self._metrics.decision(command.tenant_id, evaluation.decisao.value, evaluation.degraded_mode)
            for hit in precedent_hits(outcome.document):  # ADR 0024
                self._metrics.precedent_hit(command.tenant_id, hit)
        return outcome

    # --- cases (core/usecases/cases.py): score many candidate pairs, store only those the answer uses
    def resolve(self, command: EvaluateCommand) -> tuple[Taxonomy, Policy]:
        """The taxonomy and policy this command would be decided with (no override of a client
        key its tenant does not allow: raises OverridesNotAllowed)."""
        with self._uow_factory.reading() as uow:
            taxonomy, policy = self._resolve_versions(uow, command)
            applied = resolve_overrides(policy, command.policy_overrides)
            if applied.overridden:
                check_overrides_allowed(uow, command.tenant_id, command.caller, command.tenant)
                check_thresholds(applied.policy, "policy.")
        return taxonomy, applied.policy

    def decide(self, command: EvaluateCommand, taxonomy: Taxonomy, policy: Policy) -> Evaluation:
        """The decision `__call__` would store for this command without precedents, storing nothing
        (a case consults them itself: ADR 0034)."""
        evaluation, _ = self._evaluate(command, taxonomy, policy, self._clock.monotonic(), PrecedentMatch())
        return evaluation

    def decide_by_precedent(
        self, command: EvaluateCommand, taxonomy: Taxonomy, policy: Policy, found: PrecedentMatch
    ) -> Evaluation:
        """What `__call__` decides when `found.applied` (a binding precedent) applies: the hard
        rules, then the precedent, without reading the ementas (a case's candidate, ADR 0034)."""
        assert found.applied is not None
        evaluation, _ = self._evaluate(command, taxonomy, policy, self._clock.monotonic(), found)
        return evaluation

    def read(self, text: str, taxonomy: Taxonomy) -> TextReading:
        """One ementa read as `read_pair` reads each side (a case reads each text once)."""
        return read_text(text, taxonomy, self._primary, self._fallback, True)

    def decide_read(
        self, command: EvaluateCommand, taxonomy: Taxonomy, policy: Policy, pair: PairReading
    ) -> Evaluation:
        """`decide` on a reading the caller made (a case's merged reading of combined courses);
        `evaluate` checks the hard rules first and rejects exactly as `_evaluate` does."""
        return evaluate(
            command.origem, command.destino, taxonomy, policy,
            pair.origem_mapping, pair.destino_mapping, self._clock.now().date(), pair.reading,
        )

    def store_decided(
        self, command: EvaluateCommand, evaluation: Evaluation, policy: Policy, precedents: PrecedentMatch | None = None
    ) -> EvaluateOutcome:
        """Store and audit a decision already made (a case's pair) exactly as `__call__` stores
        one: same document, audit event, review item and idempotency."""
        document = evaluation_document(
            command.request_id, evaluation, _timings(total=0.0), _meta(command, evaluation),
            command.return_evidence, rules_version=RULES_VERSION, policy_override=None,
        )
        document.update(precedent_fields(precedents or PrecedentMatch(), evaluation))  # ADR 0024
        outcome = self._store(command, evaluation, document, None, terms_of(policy))
        if self._metrics is not None and not outcome.replayed:
            self._metrics.decision(command.tenant_id, evaluation.decisao.value, evaluation.degraded_mode)
        return outcome

    def stage_decided(self, uow: UnitOfWork, pairs: Sequence[DecidedPair], policy: Policy) -> None:
        """What `store_decided` stores for each pair, written in the caller's transaction with one
        multi-row insert of the results and one batch of audit events (a case's pairs, ADR 0027):
        the same documents, audit events, review items, kept pairs and webhook events. Raises
        DuplicateResult if any request id is already stored (roll the transaction back).
        Call `count_decisions` after the commit."""
        if not pairs:
            return
        now = self._clock.now()
        terms = terms_of(policy)
        results, events, automatic = [], [], []
        for pair in pairs:
            command, evaluation = pair.command, pair.evaluation
            document = evaluation_document(
                command.request_id, evaluation, _timings(total=0.0), _meta(command, evaluation),
                command.return_evidence, rules_version=RULES_VERSION, policy_override=None,
            )
            document.update(precedent_fields(pair.precedents, evaluation))  # ADR 0024
            results.append(StoredResult(
                command.tenant_id, command.request_id, command.payload_hash, evaluation.decisao.value,
                evaluation.score, document, now,
            ))
            events.append(_audit_event(command, evaluation, document, now))
            if evaluation.decisao is Decision.ANALISE_HUMANA:  # a person decides: ADR 0020
                about = ReviewSubject.of(command.origem, command.destino)  # the queue's filters and the review screens
                item, opened = open_item(command.tenant_id, command.request_id, now, terms, about)
                uow.reviews.add(item)
                events.append(AuditEvent(command.tenant_id, "review.opened", opened, now))
                remember_pair(uow, command.tenant_id, command.request_id, command.origem, command.destino, command.course_id)
            else:
                automatic.append((command, evaluation))
        uow.results.add_many(results)
        uow.audit.record_many(events)
        tenant_id = pairs[0].command.tenant_id
        if automatic and uow.webhooks.subscribed(tenant_id, DECISAO_AUTOMATICA):  # one read, not one per pair
            for command, evaluation in automatic:
                publish_automatic(uow, command.tenant_id, command.request_id, evaluation.decisao.value, evaluation.score, now)

    def count_decisions(self, pairs: Sequence[DecidedPair]) -> None:
        """The metrics `store_decided` counts, for pairs `stage_decided` wrote (after their commit)."""
        if self._metrics is None:
            return
        for pair in pairs:
            self._metrics.decision(pair.command.tenant_id, pair.evaluation.decisao.value, pair.evaluation.degraded_mode)
            for hit in precedent_hits(precedent_fields(pair.precedents, pair.evaluation)):
                self._metrics.precedent_hit(pair.command.tenant_id, hit)

    def _evaluate(
        self, command: EvaluateCommand, taxonomy: Taxonomy, policy: Policy, started: float, found: PrecedentMatch
    ) -> tuple[Evaluation, dict[str, float]]:
        clock = self._clock
        today = clock.now().date()
        t0 = clock.monotonic()
        rules, failed = check_hard_rules(command.origem, command.destino, policy, today)
        t1 = clock.monotonic()
        if failed:
            evaluation = rejected_by_hard_rules(rules, failed, policy, taxonomy.version)
            return evaluation, _timings(hard_rules=t1 - t0, total=t1 - started)
        if found.applied is not None:  # a binding precedent decides: no mapping (ADR 0024)
            evaluation = decided_by_precedent(found.applied, rules, policy, taxonomy.version)
            return evaluation, _timings(hard_rules=t1 - t0, total=clock.monotonic() - started)
        pair = read_pair(
            command.origem.ementa,
            command.destino.ementa,
            taxonomy,
            self._primary,
            self._fallback,
            self._topics,
            command.allow_degraded_fallback,
        )
        t2 = clock.monotonic()
        evaluation = evaluate(
            command.origem,
            command.destino,
            taxonomy,
            policy,
            pair.origem_mapping,
            pair.destino_mapping,
            today,
            pair.reading,
        )
        evaluation = held_for_review(evaluation, tuple(p for p, _ in found.related))  # never applied silently
        t3 = clock.monotonic()
        return evaluation, _timings(
            hard_rules=t1 - t0, mapping=t2 - t1, scoring=t3 - t2, total=t3 - started
        )

    def _store(
        self,
        command: EvaluateCommand,
        evaluation: Evaluation,
        document: dict[str, Any],
        also: Callable[[UnitOfWork], object] | None,
        review_terms: ReviewTerms,
    ) -> EvaluateOutcome:
        now = self._clock.now()
        result = StoredResult(
            tenant_id=command.tenant_id,
            request_id=command.request_id,
            payload_hash=command.payload_hash,
            decision=evaluation.decisao.value,
            score=evaluation.score,
            response=document,
            created_at=now,
        )
        try:
            with self._uow_factory() as uow:
                uow.results.add(result)
                uow.audit.record(_audit_event(command, evaluation, document, now))  # chained after commit: ADR 0022
                if evaluation.decisao is Decision.ANALISE_HUMANA:  # a person decides: ADR 0020
                    about = ReviewSubject.of(command.origem, command.destino)  # the queue's filters and the review screens
                    open_review(uow, command.tenant_id, command.request_id, now, review_terms, about)
                    remember_pair(  # its homologated parecer may become a precedent (ADR 0024)
                        uow, command.tenant_id, command.request_id, command.origem, command.destino, command.course_id
                    )
                else:  # final at once: for endpoints subscribed to decisao.automatica (ADR 0025)
                    publish_automatic(uow, command.tenant_id, command.request_id, evaluation.decisao.value, evaluation.score, now)
                if also is not None:
                    also(uow)
                uow.commit()
        except DuplicateResult:
            # A concurrent request with the same key won the race: answer with its result.
            with self._uow_factory.reading() as uow:
                stored = uow.results.get(command.tenant_id, command.request_id)
            if stored is None:
                raise
            return _replay(stored, command)
        return EvaluateOutcome(document, replayed=False)

    def _stored(self, command: EvaluateCommand) -> StoredResult | None:
        with self._uow_factory.reading() as uow:
            return uow.results.get(command.tenant_id, command.request_id)

    def _resolve_versions(self, uow: UnitOfWork, command: EvaluateCommand) -> tuple[Taxonomy, Policy]:
        taxonomy_version, policy_version = command.taxonomy_version, command.policy_version
        if command.course_id:
            binding = uow.bindings.get(command.tenant_id, command.course_id)
            if binding is None:
                raise VersionNotFound(f"course_id '{command.course_id}' has no binding", field="course_id")
            taxonomy_version = taxonomy_version or binding.taxonomy_version
            policy_version = policy_version or binding.policy_version
        if not (taxonomy_version and policy_version):
            tenant = command.tenant or uow.tenants.current(command.tenant_id)  # a batch item: no read per item
            if tenant is None:
                raise NotFound("tenant not found")
            taxonomy_version = taxonomy_version or tenant.default_taxonomy_version
            policy_version = policy_version or tenant.default_policy_version
        if not taxonomy_version or not policy_version:
            raise VersionNotFound(
                "tenant has no default taxonomy or policy version; run 'equivalence seed'", field="taxonomy_version"
            )
        if command.taxonomy_version:
            # Defaults and bindings never name a deprecated version (deprecate_taxonomy refuses
            # while they do); only a version named by the request needs this extra read.
            info = uow.taxonomies.info(command.tenant_id, command.taxonomy_version)
            if info is not None and info.deprecated:
                raise VersionDeprecated(deprecated_message(command.taxonomy_version))
        return (
            self._versions.get_or_load("taxonomy", command.tenant_id, taxonomy_version, uow.taxonomies.get),
            self._versions.get_or_load("policy", command.tenant_id, policy_version, uow.policies.get),
        )


def check_overrides_allowed(
    uow: UnitOfWork, tenant_id: str, caller: Actor | None, tenant: Tenant | None = None
) -> None:
    """Raise OverridesNotAllowed unless the caller may override its tenant's policy (ADR 0013).
    `tenant`: the tenant as already read in this request, if it was."""
    role = None if caller is None else caller.get("role")
    if may_override(role, False):
        return
    tenant = tenant or uow.tenants.get(tenant_id)
    if not may_override(role, tenant is not None and tenant.allow_policy_overrides):
        raise OverridesNotAllowed(
            "policy overrides are not allowed for this key: the tenant has not enabled them for client keys"
        )


def _replay(stored: StoredResult, command: EvaluateCommand) -> EvaluateOutcome:
    if stored.payload_hash != command.payload_hash:
        raise IdempotencyConflict(
            f"request_id '{command.request_id}' was already used with a different payload"
        )
    return EvaluateOutcome(stored.response, replayed=True)


def _timings(**seconds: float) -> dict[str, float]:
    return {name: round(value * 1000.0, 3) for name, value in seconds.items()}


def _meta(command: EvaluateCommand, evaluation: Evaluation) -> dict[str, Any]:
    return {
        "course_id": command.course_id,
        "policy_overrides": bool(command.policy_overrides),
        "hard_rules_failed": [r.rule for r in evaluation.hard_rules if r.blocking and not r.ok],
    }


def _audit_event(
    command: EvaluateCommand, evaluation: Evaluation, document: dict[str, Any], now: Any
) -> AuditEvent:
    return AuditEvent(
        tenant_id=command.tenant_id,
        event_type="evaluation",
        payload={
            "request_id": command.request_id,
            "payload_hash": command.payload_hash,
            "decisao": evaluation.decisao.value,
            "score": evaluation.score,
            "degraded_mode": evaluation.degraded_mode,
            "model_version": evaluation.model_version,
            "policy_version": evaluation.policy_version,
            "taxonomy_version": evaluation.taxonomy_version,
            "rules_version": document["rules_version"],
            "policy_override": document["policy_override"],
            "ementa_origem_sha256": sha256_text(command.origem.ementa),
            "ementa_destino_sha256": sha256_text(command.destino.ementa),
            "context_sha256": command.context_hash,
            "timings_ms": document["timings_ms"],
            **_batch_item(command),
            **precedent_audit(document),  # ADR 0024
            **({"case_id": command.case_id} if command.case_id else {}),
        },
        created_at=now,
    )


def _override_record(applied: AppliedPolicy, caller: Actor | None) -> dict[str, Any] | None:
    """What a request changed in the resolved policy, the hash of the policy applied, and who."""
    if not applied.overridden:
        return None
    return {"policy_sha256": applied.sha256, "fields": applied.overridden, "by": caller}


def _batch_item(command: EvaluateCommand) -> dict[str, Any]:
    """A batch item's decision names its job and place in it (the audit trail of a batch)."""
    if command.batch_item is None:
        return {}
    job_id, index = command.batch_item
    return {"job_id": job_id, "index": index}
