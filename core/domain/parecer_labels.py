"""How a coordinator reads the service's codes: decisions, reasons, rules, states and roles in Portuguese.

One table per kind of code, shared by the console and the parecer documents, so a page and a
parecer name a code the same way. A code with no label (a tenant's own reason code) is shown as
its words (`label`), never as a raw snake_case code.
"""

from __future__ import annotations

from collections.abc import Mapping

DECISOES = {
    "DEFERIDO": "Deferido",
    "INDEFERIDO": "Indeferido",
    "ANALISE_HUMANA": "Análise humana",
}
# Why the service sent a pair to a person (`motivo_revisao`, core/domain/reading.py::ReviewReason).
MOTIVOS = {
    "ementa_insuficiente": "ementa insuficiente",
    "idioma_nao_suportado": "idioma não suportado",
    "area_fora_do_vocabulario": "área fora do vocabulário",
    "cobertura_incerta": "cobertura incerta",
    "mapeamento_degradado": "mapeamento degradado",
    "carga_horaria_limitrofe": "carga horária limítrofe",
    "aprovacao_nao_informada": "aprovação não informada",
    "precedente_relacionado": "precedente relacionado",
}
# The parecer's reason codes (DEFAULT_REASON_CODES, core/domain/review.py); a tenant may add its own.
MOTIVOS_PARECER = {
    "conteudo_equivalente": "conteúdo equivalente",
    "conteudo_insuficiente": "conteúdo insuficiente",
    "carga_horaria_insuficiente": "carga horária insuficiente",
    "topicos_criticos_ausentes": "tópicos críticos ausentes",
    "nivel_incompativel": "nível incompatível",
    "aprovacao_nao_comprovada": "aprovação não comprovada",
    "outro": "outro",
}
# The hard rules (core/domain/hard_rules.py).
REGRAS = {
    "input_minimo": "dados mínimos das ementas",
    "aprovacao": "aprovação na disciplina de origem",
    "carga_horaria": "carga horária",
    "validade_temporal": "validade temporal",
    "nivel": "nível",
}
ESTADOS = {
    "pendente": "Pendente",
    "em_analise": "Em análise",
    "parecer_emitido": "Parecer emitido",
    "homologado": "Homologado",
}
# Roles as a parecer names the person acting (core/domain/records.py::Role).
PAPEIS = {
    "reviewer": "parecerista",
    "coordinator": "coordenador",
    "admin": "administrador",
    "auditor": "auditor",
    "client": "plataforma solicitante",
}


def label(table: Mapping[str, str], code: object) -> str:
    """The code's Portuguese label; an unknown code as its words (`minha_razao` → `minha razao`)."""
    text = str(code)
    return table.get(text, text.replace("_", " "))
