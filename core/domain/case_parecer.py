"""The parecer of a case: a student's whole request decided against a curriculum (ADR 0034).

Built from the stored case document with the same blocks as a review item's parecer
(`core/domain/parecer.py`: Relatório, Fundamentação, Conclusão), so the same renderers lay it
out; the Conclusão carries the waiver table (one row per curriculum unit).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from typing import Any

from core.domain.model import Policy
from core.domain.parecer import Parecer, Section, Table

DECISION_TEXT = {"DEFERIDO": "dispensada", "INDEFERIDO": "não dispensada", "ANALISE_HUMANA": "em análise humana"}
TABLE_HEADER = ("Unidade", "Horas", "Decisão", "Origem", "Score", "Fundamento")


@dataclasses.dataclass(frozen=True, slots=True)
class CaseParecerSources:
    """What a case's parecer is written from: the stored case, when it was decided, the policy."""

    case: Mapping[str, Any]  # the case document as stored
    decided_at: dt.datetime
    instituicao: str
    policy_version: str | None  # the evaluate policy its pairs were decided with
    policy: Policy | None  # that version, if still stored
    rules_version: str | None


def case_parecer(sources: CaseParecerSources, now: dt.datetime) -> Parecer:
    """The parecer of a case, in Portuguese, citing the policy and the case's rules."""
    case = sources.case
    return Parecer(
        titulo="Parecer de aproveitamento de estudos (análise do histórico)",
        referencia=str(case.get("case_id")),
        emitido_em=now,
        sections=(_relatorio(sources), _fundamentacao(sources), _conclusao(case)),
        decisao=None,
    )


def _relatorio(sources: CaseParecerSources) -> Section:
    case = sources.case
    curriculo = case.get("curriculo") or {}
    destinos = case.get("destinos") or []
    used, unused = case.get("origens_usadas") or [], case.get("origens_nao_usadas") or []
    facts = [
        ("Instituição", sources.instituicao),
        ("Caso", str(case.get("case_id"))),
        ("Decidido em", _date(sources.decided_at)),
        ("Currículo de destino", f"versão {curriculo['versao']}" if curriculo.get("versao") else "unidades enviadas com o pedido"),
        ("Unidades do currículo", str(len(destinos))),
        ("Disciplinas do histórico", str(len(used) + len(unused))),
        ("Estudante (SHA-256)", str(case.get("student_sha256") or "não informado")),
    ]
    document = case.get("historico_documento")
    if isinstance(document, Mapping):
        signed = "com assinatura (não verificada)" if document.get("assinatura_presente") else "sem assinatura"
        facts.append(("Histórico", f"Histórico Escolar Digital (MEC), {signed}"))
    paragraph = (
        f"Trata-se de pedido de aproveitamento de estudos em que o histórico de {len(used) + len(unused)} "
        f"disciplina(s) cursada(s) em outra instituição foi analisado frente às {len(destinos)} unidades do currículo "
        "de destino pelo serviço de equivalências: cada unidade recebeu as disciplinas (isoladas ou combinadas) que a "
        "cobrem, cada par foi avaliado como uma avaliação individual e registrado em auditoria com o número deste caso."
    )
    return Section("Relatório", facts=tuple(facts), paragraphs=(paragraph,))


def _fundamentacao(sources: CaseParecerSources) -> Section:
    case, policy = sources.case, sources.policy
    rules = case.get("politica") or {}
    cited = f"Aplicada a política {sources.policy_version or 'não registrada'} (regras {sources.rules_version or 'não registradas'})."
    if policy is not None:
        cited += (
            f" Critérios da política: pontuação mínima para deferir {policy.min_score_deferir:g}; "
            f"tolerância de carga horária {policy.tolerancia_carga:g}; conceitos críticos "
            f"{'exigidos' if policy.exigir_criticos else 'não exigidos'}."
        )
    limit = rules.get("limite_percentual")
    excluded = ", ".join(rules.get("tipos_excluidos") or ()) or "nenhum"
    case_rules = (
        f"Regras do caso: até {rules.get('max_combinacao')} disciplina(s) de origem combinada(s) por unidade; "
        f"cada disciplina de origem {'pode ser reutilizada' if rules.get('permite_reuso') else 'usada uma única vez'}; "
        f"limite de dispensa {'de ' + format(limit, 'g') + '% da carga do currículo' if limit is not None else 'não fixado'}; "
        f"tipos de unidade excluídos: {excluded}; validade de {_validity(rules.get('validade_anos'))}; "
        f"carga mínima de {_share(rules.get('limiar_carga'))} da unidade, em horas-relógio."
    )
    summary = case.get("resumo") or {}
    method = (
        "A escolha entre as candidatas é uma atribuição exata que maximiza as horas dispensadas (empates: maior "
        f"pontuação) respeitando essas regras (método: {summary.get('metodo')}); uma unidade com avaliação que pede "
        "análise humana nunca é dispensada automaticamente."
    )
    paragraphs = [cited, case_rules, method]
    precedents = sorted({str(d["precedente"]["precedent_id"]) for d in case.get("destinos") or () if d.get("precedente")})
    if precedents:
        paragraphs.append(f"Decidido por precedente da tabela de equivalências da instituição: {', '.join(precedents)}.")
    lists = (
        ("Disciplinas de origem não aproveitadas", tuple(
            f"{o.get('codigo')} {o.get('nome')}: {o.get('justificativa')}" for o in case.get("origens_nao_usadas") or ()
        )),
        ("Dispensas que o limite impediu", tuple(
            f"{c.get('destino')} por {' + '.join(c.get('origens') or ())} (pontuação {c.get('score')})"
            for c in case.get("deferidas_sem_limite") or ()
        )),
    )
    return Section("Fundamentação", paragraphs=tuple(paragraphs), lists=tuple((t, items) for t, items in lists if items))


def _conclusao(case: Mapping[str, Any]) -> Section:
    summary = case.get("resumo") or {}
    cap = summary.get("limite_horas")
    facts = (
        ("Unidades dispensadas", str(summary.get("deferidas"))),
        ("Em análise humana", str(summary.get("em_analise"))),
        ("Não dispensadas", str(summary.get("indeferidas"))),
        ("Horas dispensadas", f"{_hours(summary.get('horas_dispensadas'))} de {_hours(summary.get('horas_curriculo'))} "
                              f"({summary.get('percentual_dispensado')}%)"),
        ("Limite de dispensa", "não fixado" if cap is None else
            f"{_hours(cap)}{' (atingido)' if summary.get('limite_atingido') else ''}"),
    )
    text = (
        f"Diante do exposto, o parecer é pela DISPENSA das {summary.get('deferidas')} unidade(s) indicada(s) no quadro "
        f"abaixo ({_hours(summary.get('horas_dispensadas'))}), pelo encaminhamento de {summary.get('em_analise')} "
        f"unidade(s) à análise humana e pela não dispensa das demais, pelos fundamentos de cada linha."
    )
    rows = tuple(
        (
            f"{d.get('codigo')} {d.get('nome')}",
            _hours(d.get("horas")),
            DECISION_TEXT.get(str(d.get("decisao")), str(d.get("decisao"))),
            " + ".join(d.get("origens") or ()) or "—",
            "—" if d.get("score") is None else f"{float(d['score']):.1f}",
            str(d.get("justificativa") or ""),
        )
        for d in case.get("destinos") or ()
    )
    return Section("Conclusão", facts=facts, paragraphs=(text,), tables=(Table("Quadro de dispensas", TABLE_HEADER, rows),))


def _hours(value: Any) -> str:
    return "—" if value is None else f"{float(value):g}h"


def _share(value: Any) -> str:
    return "—" if value is None else f"{100 * float(value):g}%"


def _validity(years: Any) -> str:
    return "tempo indeterminado" if years is None else f"{years} anos"


def _date(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).strftime("%d/%m/%Y %H:%M UTC")
