"""The *Avaliar* form: fields in, the API's own request type out; the answer document shaped for the page.

The form builds exactly the body the API takes (`EvaluateRequest`, validated by msgspec with the
same constraints), so the page and `POST /v1/equivalences/evaluate` share every rule. Errors are
keyed by form field and worded in Portuguese, to be shown next to that field.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import msgspec

from adapters.http.dto import EvaluateRequest
from core.domain.parecer_labels import DECISOES, MOTIVOS  # shared with the parecer documents

SIDES = ("origem", "destino")
APROVADO = {"sim": True, "nao": False, "": None}
_PATH = re.compile(r"at `\$\.(origem|destino)\.(\w+)`")
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:\-]{8,80}")  # the API's request_id (dto.REQUEST_ID_LIMITS)


@dataclass
class PairForm:
    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    request: EvaluateRequest | None = None


# Optional: the course's identity, the key of the tenant's precedents (ADR 0024); the API's `instituicao`/`codigo`.
IDENTITY = ("origem_instituicao", "origem_codigo", "destino_codigo")
MOTIVOS_PRECEDENTE = {
    "ementa_reformulada": "ementa reformulada",
    "consultivo": "precedente consultivo",
    "combinacao_de_origens": "combinação de disciplinas de origem",
    "sem_ementa_registrada": "sem ementa registrada",
}


def empty_form() -> PairForm:
    names = [f"{side}_{name}" for side in SIDES for name in ("nome", "carga_horaria", "ementa")]
    return PairForm(dict.fromkeys([*names, "origem_aprovado", *IDENTITY], ""))  # approval: the origem's only


def new_request_id() -> str:
    """The request id a freshly rendered *Avaliar* form carries (hidden field `request_id`)."""
    return f"console-{uuid.uuid4().hex}"


def form_request_id(form: Mapping[str, Any]) -> str:
    """The form's own request id, so that sending the same form twice (a double click, a retry)
    is one evaluation replayed; a missing or malformed one (a page from before) gets a new id."""
    sent = str(form.get("request_id", ""))
    return sent if _REQUEST_ID.fullmatch(sent) else new_request_id()


def parse_pair(form: Mapping[str, Any]) -> PairForm:
    parsed = empty_form()
    parsed.values = {name: str(form.get(name, "")).strip() for name in parsed.values}
    body: dict[str, Any] = {}
    for side in SIDES:
        body[side] = _course(side, parsed.values, parsed.errors)
    if parsed.errors:
        return parsed
    try:
        parsed.request = msgspec.convert(body, EvaluateRequest)
    except msgspec.ValidationError as exc:
        match = _PATH.search(str(exc))
        key = f"{match.group(1)}_{match.group(2)}" if match else "origem_ementa"
        parsed.errors[key if key in parsed.values else "origem_ementa"] = f"Valor não aceito: {exc}"
    return parsed


def _course(side: str, values: dict[str, str], errors: dict[str, str]) -> dict[str, Any]:
    nome, carga, ementa = (values[f"{side}_{n}"] for n in ("nome", "carga_horaria", "ementa"))
    if not nome:
        errors[f"{side}_nome"] = "Informe o nome da disciplina."
    if not carga.isdigit() or not 1 <= int(carga) <= 2000:
        errors[f"{side}_carga_horaria"] = "Informe a carga horária em horas: um número inteiro de 1 a 2000."
    if len(ementa) < 5:
        errors[f"{side}_ementa"] = "Informe a ementa (ao menos 5 caracteres)."
    elif len(ementa) > 20000:
        errors[f"{side}_ementa"] = "A ementa pode ter no máximo 20.000 caracteres."
    aprovado = values.get(f"{side}_aprovado", "")
    if aprovado not in APROVADO:
        errors[f"{side}_aprovado"] = "Escolha sim, não ou não informado."
    course: dict[str, Any] = {"nome": nome, "carga_horaria": int(carga) if carga.isdigit() else 0, "ementa": ementa}
    if APROVADO.get(aprovado) is not None:
        course["aprovado"] = APROVADO[aprovado]
    for name in ("instituicao", "codigo"):
        if values.get(f"{side}_{name}"):
            course[name] = values[f"{side}_{name}"]
    return course


def result_view(document: dict[str, Any]) -> dict[str, Any]:
    """What the result panel shows, from the API's answer document (unchanged, also shown as JSON)."""
    topicos = document.get("topicos") or {"cobertos": [], "parciais": [], "faltantes": [], "cobertura": None}
    motivo = document.get("motivo_revisao")
    return {
        "decisao": document["decisao"],
        "decisao_rotulo": DECISOES.get(document["decisao"], document["decisao"]),
        "score": f"{float(document['score']):.2f}",
        "motivo_revisao": MOTIVOS.get(motivo, motivo) if motivo else None,
        "hard_rules": document.get("hard_rules", []),
        "topicos": topicos,
        "faltantes_conceitos": document.get("faltantes", []),
        "justificativa_curta": document.get("justificativa_curta", ""),
        "justificativa_detalhada": document.get("justificativa_detalhada", ""),
        "request_id": document.get("request_id", ""),
        "precedente": _precedent(document),
        "relacionados": [
            {"id": p.get("precedent_id", ""), "motivo": MOTIVOS_PRECEDENTE.get(p.get("motivo", ""), p.get("motivo", ""))}
            for p in document.get("precedentes_relacionados") or []
        ],
        "json": json.dumps(document, ensure_ascii=False, indent=2),
    }


def _precedent(document: dict[str, Any]) -> dict[str, Any] | None:
    """The binding precedent that decided the pair (`decisao_origem: precedente`), or none."""
    found = document.get("precedente")
    if document.get("decisao_origem") != "precedente" or not found:
        return None
    fim = found.get("vigencia_fim")
    return {
        "id": found.get("precedent_id", ""), "parecer": found.get("parecer") or "",
        "vigencia": f"desde {found.get('vigencia_inicio', '')}" + (f" até {fim}" if fim else ""),
    }
