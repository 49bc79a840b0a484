"""A parecer document: Relatório, Fundamentação, Conclusão — plain data any renderer lays out.

`Parecer` knows nothing of HTML or PDF (adapters/documents/ render it). `review_parecer` builds
the parecer of a review item from its stored evaluation; a case parecer can build its own
`Parecer` from the same blocks (ADR 0026).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from typing import Any

from core.domain.model import Policy
from core.domain.parecer_labels import DECISOES, ESTADOS, MOTIVOS, MOTIVOS_PARECER, PAPEIS, REGRAS, label
from core.domain.review import HOMOLOGACAO_DISPENSADA, ReviewItem, SubjectCourse

DECISION_WORDS = {"DEFERIDO": "DEFERIMENTO", "INDEFERIDO": "INDEFERIMENTO"}


@dataclasses.dataclass(frozen=True, slots=True)
class Table:
    """A titled table of text cells (a case's waiver table): every row as long as the header."""

    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclasses.dataclass(frozen=True, slots=True)
class Section:
    """One section: label/value facts, then paragraphs, then titled lists, then tables."""

    title: str
    facts: tuple[tuple[str, str], ...] = ()
    paragraphs: tuple[str, ...] = ()
    lists: tuple[tuple[str, tuple[str, ...]], ...] = ()
    tables: tuple[Table, ...] = ()


@dataclasses.dataclass(frozen=True, slots=True)
class Parecer:
    titulo: str
    referencia: str  # what the parecer is about (a review item id, a case id)
    emitido_em: dt.datetime
    sections: tuple[Section, ...]
    decisao: str | None  # DEFERIDO / INDEFERIDO once given, else None


@dataclasses.dataclass(frozen=True, slots=True)
class ParecerSources:
    """What a review item's parecer is written from: the item, its stored result, the policy."""

    item: ReviewItem
    result: Mapping[str, Any]  # the evaluation document as stored
    instituicao: str  # the tenant's name: the institution that decides (the destino's)
    policy: Policy | None  # the policy version the result names (None if it is not stored any more)
    pessoas: Mapping[str, str] = dataclasses.field(default_factory=dict)  # key id → the key's name


def review_parecer(sources: ParecerSources, now: dt.datetime) -> Parecer:
    """The parecer of a review item, in Portuguese, citing the policy and its rules."""
    item = sources.item
    return Parecer(
        titulo="Parecer de aproveitamento de estudos",
        referencia=item.review_id,
        emitido_em=now,
        sections=(relatorio(sources), fundamentacao(sources), conclusao(item, sources.pessoas)),
        decisao=item.decision,
    )


def relatorio(sources: ParecerSources) -> Section:
    """The request: who asked what, the workloads, the automatic result and any recurso."""
    item, result = sources.item, sources.result
    origem, destino = item.about.origem, item.about.destino
    course_id = (result.get("meta") or {}).get("course_id")
    facts = (
        ("Disciplina de origem", _course(origem, item.about.instituicao)),
        ("Disciplina de destino", _course(destino, item.about.curso)),
        ("Instituição de destino", sources.instituicao),
        *((("Curso de destino (course_id)", str(course_id)),) if course_id else ()),
        ("Pedido (request_id)", item.request_id),
        ("Item de revisão", item.review_id),
        ("Rodada", str(item.rodada)),
        ("Aberto em", _date(item.created_at)),
        ("Carga horária", _rule_details(result, "carga_horaria") or "não avaliada"),
    )
    pedido = f"«{origem.nome}» → «{destino.nome}»" if origem and destino else "origem → destino"
    paragraphs = [
        f"Trata-se de pedido de aproveitamento de estudos ({pedido}) avaliado pelo serviço de equivalências, "
        f"que indicou {label(DECISOES, result.get('decisao'))} com pontuação {result.get('score')}"
        + (f" e motivo de revisão «{label(MOTIVOS, result['motivo_revisao'])}»." if result.get("motivo_revisao") else ".")
    ]
    if item.recurso:
        paragraphs.append(f"Recurso (rodada {item.rodada}) com os fatos novos: {item.recurso.get('fatos')}")
        if item.recurso.get("ementa"):
            paragraphs.append(f"Nova ementa de origem apresentada no recurso: {item.recurso['ementa']}")
    return Section("Relatório", facts=facts, paragraphs=tuple(paragraphs))


def fundamentacao(sources: ParecerSources) -> Section:
    """The evidence: topics covered and missing, the hard rules, citing the policy and rules versions."""
    result, policy = sources.result, sources.policy
    cited = (
        f"Aplicada a política {result.get('policy_version')} (regras {result.get('rules_version')}, "
        f"taxonomia {result.get('taxonomy_version')})."
    )
    if policy is not None:
        cited += (
            f" Critérios da política: pontuação mínima para deferir {policy.min_score_deferir:g}; "
            f"tolerância de carga horária {policy.tolerancia_carga:g}; conceitos críticos "
            f"{'exigidos' if policy.exigir_criticos else 'não exigidos'}; prazo do parecer {policy.prazo_parecer_dias} dias; "
            f"recurso em {policy.prazo_recurso_dias} dias úteis; homologação "
            f"{'obrigatória' if policy.homologacao_obrigatoria else 'dispensada'}."
        )
    topics = result.get("topicos") or {}
    lists = (
        ("Tópicos do destino cobertos pela origem", tuple(str(t.get("topico")) for t in topics.get("cobertos") or ())),
        ("Tópicos cobertos em parte", tuple(str(t.get("topico")) for t in topics.get("parciais") or ())),
        ("Tópicos ausentes", tuple(str(t) for t in topics.get("faltantes") or ())),
        ("Conceitos críticos ausentes", tuple(str(c) for c in result.get("criticos_faltantes") or ())),
        ("Regras obrigatórias", tuple(
            f"{label(REGRAS, r.get('rule'))}: {'atendida' if r.get('ok') else 'não atendida'} — {r.get('details')}" for r in result.get("hard_rules") or ()
        )),
    )
    paragraphs = [cited]
    if result.get("justificativa_detalhada"):
        paragraphs.append(f"Avaliação automática: {result['justificativa_detalhada']}")
    if sources.item.parecer:
        paragraphs.append(f"Parecer do(a) parecerista: {sources.item.parecer}")
    return Section("Fundamentação", paragraphs=tuple(paragraphs), lists=tuple((t, items) for t, items in lists if items))


def conclusao(item: ReviewItem, pessoas: Mapping[str, str] | None = None) -> Section:
    """The decision, who gave it (the key's name and role), and its homologation."""
    if item.decision is None:
        situacao = label(ESTADOS, item.state.value).lower()
        return Section("Conclusão", paragraphs=(f"Parecer ainda não emitido (situação: {situacao}).",))
    pessoas = pessoas or {}
    decided = _last(item, "decide")
    motivo = label(MOTIVOS_PARECER, item.reason_code) if item.reason_code else "—"
    facts = [
        ("Decisão", label(DECISOES, item.decision)),
        ("Motivo", motivo),
        ("Parecerista", _who(decided, pessoas)),
    ]
    homologated = _last(item, "homologate")
    if decided is not None and decided.get("homologacao") == HOMOLOGACAO_DISPENSADA:
        facts.append(("Homologação", "dispensada pela política"))
    elif homologated is not None and item.final:
        facts.append(("Homologação", f"homologado por {_who(homologated, pessoas)} em {_date_text(homologated.get('at'))}"))
    else:
        facts.append(("Homologação", "aguardando homologação da coordenação"))
    words = DECISION_WORDS.get(item.decision, item.decision)
    text = f"Diante do exposto, o parecer é pelo {words} do pedido (motivo: {motivo})."
    return Section("Conclusão", facts=tuple(facts), paragraphs=(text,))


def _last(item: ReviewItem, action: str) -> dict[str, Any] | None:
    """The latest history entry of `action` in the item's current round."""
    entries = [e for e in item.history if e.get("action") == action and e.get("rodada", 1) == item.rodada]
    return entries[-1] if entries else None


def _who(entry: Mapping[str, Any] | None, pessoas: Mapping[str, str]) -> str:
    """The person as the key's name and role in Portuguese (the key id when the key is gone)."""
    actor = (entry or {}).get("actor") or {}
    key_id = actor.get("key_id")
    nome = pessoas.get(key_id) if key_id else None
    papel = label(PAPEIS, actor["role"]) if actor.get("role") else "—"
    return f"{nome or (f'chave {key_id}' if key_id else 'operador')} ({papel})"


def _course(course: SubjectCourse | None, identity: str | None) -> str:
    """A course as the parecer names it: its name, then its institution and code when known."""
    if course is None:
        return f"não registrada no item (identificação: {identity})" if identity else "não registrada no item"
    extra = ", ".join(part for part in (course.codigo, course.instituicao) if part)
    return f"{course.nome} ({extra})" if extra else course.nome


def _rule_details(result: Mapping[str, Any], rule: str) -> str | None:
    return next((str(r.get("details")) for r in result.get("hard_rules") or () if r.get("rule") == rule), None)


def _date(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).strftime("%d/%m/%Y %H:%M UTC")


def _date_text(iso: Any) -> str:
    try:
        return _date(dt.datetime.fromisoformat(str(iso)))
    except ValueError:
        return str(iso)
