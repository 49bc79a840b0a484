"""Decide a student's whole request (POST /v1/cases, `equivalence case evaluate`): ADR 0027.

1. the destino side: a stored curriculum version of the tenant, or units sent inline;
2. candidates (`core/domain/cases/candidates.py`): each origem course's topic coverage of each
   destino unit prunes the combinations; each proposal left is decided by the evaluate pipeline
   (`EvaluatePair.decide`: hard rules, concepts, topics) on the joined origem courses, with the
   tenant's taxonomy and policy;
3. one exact assignment (`solve_case`, HiGHS with the greedy fallback);
4. every pair decision the answer uses (a waived unit, one sent to review, one rejected by the
   pipeline) is stored and audited exactly as an evaluate stores it (its audit event naming the
   case; an ANALISE_HUMANA pair opens its review item), in the transaction that stores the case
   document and its `case` audit event: one multi-row insert, one audit batch (ADR 0034).

The tenant's precedents are consulted for every candidate as evaluate consults them (ADR 0034):
a binding one on the same ementa decides it, related ones hold it for review.

Each ementa is read once per case: pairwise coverage is memoized per (origem, destino) and the
pipeline's syllabus reading is cached (`read_syllabus`).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

from core.domain.audit import canonical_json
from core.domain.cases.answer import CaseAnswer, DestinoOutcome, DestinoStatus, OrigemOutcome, Reason
from core.domain.cases.candidates import Proposal, eligible_origens, propose, score_all
from core.domain.cases.model import Candidate, Case, CasePolicy, DestinoUnit, OrigemCourse
from core.domain.cases.solve import solve_case
from core.domain.cases.stored import StoredCase
from core.domain.catalog import DEPRECATED
from core.domain.curriculum import CurriculumUnit, UnitType, deprecated_curriculum_message
from core.domain.errors import DuplicateResult, NotFound, VersionDeprecated, VersionNotFound
from core.domain.precedent_decision import held_for_review
from core.domain.precedents import PairOrigin, Precedent, PrecedentKind, PrecedentMatch, destino_matches, match_combination
from core.domain.hygiene import SyllabusText
from core.domain.model import Course, Decision, Evaluation, MappingOutcome, Policy, Taxonomy
from core.domain.reading import UNSUPPORTED_LANGUAGES, Reading
from core.domain.topics import TopicComparison
from core.domain.records import AuditEvent, Tenant
from core.domain.rules import RULES_VERSION
from core.domain.workload import Workload, WorkloadUnit, hours_text
from core.domain.actors import Actor
from core.ports.assignment_solver import AssignmentSolver
from core.ports.clock import Clock
from core.ports.id_generator import IdGenerator
from core.ports.topic_matcher import CaseTopics, TopicMatcher
from core.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from core.domain.webhooks import CASO_CONCLUIDO
from core.usecases.webhooks import publish
from core.usecases.evaluate import DecidedPair, EvaluateCommand, EvaluatePair
from core.usecases.precedents import NO_MATCH, precedent_fields
from core.usecases.reading import PairReading, TextReading

DONE = "concluido"
PROGRESS_EVERY = 20
"""A case reports its progress (`progress` of `EvaluateCase.__call__`) every this many curriculum
units scored, and when all are: a case job writes one small UPDATE each time, never one per pair
(ADR 0034)."""

Progress = Callable[[dict[str, Any]], None]
"""Told `{"fase": "avaliando", "unidades_avaliadas": n, "unidades_total": m}` as units are scored."""
MIN_MEMBER_COVERAGE = 0.1
"""An origem course whose topics cover less than this share of a destino's takes no part in its
candidates: the pipeline would not defer it, and it would be decided ~1,000 times per 40x60 case
for nothing (ADR 0027; bench/case_speed.py)."""


@dataclass(frozen=True, slots=True)
class TranscriptCourse:
    """One course of the student's histórico, as sent. `aprovado` None: told by `status`."""

    codigo: str
    nome: str
    carga_horaria: float
    ementa: str = ""
    unidade_carga: str = "hora_relogio"
    minutos_hora_aula: int | None = None
    instituicao: str | None = None
    nota: str | None = None
    status: str | None = None
    aprovado: bool | None = None
    periodo: str | None = None
    ano: int | None = None

    @property
    def workload(self) -> Workload:
        return Workload(self.carga_horaria, WorkloadUnit(self.unidade_carga), self.minutos_hora_aula)

    @property
    def passed(self) -> bool:
        if self.aprovado is not None:
            return self.aprovado
        return self.status is not None and self.status.strip().lower().startswith("aprovad")

    @property
    def year(self) -> int | None:
        if self.ano is not None:
            return self.ano
        found = re.match(r"\s*(\d{4})", self.periodo or "")
        return int(found.group(1)) if found else None


@dataclass(frozen=True, slots=True)
class CaseCommand:
    tenant_id: str
    payload_hash: str
    transcript: tuple[TranscriptCourse, ...]
    policy: CasePolicy
    curriculum_version: str | None = None  # the tenant's stored curriculum (None: its current one)
    curriculum_id: str | None = None  # if given, must be the version's `codigo_curriculo`
    units: tuple[CurriculumUnit, ...] | None = None  # inline destino units instead of a stored curriculum
    student_hash: str | None = None
    taxonomy_version: str | None = None
    policy_version: str | None = None
    caller: Actor | None = None
    tenant: Tenant | None = None
    case_id: str | None = None  # given by a job that planned it; else a new id
    transcript_source: dict[str, Any] | None = None  # what was read from a MEC Histórico (its summary)


class EvaluateCase:
    """The use case behind POST /v1/cases and `equivalence case evaluate`."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        evaluate_pair: EvaluatePair,
        topics: TopicMatcher,
        solver: AssignmentSolver | None,
        clock: Clock,
        ids: IdGenerator,
        min_member_coverage: float = MIN_MEMBER_COVERAGE,
        progress_every: int = PROGRESS_EVERY,
    ) -> None:
        self._min_coverage = min_member_coverage
        self._progress_every = max(1, progress_every)
        self._uows = uow_factory
        self._pairs = evaluate_pair
        self._topics = topics
        self._solver = solver
        self._clock = clock
        self._ids = ids

    def get(self, tenant_id: str, case_id: str) -> dict[str, Any]:
        """A stored case of this tenant; another tenant's is reported as missing (NotFound)."""
        with self._uows.reading() as uow:
            stored = uow.cases.get(tenant_id, case_id)
        if stored is None:
            raise NotFound(f"no case '{case_id}'")
        return stored.document

    def __call__(
        self,
        command: CaseCommand,
        also: Callable[[UnitOfWork], object] | None = None,
        progress: Progress | None = None,
    ) -> dict[str, Any]:
        """Decide and store the case. `also` runs in the transaction that stores it (a case job
        finishes its item there). A planned case id already stored (a job's rerun) is answered
        from storage, `also` run in a transaction of its own. `progress` is told the units scored
        every `progress_every` units (a case job stores it for GET /v1/cases/{id})."""
        if command.case_id is not None:
            with self._uows.reading() as uow:
                done = uow.cases.get(command.tenant_id, command.case_id)
            if done is not None:
                if also is not None:
                    with self._uows() as uow:
                        also(uow)
                        uow.commit()
                return done.document
        case_id = command.case_id or self._ids.new_id()
        version, units = self._destino_side(command)
        base = EvaluateCommand(
            command.tenant_id, "", "", _placeholder(), _placeholder(),
            taxonomy_version=command.taxonomy_version, policy_version=command.policy_version,
            caller=command.caller, tenant=command.tenant, case_id=case_id,
        )
        taxonomy, policy = self._pairs.resolve(base)
        origens = tuple(_origem(c) for c in command.transcript)
        destinos = tuple(_destino(u) for u in units)
        reference_year = self._clock.now().year
        ticker = _Ticker(progress, [d.code for d in destinos if d.unit_type not in command.policy.excluded_types], self._progress_every)
        decided = self._candidates(base, taxonomy, policy, command, origens, destinos, units, reference_year, ticker)
        case = Case(origens, destinos, tuple(c for c, _ in decided.items.values()), command.policy, reference_year, decided.covering)
        answer = solve_case(case, self._solver)
        pairs, stored = self._pairs_to_store(base, command, answer, decided, units)
        document = case_document(case_id, version, command, case, answer, decided, stored, units)
        try:
            self._store_case(command, case_id, document, pairs, decided.policy, also)
        except DuplicateResult:
            # Another run of this job stored the case, or pairs from a run that stored them one
            # transaction each (before ADR 0034's batch): answer from storage, or store as it did.
            with self._uows.reading() as uow:
                done = uow.cases.get(command.tenant_id, case_id)
            if done is not None:
                if also is not None:
                    with self._uows() as uow:
                        also(uow)
                        uow.commit()
                return done.document
            for pair in pairs:
                self._pairs.store_decided(pair.command, pair.evaluation, decided.policy, pair.precedents)
            self._store_case(command, case_id, document, [], decided.policy, also)
            return document
        self._pairs.count_decisions(pairs)
        return document

    def _store_case(
        self,
        command: CaseCommand,
        case_id: str,
        document: dict[str, Any],
        pairs: list[DecidedPair],
        policy: Policy,
        also: Callable[[UnitOfWork], object] | None,
    ) -> None:
        """One transaction: each pair decision the answer uses (one multi-row insert, one audit
        batch), the case, its audit event and webhook, and the caller's `also`."""
        now = self._clock.now()
        with self._uows() as uow:
            self._pairs.stage_decided(uow, pairs, policy)
            uow.cases.add(StoredCase(
                command.tenant_id, case_id, now, DONE, command.payload_hash, command.student_hash, document
            ))
            uow.audit.append(AuditEvent(command.tenant_id, "case", _audit_payload(command, document), now))
            # The tenant's webhooks learn the case is complete, in the same transaction (ADR 0025)
            publish(uow, command.tenant_id, CASO_CONCLUIDO, {"case_id": case_id, "resumo": document["resumo"]}, now=now)
            if also is not None:
                also(uow)
            uow.commit()

    def _destino_side(self, command: CaseCommand) -> tuple[str | None, tuple[CurriculumUnit, ...]]:
        if command.units is not None:
            return None, command.units
        with self._uows.reading() as uow:
            version = curriculum_to_decide(uow, command)
            curriculum = uow.curricula.get(command.tenant_id, version)
        if curriculum is None:
            raise VersionNotFound(f"curriculum version '{version}' not found", field="curriculo.versao")
        return version, curriculum.units

    def _candidates(
        self,
        base: EvaluateCommand,
        taxonomy: Taxonomy,
        policy: Policy,
        command: CaseCommand,
        origens: tuple[OrigemCourse, ...],
        destinos: tuple[DestinoUnit, ...],
        units: tuple[CurriculumUnit, ...],
        reference_year: int,
        ticker: _Ticker | None = None,
    ) -> _Decided:
        """Read each ementa once, prune with pairwise topic coverage, decide each proposal on the
        members' merged reading (ADR 0027, "Merged reading")."""
        courses = {c.codigo: c for c in command.transcript}
        unit_of = {u.codigo: u for u in units}
        usable = [o for o in eligible_origens(origens, command.policy, reference_year) if o.ementa]
        # read too, after the usable ones: a unit without candidates names them if they cover it
        set_aside = [o for o in origens if o.ementa and o not in usable]
        wanted = [d for d in destinos if d.unit_type not in command.policy.excluded_types and d.ementa]
        o_read = {o.code: self._pairs.read(o.ementa, taxonomy) for o in usable + set_aside}
        d_read = {d.code: self._pairs.read(d.ementa, taxonomy) for d in wanted}
        o_index = {o.code: i for i, o in enumerate(usable + set_aside)}
        d_index = {d.code: j for j, d in enumerate(wanted)}
        table = self._case_topics(
            [o_read[o.code].syllabus.text for o in usable + set_aside], [d_read[d.code].syllabus.text for d in wanted]
        )
        table_of = self._precedents(command, usable)
        today = self._clock.now().date()
        command_for = pair_commands(base, courses, unit_of)

        def pairwise(o: OrigemCourse, d: DestinoUnit) -> float:
            if o.code not in o_index or d.code not in d_index:
                return 0.0
            found = table.pairwise(o_index[o.code], d_index[d.code])
            return found if found >= self._min_coverage else 0.0

        def reading(key: tuple[str, tuple[str, ...]], excerpts: bool) -> PairReading:
            destino, members = key
            comparison = table.compare(tuple(o_index[c] for c in members), d_index[destino], excerpts)
            return merged_reading([o_read[c] for c in members], d_read[destino], comparison)

        evaluations: dict[tuple[str, tuple[str, ...]], Evaluation] = {}
        precedents: dict[tuple[str, tuple[str, ...]], PrecedentMatch] = {}

        def consult(destino: str, members: tuple[str, ...]) -> PrecedentMatch:
            """What the tenant's precedents say of this candidate (ADR 0034): one lookup per case."""
            if not table_of.precedents:
                return NO_MATCH
            origins = [table_of.origin_of[c] for c in members if c in table_of.origin_of]
            if len(origins) != len(members):  # a member without institution and code: no precedent names it
                return NO_MATCH
            found = match_combination(table_of.precedents, origins, destino, None, today)
            if found.applied is not None or found.related:
                precedents[(destino, members)] = found
            return found

        def decide(p: Candidate | Proposal, excerpts: bool) -> Evaluation:
            key = (p.destino, p.origens)
            pair = command_for(p.origens, p.destino)
            found = precedents.get(key, NO_MATCH) if excerpts else consult(*key)
            if found.applied is not None:  # a binding precedent decides: no reading (ADR 0024)
                return self._pairs.decide_by_precedent(pair, taxonomy, policy, found)
            evaluation = self._pairs.decide_read(pair, taxonomy, policy, reading(key, excerpts))
            return held_for_review(evaluation, tuple(p for p, _ in found.related))  # never applied silently

        def scorer(p: Proposal) -> tuple[float, Decision]:
            if ticker is not None:
                ticker.reached(p.destino)
            evaluation = decide(p, False)
            evaluations[(p.destino, p.origens)] = evaluation
            return evaluation.score, evaluation.decisao

        proposals = with_precedents(
            propose(destinos, origens, pairwise, command.policy, reference_year), table_of, destinos, usable,
            command.policy, today,
        )
        candidates = score_all(proposals, scorer)
        if ticker is not None:
            ticker.finished()

        def final(c: Candidate) -> Evaluation:
            """The evaluation stored for a pair the answer uses: the same reading, with excerpts."""
            return decide(c, True)

        named = {c.destino for c in candidates}
        covering = frozenset(
            (d.code, o.code) for d in wanted if d.code not in named for o in usable + set_aside if pairwise(o, d) > 0
        )
        return _Decided({c.key: (c, evaluations[c.key]) for c in candidates}, final, policy, precedents, covering)

    def _precedents(self, command: CaseCommand, usable: list[OrigemCourse]) -> _PrecedentTable:
        """The tenant's precedents naming any usable course of the transcript (by institution and
        code): one read, before anything is scored."""
        courses = {c.codigo: c for c in command.transcript}
        origin_of = {
            o.code: PairOrigin(courses[o.code].instituicao or "", o.code, o.ementa)
            for o in usable
            if courses[o.code].instituicao
        }
        if not origin_of:
            return _PrecedentTable(origin_of, [])
        with self._uows.reading() as uow:
            found = uow.precedents.for_origins(command.tenant_id, [o.key for o in origin_of.values()])
        return _PrecedentTable(origin_of, sorted(found, key=lambda p: p.precedent_id))

    def _case_topics(self, origens: list[str], destinos: list[str]) -> CaseTopics:
        for_case = getattr(self._topics, "for_case", None)
        if for_case is not None:
            found: CaseTopics = for_case(origens, destinos)
            return found
        return JoinedCaseTopics(self._topics, origens, destinos)

    def _pairs_to_store(
        self,
        base: EvaluateCommand,
        command: CaseCommand,
        answer: CaseAnswer,
        decided: _Decided,
        units: tuple[CurriculumUnit, ...],
    ) -> tuple[list[DecidedPair], dict[str, str]]:
        """Each pair decision the answer uses, to be stored exactly as an evaluate stores one, and
        destino → its request_id. The decision stored is the one the case used (same merged
        reading, with excerpts)."""
        courses = {c.codigo: c for c in command.transcript}
        unit_of = {u.codigo: u for u in units}
        index = {u.codigo: i for i, u in enumerate(units)}
        pairs: list[DecidedPair] = []
        stored: dict[str, str] = {}
        for outcome in answer.destinos:
            candidate = outcome.candidate
            if candidate is None or not _uses_pair(outcome):
                continue
            request_id = f"{base.case_id}.{index[outcome.destino]:04d}"
            pair = pair_command(base, [courses[c] for c in candidate.origens], unit_of[outcome.destino])
            payload = canonical_json({"case_id": base.case_id, "destino": outcome.destino, "origens": candidate.origens})
            evaluation = decided.final(candidate)
            decided.items[candidate.key] = (candidate, evaluation)
            pairs.append(DecidedPair(
                replace(pair, request_id=request_id, payload_hash=hashlib.sha256(payload.encode()).hexdigest()),
                evaluation,
                decided.precedents.get(candidate.key, NO_MATCH),
            ))
            stored[outcome.destino] = request_id
        return pairs, stored


@dataclass(frozen=True)
class _PrecedentTable:
    """The transcript's courses as precedents see them (code → origin) and the precedents naming them."""

    origin_of: dict[str, PairOrigin]
    precedents: list[Precedent]


def with_precedents(
    proposals: tuple[Proposal, ...],
    table: _PrecedentTable,
    destinos: tuple[DestinoUnit, ...],
    usable: list[OrigemCourse],
    policy: CasePolicy,
    today: dt.date,
) -> tuple[Proposal, ...]:
    """The proposals plus, for each binding precedent in vigência naming a destino of the case and
    only usable courses of the transcript, the combination it names (when its clock hours meet the
    threshold and its size the policy's), even if topic coverage pruned it: the precedent, not
    the mapper, decides it (ADR 0034). Kept destino by destino, in the proposals' order."""
    if not table.precedents:
        return proposals
    by_key = {origin.key: code for code, origin in table.origin_of.items()}
    hours = {o.code: o.clock_hours for o in usable}
    known = {(p.destino, p.origens) for p in proposals}
    extra: dict[str, list[Proposal]] = {}
    for destino in destinos:
        if destino.unit_type in policy.excluded_types:
            continue
        for precedent in table.precedents:
            if precedent.kind is not PrecedentKind.BINDING or not precedent.in_force(today):
                continue
            if not destino_matches(precedent, destino.code, None) or len(precedent.origens) > policy.max_combination:
                continue
            codes = [by_key.get(o.key) for o in precedent.origens]
            if any(c is None or c not in hours for c in codes):
                continue
            members = tuple(sorted(c for c in codes if c is not None))
            total = sum(hours[c] for c in members)
            if (destino.code, members) in known or total < policy.minimum_hours(destino):
                continue
            known.add((destino.code, members))
            extra.setdefault(destino.code, []).append(Proposal(destino.code, members, total, tuple(0.0 for _ in members)))
    if not extra:
        return proposals
    ordered: list[Proposal] = []
    for destino in destinos:
        ordered.extend(p for p in proposals if p.destino == destino.code)
        ordered.extend(extra.get(destino.code, ()))
    return tuple(ordered)


@dataclass
class _Decided:
    """Every candidate with its evaluation, and how to redo a used one with quoted excerpts."""

    items: dict[tuple[str, tuple[str, ...]], tuple[Candidate, Evaluation]]
    final: Callable[[Candidate], Evaluation]
    policy: Policy
    precedents: dict[tuple[str, tuple[str, ...]], PrecedentMatch] = field(default_factory=dict)
    """What the tenant's precedents say of a candidate, for those they decide or inform (ADR 0024)."""
    covering: frozenset[tuple[str, str]] = frozenset()
    """(destino, origem) for each unit without candidates and each course covering its content (`Case.covering`)."""


class _Ticker:
    """Counts the units scored (proposals come destino by destino, in this order) and tells
    `progress` every `every` units and once all are scored."""

    def __init__(self, progress: Progress | None, codes: list[str], every: int) -> None:
        self._progress, self._every = progress, every
        self._position = {code: i for i, code in enumerate(codes)}
        self._total, self._told = len(codes), 0

    def reached(self, destino: str) -> None:
        """Scoring `destino` began: every unit before it is scored."""
        done = self._position.get(destino, 0)
        if done - self._told >= self._every:
            self._tell(done)

    def finished(self) -> None:
        if self._told < self._total or self._total == 0:
            self._tell(self._total)

    def _tell(self, done: int) -> None:
        self._told = done
        if self._progress is not None:
            self._progress({"fase": "avaliando", "unidades_avaliadas": done, "unidades_total": self._total})


class JoinedCaseTopics:
    """`CaseTopics` for a matcher without `for_case`: compares the joined texts (slower)."""

    def __init__(self, matcher: TopicMatcher, origens: list[str], destinos: list[str]) -> None:
        self._matcher, self._origens, self._destinos = matcher, origens, destinos

    def pairwise(self, origem: int, destino: int) -> float:
        return self._matcher.compare(self._origens[origem], self._destinos[destino]).coverage

    def compare(self, origens: tuple[int, ...], destino: int, excerpts: bool = False) -> TopicComparison:
        return self._matcher.compare("\n\n".join(self._origens[i] for i in origens), self._destinos[destino])


def merged_reading(members: list[TextReading], destino: TextReading, comparison: TopicComparison) -> PairReading:
    """The reading of origem courses combined, from each one's own reading (ADR 0027):
    concepts are the members' together (`confident` keeps a concept's best match), the syllabus
    their texts one after the other, the language the first unsupported one if any (the pair
    then cannot be read automatically), else the first member's; the topics compared by
    `CaseTopics.compare`. One member: exactly the reading `evaluate` makes of that pair."""
    if len(members) == 1:
        only = members[0]
        origem_mapping, syllabus_text, idioma = only.mapping, only.syllabus, only.idioma
    else:
        mappings = [m.mapping for m in members]
        errors = [m.error for m in mappings if m.error]
        origem_mapping = MappingOutcome(
            tuple(match for m in mappings for match in m.matches),
            "+".join(sorted({m.mapper_version for m in mappings})),
            degraded=any(m.degraded for m in mappings),
            error="; ".join(errors) or None,
        )
        syllabus_text = SyllabusText(
            "\n\n".join(m.syllabus.text for m in members), tuple(a for m in members for a in m.syllabus.set_aside)
        )
        unsupported = [m.idioma for m in members if m.idioma in UNSUPPORTED_LANGUAGES]
        idioma = unsupported[0] if unsupported else members[0].idioma
    reading = Reading(syllabus_text, destino.syllabus, idioma, destino.idioma, comparison)
    return PairReading(origem_mapping, destino.mapping, reading)


def _uses_pair(outcome: DestinoOutcome) -> bool:
    """A waived unit, one a person decides, or one the pipeline itself rejected."""
    if outcome.status in (DestinoStatus.WAIVED, DestinoStatus.TO_REVIEW):
        return True
    return outcome.reason is Reason.REJECTED


def _placeholder() -> Course:
    return Course("-", 1, "-")


def _origem(course: TranscriptCourse) -> OrigemCourse:
    return OrigemCourse(
        course.codigo, course.nome, course.workload, approved=course.passed, year=course.year,
        term=course.periodo, ementa=course.ementa,
    )


def _destino(unit: CurriculumUnit) -> DestinoUnit:
    return DestinoUnit(unit.codigo, unit.nome, unit.workload, unit.tipo, unit.equivalencias, _unit_ementa(unit))


def _unit_ementa(unit: CurriculumUnit) -> str:
    return "\n".join(unit.ementa)


def _workload_fields(workloads: list[Workload]) -> tuple[int, str, int | None]:
    """(carga_horaria, unidade_carga, minutos_hora_aula) of summed workloads, exactly."""
    units = {(w.unit, w.minutos_hora_aula) for w in workloads}
    total = sum(w.amount for w in workloads)
    if len(units) == 1 and float(total).is_integer():
        unit, minutes = units.pop()
        return int(total), unit.value, minutes
    minutes_total = round(sum(w.clock_hours() for w in workloads) * 60)
    return minutes_total, WorkloadUnit.HORA_AULA.value, 1  # mixed units: counted in minutes


def pair_command(base: EvaluateCommand, members: list[TranscriptCourse], unit: CurriculumUnit) -> EvaluateCommand:
    """The origem courses joined into one course against one destino unit."""
    return replace(base, origem=origem_course(members), destino=destino_course(unit))


def origem_course(members: list[TranscriptCourse]) -> Course:
    """The origem courses of a candidate joined into the one course `evaluate` decides."""
    carga, unidade, minutos = _workload_fields([m.workload for m in members])
    years = [m.year for m in members]
    institutions = sorted({m.instituicao for m in members if m.instituicao})
    return Course(
        nome=" + ".join(m.nome for m in members),
        carga_horaria=carga,
        ementa="\n\n".join(m.ementa for m in members),
        aprovado=all(m.passed for m in members),
        ano_conclusao=None if None in years else min(y for y in years if y is not None),
        instituicao=", ".join(institutions) or None,
        codigo="+".join(m.codigo for m in members),
        unidade_carga=unidade,
        minutos_hora_aula=minutos,
    )


def destino_course(unit: CurriculumUnit) -> Course:
    """A curriculum unit as the destino course `evaluate` decides."""
    d_carga, d_unidade, d_minutos = _workload_fields([unit.workload])
    return Course(
        nome=unit.nome, carga_horaria=d_carga, ementa=_unit_ementa(unit), codigo=unit.codigo,
        unidade_carga=d_unidade, minutos_hora_aula=d_minutos,
    )


def pair_commands(
    base: EvaluateCommand, courses: dict[str, TranscriptCourse], units: dict[str, CurriculumUnit]
) -> Callable[[tuple[str, ...], str], EvaluateCommand]:
    """`pair_command` for one case, each origem combination's and destino unit's course built once
    (an origem course takes part in proposals for many units, a unit in ~10-50 proposals)."""
    origem_of = cache(lambda members: origem_course([courses[c] for c in members]))
    destino_of = cache(lambda code: destino_course(units[code]))
    return lambda members, destino: replace(base, origem=origem_of(members), destino=destino_of(destino))


def curriculum_to_decide(uow: UnitOfWork, command: CaseCommand) -> str:
    """The stored curriculum version a new case is decided against: the one named, else the
    tenant's current one. Checked before a case is decided or queued: raises VersionNotFound
    (none, unknown, another curriculum's) or VersionDeprecated (retired from new decisions)."""
    version = command.curriculum_version or uow.curricula.default(command.tenant_id)
    if version is None:
        raise VersionNotFound("the tenant has no current curriculum: send curriculo.versao or unidades", field="curriculo.versao")
    info = uow.curricula.info(command.tenant_id, version)
    if info is None:
        raise VersionNotFound(f"curriculum version '{version}' not found", field="curriculo.versao")
    if info.status == DEPRECATED:
        raise VersionDeprecated(deprecated_curriculum_message(version), field="curriculo.versao")
    if command.curriculum_id is not None and command.curriculum_id != info.codigo_curriculo:
        raise VersionNotFound(f"curriculum version '{version}' is not curriculum '{command.curriculum_id}'", field="curriculo.versao")
    return version


# --- the answer document -------------------------------------------------------------------------

REASON_TEXT = {
    Reason.EXCLUDED_TYPE: "tipo de unidade excluído da dispensa pela política",
    Reason.NO_CANDIDATE: "nenhuma disciplina de origem cobre os conteúdos desta unidade",
    Reason.REJECTED: "indeferida pela avaliação do par",
    Reason.REVIEW: "a avaliação pede análise humana",
    Reason.ALREADY_USED: "disciplina de origem já usada",
    Reason.EQUIVALENT_WAIVED: "unidade equivalente já dispensada",
    Reason.CAP: "o limite de dispensa seria excedido",
    Reason.NOT_CHOSEN: "não escolhida pela atribuição",
    Reason.DESTINO_WAIVED: "as unidades que cobriria já foram dispensadas por outras disciplinas",
    Reason.NOT_APPROVED: "não aprovada",
    Reason.OUT_OF_VALIDITY: "fora do prazo de validade",
    Reason.COVERS_NOTHING: "não cobre nenhuma unidade do currículo",
    Reason.INSUFFICIENT_WORKLOAD: "carga horária insuficiente",
}


def reason_text(reason: Reason | None, answer: CaseAnswer, case: Case, candidate: Candidate | None, origem: str | None = None) -> str:
    """The reason in Portuguese, with what it refers to (which unit a course was used for…)."""
    if reason is None:
        return ""
    base = REASON_TEXT[reason]
    used_for = {o: c.destino for c in answer.waived for o in c.origens}
    if reason is Reason.ALREADY_USED and candidate is not None:
        taken = [f"{o} já usada para {used_for[o]}" for o in candidate.origens if o in used_for and o != origem]
        return f"{base}: {'; '.join(taken)}" if taken else base
    if reason is Reason.DESTINO_WAIVED and candidate is not None:
        waived = {c.destino: c for c in answer.waived}
        by = waived.get(candidate.destino)
        if by is not None:
            return f"{base}: {candidate.destino} dispensada por {' + '.join(by.origens)}"
    if reason is Reason.CAP and case.cap_hours is not None:
        return f"{base} ({hours_text(case.cap_hours)}h)"
    if reason is Reason.OUT_OF_VALIDITY and origem is not None:
        course = next(o for o in case.origens if o.code == origem)
        year = "ano desconhecido" if course.year is None else f"cursada em {course.year}"
        return f"{base}: {year}, validade de {case.policy.validity_years} anos"
    if reason is Reason.REVIEW and candidate is None and origem is not None:
        return base
    return base


def not_approved_text(course: TranscriptCourse | None) -> str:
    """"não aprovada", with the situation the histórico gives (Reprovado, Trancado…) if any."""
    status = (course.status or "").strip() if course is not None else ""
    return f"{REASON_TEXT[Reason.NOT_APPROVED]} (situação no histórico: {status})" if status else REASON_TEXT[Reason.NOT_APPROVED]


def uncovered_text(outcome: DestinoOutcome, answer: CaseAnswer, case: Case, transcript: dict[str, TranscriptCourse]) -> str:
    """Why a unit no candidate names was not waived, naming the origem courses that cover its
    content (`DestinoOutcome.related`) and, for each one set aside, why: a coordinator must not
    read a failed course as a workload problem."""
    if not outcome.related:
        return reason_text(outcome.reason, answer, case, None)
    courses = {o.code: o for o in case.origens}
    one = len(outcome.related) == 1
    subject = "a disciplina de origem que cobre" if one else "as disciplinas de origem que cobrem"
    if outcome.reason is Reason.INSUFFICIENT_WORKLOAD:
        destino = next(d for d in case.destinos if d.code == outcome.destino)
        named = ", ".join(f"{c} {courses[c].name} ({hours_text(courses[c].clock_hours)}h)" for c in outcome.related)
        total = sum(courses[c].clock_hours for c in outcome.related)
        return (
            f"{REASON_TEXT[Reason.INSUFFICIENT_WORKLOAD]}: {subject} os conteúdos desta unidade "
            f"({named}) {'tem' if one else 'somam'} {hours_text(total)}h, "
            f"abaixo das {hours_text(case.policy.minimum_hours(destino))}h exigidas"
        )
    why = []
    for code in outcome.related:
        course = courses[code]
        if not course.approved:
            said = not_approved_text(transcript.get(code))
        else:
            said = reason_text(Reason.OUT_OF_VALIDITY, answer, case, None, origem=code)
        why.append(f"{code} {course.name}, {said}")
    verb = "não pôde ser usada" if one else "não puderam ser usadas"
    return f"{subject} os conteúdos desta unidade {verb}: {'; '.join(why)}"


def case_document(
    case_id: str,
    version: str | None,
    command: CaseCommand,
    case: Case,
    answer: CaseAnswer,
    decided: _Decided,
    stored: dict[str, str],
    units: tuple[CurriculumUnit, ...],
) -> dict[str, Any]:
    unit_of = {u.codigo: u for u in units}
    course_of = {c.codigo: c for c in command.transcript}
    destinos = []
    for outcome in answer.destinos:
        unit, c = unit_of[outcome.destino], outcome.candidate
        evaluation = decided.items[c.key][1] if c is not None else None
        if outcome.status is DestinoStatus.WAIVED or (outcome.status is DestinoStatus.TO_REVIEW) or outcome.reason is Reason.REJECTED:
            justification = evaluation.justificativa_curta if evaluation else ""
        elif c is None:
            justification = uncovered_text(outcome, answer, case, course_of)
        else:
            justification = reason_text(outcome.reason, answer, case, c)
        destinos.append({
            "codigo": unit.codigo,
            "nome": unit.nome,
            "tipo": unit.tipo.value,
            "carga_horaria": unit.workload.describe(),
            "horas": round(unit.workload.clock_hours(), 2),
            "decisao": outcome.status.decision.value,
            "origens": list(outcome.origens) if outcome.status is DestinoStatus.WAIVED else (list(c.origens) if c and outcome.status is DestinoStatus.TO_REVIEW else []),
            "candidata": None if c is None else {"origens": list(c.origens), "score": c.score, "decisao_par": c.decision.value},
            "score": None if c is None else c.score,
            "motivo": None if outcome.reason is None else outcome.reason.value,
            "justificativa": justification,
            "request_id": stored.get(outcome.destino),
            # ADR 0034: the precedent that decided the pair, or those shown as evidence; nothing otherwise
            **(precedent_fields(decided.precedents[c.key], evaluation) if c is not None and evaluation is not None and c.key in decided.precedents else {}),
        })
    usadas, nao_usadas = [], []
    for o in answer.origens:
        course = course_of[o.origem]
        if o.used_for:
            usadas.append({"codigo": o.origem, "nome": course.nome, "usada_para": list(o.used_for)})
            continue
        best = _best_for(case, o)
        nao_usadas.append({
            "codigo": o.origem,
            "nome": course.nome,
            "motivo": None if o.reason is None else o.reason.value,
            "justificativa": (
                not_approved_text(course) if o.reason is Reason.NOT_APPROVED
                else reason_text(o.reason, answer, case, best, origem=o.origem)
            ),
        })
    s = answer.summary
    return {
        "case_id": case_id,
        "status": DONE,
        "curriculo": None if version is None else {"versao": version, "id": command.curriculum_id},
        "student_sha256": command.student_hash,
        **({"historico_documento": command.transcript_source} if command.transcript_source is not None else {}),
        "politica": _policy_out(command.policy),
        "policy_version": decided.policy.version,  # the evaluate policy every pair was decided with
        "rules_version": RULES_VERSION,
        "destinos": destinos,
        "origens_usadas": usadas,
        "origens_nao_usadas": nao_usadas,
        "resumo": {
            "horas_dispensadas": round(s.waived_hours, 2),
            "horas_curriculo": round(s.total_hours, 2),
            "percentual_dispensado": round(100 * s.waived_share, 2),
            "limite_horas": None if s.cap_hours is None else round(s.cap_hours, 2),
            "limite_atingido": s.cap_reached,
            "metodo": s.method,
            "deferidas": sum(1 for d in answer.destinos if d.status is DestinoStatus.WAIVED),
            "em_analise": sum(1 for d in answer.destinos if d.status is DestinoStatus.TO_REVIEW),
            "indeferidas": sum(1 for d in answer.destinos if d.status is DestinoStatus.NOT_WAIVED),
            "candidatas_avaliadas": len(case.candidates),
        },
        "deferidas_sem_limite": [
            {"destino": c.destino, "origens": list(c.origens), "score": c.score} for c in answer.beyond_cap
        ],
    }


def _best_for(case: Case, outcome: OrigemOutcome) -> Candidate | None:
    mine = [c for c in case.candidates if outcome.origem in c.origens]
    return min(mine, key=lambda c: (-c.score, c.key), default=None)


def _policy_out(policy: CasePolicy) -> dict[str, Any]:
    return {
        "max_combinacao": policy.max_combination,
        "permite_reuso": policy.allow_reuse,
        "limite_percentual": None if policy.max_waived_share is None else round(100 * policy.max_waived_share, 4),
        "tipos_excluidos": sorted(t.value for t in policy.excluded_types),
        "validade_anos": policy.validity_years,
        "limiar_carga": policy.workload_threshold,
    }


def _audit_payload(command: CaseCommand, document: dict[str, Any]) -> dict[str, Any]:
    return {
        "case_id": document["case_id"],
        "payload_hash": command.payload_hash,
        "student_sha256": command.student_hash,
        "curriculo": document["curriculo"],
        "resumo": document["resumo"],
        "request_ids": sorted(d["request_id"] for d in document["destinos"] if d["request_id"]),
    }


CSV_COLUMNS = ("tipo_linha", "codigo", "nome", "decisao", "origens", "score", "horas", "motivo", "justificativa")


def case_csv(document: dict[str, Any]) -> str:
    """One row per destino unit, then one per origem course left unused (with its reason)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for d in document["destinos"]:
        writer.writerow((
            "destino", d["codigo"], d["nome"], d["decisao"], " + ".join(d["origens"]),
            "" if d["score"] is None else d["score"], d["horas"], d["motivo"] or "", d["justificativa"],
        ))
    for o in document["origens_nao_usadas"]:
        writer.writerow(("origem_nao_usada", o["codigo"], o["nome"], "", "", "", "", o["motivo"] or "", o["justificativa"]))
    return out.getvalue()


def case_table(document: dict[str, Any]) -> str:
    """The console table `equivalence case evaluate` prints."""
    rows = [("UNIDADE", "DECISÃO", "ORIGEM", "SCORE", "MOTIVO")]
    for d in document["destinos"]:
        score = "" if d["score"] is None else f"{d['score']:.1f}"
        rows.append((f"{d['codigo']} {d['nome']}"[:40], d["decisao"], " + ".join(d["origens"])[:30], score, (d["justificativa"] or "")[:70]))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["  ".join(r[i].ljust(widths[i]) for i in range(4)) + "  " + r[4] for r in rows]
    s = document["resumo"]
    cap = "sem limite" if s["limite_horas"] is None else f"limite {hours_text(s['limite_horas'])}h{' (atingido)' if s['limite_atingido'] else ''}"
    lines.append("")
    lines.append(f"dispensadas {s['deferidas']}, em análise {s['em_analise']}, indeferidas {s['indeferidas']}; "
                 f"{hours_text(s['horas_dispensadas'])}h de {hours_text(s['horas_curriculo'])}h ({s['percentual_dispensado']:g}%), {cap}")
    for o in document["origens_nao_usadas"]:
        lines.append(f"não usada: {o['codigo']} {o['nome']} — {o['justificativa']}")
    for c in document["deferidas_sem_limite"]:
        lines.append(f"sem o limite: {c['destino']} por {' + '.join(c['origens'])} (score {c['score']:.1f})")
    return "\n".join(lines) + "\n"


__all__ = ["CaseCommand", "EvaluateCase", "TranscriptCourse", "UnitType", "case_csv", "case_table"]
