"""*Auditoria* (admin, auditor; ADR 0037): the tenant's audit events and the chain verification.

The same `AuditTrail` use case as `GET /admin/audit` and `/admin/audit/verify`. Filters: event
type and creation dates (the use case's `AuditQuery`), and the actor (the key id an event's
`actor` names), which the use case does not filter: the page reads up to `ACTOR_SCAN` pages of
the chain forward and keeps the matching events, and *Próxima página* continues from the last
event read. Paging is keyset, like the API's `after_seq`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Annotated, Any
from urllib.parse import urlencode

import anyio.to_thread
from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from adapters.http.console.access import page, page_session
from adapters.http.console.sessions import ConsoleSession, ConsoleSessions
from adapters.http.routes_audit import AUDIT_READERS, EVENT_TYPE_PATTERN
from core.domain.audit_verify import ChainReport
from core.domain.records import AuditEvent
from core.usecases.audit import MAX_PAGE, AuditQuery, AuditTrail

Optional = Annotated[str | None, QueryParameter(required=False)]
PAGE_SIZE = 50
ACTOR_SCAN = 10  # pages of MAX_PAGE events read per page shown when filtering by actor
NOT_AN_AUDITOR = "Sua chave não pode ver a auditoria."
KEY_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
PROBLEMAS = {
    "altered": "foi alterado depois de gravado (o conteúdo não confere com o hash)",
    "deleted": "está faltando: um evento foi apagado da sequência",
    "reordered": "está fora de ordem na sequência",
    "relinked": "foi religado a outro evento anterior (o hash anterior não confere)",
    "head_mismatch": "não confere com a cabeça registrada da cadeia (eventos do fim podem ter sido apagados)",
}


def _date(value: str, name: str, erros: dict[str, str]) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        erros[name] = "Use uma data no formato AAAA-MM-DD, por exemplo 2026-01-31."
        return None


def _actor_of(event: AuditEvent) -> str:
    actor = event.payload.get("actor")
    if isinstance(actor, dict):
        if actor.get("key_id"):
            return f"{actor['key_id']} ({actor.get('role', '')})"
        if actor.get("cli"):
            return "linha de comando"
        if actor.get("seed"):
            return "instalação"
    return "—"


def _row(event: AuditEvent) -> dict[str, Any]:
    return {
        "seq": event.seq, "tipo": event.event_type, "em": event.created_at.strftime("%d/%m/%Y %H:%M:%S"),
        "ator": _actor_of(event), "hash": (event.hash or "")[:12],
        "dados": json.dumps(event.payload, ensure_ascii=False, indent=2, sort_keys=True, default=str),
    }


def _acts(event: AuditEvent, ator: str) -> bool:
    actor = event.payload.get("actor")
    return isinstance(actor, dict) and actor.get("key_id") == ator


def _read(trail: AuditTrail, tenant: str, query: AuditQuery, ator: str) -> tuple[list[AuditEvent], int | None]:
    """A page of events (and where the next one starts), the actor filter applied to what is read."""
    if not ator:
        page_ = trail.events(tenant, query)
        return page_.events, page_.next_after_seq
    found: list[AuditEvent] = []
    after = query.after_seq
    for _ in range(ACTOR_SCAN):
        chunk = trail.events(tenant, AuditQuery(after, MAX_PAGE, query.event_type, query.since, query.until))
        for event in chunk.events:
            after = event.seq or after
            if _acts(event, ator):
                found.append(event)
                if len(found) == PAGE_SIZE:
                    return found, after
        if chunk.next_after_seq is None:
            return found, None
    return found, after


def verdict(report: ChainReport) -> dict[str, Any]:
    """The verification in plain Portuguese: intact, or which event is broken and how."""
    problemas = [f"O evento nº {p.seq} {PROBLEMAS.get(p.kind, p.kind)}." for p in report.problems]
    if report.more_problems:
        problemas.append(f"E mais {report.more_problems} problema(s) além destes.")
    if report.ok:
        titulo = f"Cadeia íntegra: {report.events_checked} evento(s) verificados, até o evento nº {report.last_seq}."
    else:
        titulo = "A cadeia de auditoria foi adulterada: os eventos abaixo não conferem."
    pendentes = f"{report.pending} evento(s) recentes ainda aguardam encadeamento." if report.pending else ""
    return {"ok": report.ok, "titulo": titulo, "problemas": problemas, "pendentes": pendentes}


class AuditConsoleController(Controller):
    path = "/console/auditoria"
    include_in_schema = False

    @get("/")
    async def events(
        self, request: Request[Any, Any, Any], console_sessions: NamedDependency[ConsoleSessions],
        audit_trail: NamedDependency[AuditTrail],
        tipo: Optional = None, de: Optional = None, ate: Optional = None, ator: Optional = None, apos: Optional = None,
    ) -> Any:
        door = page_session(request, console_sessions, AUDIT_READERS, NOT_AN_AUDITOR)
        if door.session is None:
            return door.answer
        filtros = {"tipo": (tipo or "").strip(), "de": (de or "").strip(), "ate": (ate or "").strip(), "ator": (ator or "").strip()}
        erros: dict[str, str] = {}
        if filtros["tipo"] and not re.match(EVENT_TYPE_PATTERN, filtros["tipo"]):
            erros["tipo"] = "Tipo inválido: use letras, dígitos e . _ : - (por exemplo key.created)."
        if filtros["ator"] and not KEY_ID.match(filtros["ator"]):
            erros["ator"] = "Informe o identificador de uma chave (letras, dígitos e . _ : -)."
        since, until = _date(filtros["de"], "de", erros), _date(filtros["ate"], "ate", erros)
        if since and until and until < since:
            erros["ate"] = "A data final vem antes da inicial."
        after = int(apos) if apos and apos.isdigit() and len(apos) <= 18 else 0
        if apos and not after:
            erros["apos"] = "Página inválida: volte ao início."
        if erros:
            return self._page(door.session, 422, filtros, erros, [], None, None)
        query = AuditQuery(
            after, PAGE_SIZE, filtros["tipo"] or None,
            dt.datetime.combine(since, dt.time(), dt.timezone.utc) if since else None,
            dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), dt.timezone.utc) if until else None,
        )
        events, next_after = await anyio.to_thread.run_sync(_read, audit_trail, door.session.principal.tenant_id, query, filtros["ator"])
        proxima = None
        if next_after is not None:
            proxima = "/console/auditoria?" + urlencode({k: v for k, v in filtros.items() if v} | {"apos": str(next_after)})
        return self._page(door.session, 200, filtros, erros, [_row(e) for e in events], proxima, None)

    @get("/verificar")
    async def verify(
        self, request: Request[Any, Any, Any], console_sessions: NamedDependency[ConsoleSessions],
        audit_trail: NamedDependency[AuditTrail],
    ) -> Any:
        door = page_session(request, console_sessions, AUDIT_READERS, NOT_AN_AUDITOR)
        if door.session is None:
            return door.answer
        report = await anyio.to_thread.run_sync(audit_trail.verify, door.session.principal.tenant_id)
        filtros = {"tipo": "", "de": "", "ate": "", "ator": ""}
        query = AuditQuery(0, PAGE_SIZE)
        events, next_after = await anyio.to_thread.run_sync(_read, audit_trail, door.session.principal.tenant_id, query, "")
        proxima = None if next_after is None else f"/console/auditoria?apos={next_after}"
        return self._page(door.session, 200, filtros, {}, [_row(e) for e in events], proxima, verdict(report))

    @staticmethod
    def _page(
        session: ConsoleSession, status: int, filtros: dict[str, str], erros: dict[str, str],
        eventos: list[dict[str, Any]], proxima: str | None, verificacao: dict[str, Any] | None,
    ) -> Any:
        return page("auditoria.html", session, status, filtros=filtros, erros=erros, eventos=eventos,
                    proxima=proxima, verificacao=verificacao)
