"""`equivalence precedents import|list|end`: the tenant's equivalence table from the command line (ADR 0024)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from adapters.precedents.csv_format import parse_precedents_csv
from core.domain.audit import sha256_text
from core.domain.catalog import CLI_ACTOR
from core.domain.errors import InvalidTransition, NotFound
from core.domain.precedents import InvalidPrecedent, PrecedentFileImported
from core.ports.precedent_repository import PrecedentFilter
from entrypoints.cli_running import container_on_current_schema
from entrypoints.settings import Settings


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("precedents", help="import, list or end precedents (the tenant's equivalence table)")
    commands = parser.add_subparsers(dest="precedents_command", required=True)

    imp = commands.add_parser("import", help="import a precedent table (CSV, UTF-8; SIGAA expressions for N:1): every row or none")
    imp.add_argument("file", type=Path)
    imp.add_argument("--tenant", default="default")
    imp.set_defaults(func=cmd_import)

    lst = commands.add_parser("list", help="the tenant's precedents as JSON lines, oldest first")
    lst.add_argument("--tenant", default="default")
    lst.add_argument("--codigo", default=None, help="only those naming this origem code")
    lst.add_argument("--vigentes", action="store_true", help="only those in force today")
    lst.set_defaults(func=cmd_list)

    end = commands.add_parser("end", help="end a precedent's vigência (audited; the precedent stays on record)")
    end.add_argument("precedent_id")
    end.add_argument("--fim", type=dt.date.fromisoformat, default=None, help="first day no longer in force (YYYY-MM-DD; default today)")
    end.add_argument("--motivo", default=None, help="why it ends (recorded in the audit chain)")
    end.add_argument("--tenant", default="default")
    end.set_defaults(func=cmd_end)


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    try:
        text = args.file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"erro: não foi possível ler {args.file} como UTF-8: {exc}", file=sys.stderr)
        return 2
    container = container_on_current_schema(settings)
    try:
        made = container.use_cases.precedents().import_table(args.tenant, parse_precedents_csv(text), sha256_text(text), CLI_ACTOR)
    except InvalidPrecedent as exc:
        print(f"erro: {args.file}: {exc.field}: {exc}", file=sys.stderr)
        return 2
    except NotFound as exc:
        print(f"erro: {exc}", file=sys.stderr)
        return 2
    except PrecedentFileImported as exc:
        print(f"erro: {args.file}: {exc}", file=sys.stderr)
        return 1
    finally:
        container.adapters.engine().dispose()
    print(f"{len(made)} precedentes importados para o tenant {args.tenant} ({made[0].precedent_id} … {made[-1].precedent_id})")
    return 0


def cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    container = container_on_current_schema(settings, tenant=args.tenant)
    precedents = container.use_cases.precedents()
    today = precedents.today()
    where = PrecedentFilter(codigo=args.codigo, in_force_on=today if args.vigentes else None)
    after: str | None = None
    while True:
        page = precedents.page(args.tenant, 500, after, where)
        for p in page:
            print(json.dumps({**p.payload(), "vigente": p.in_force(today)}, ensure_ascii=False))
        if len(page) < 500:
            return 0
        after = page[-1].precedent_id


def cmd_end(args: argparse.Namespace, settings: Settings) -> int:
    container = container_on_current_schema(settings)
    try:
        ended = container.use_cases.precedents().end(args.tenant, args.precedent_id, args.fim, args.motivo, CLI_ACTOR)
    except (NotFound, InvalidPrecedent, InvalidTransition) as exc:
        print(f"erro: {exc}", file=sys.stderr)
        return 2
    assert ended.valid_to is not None
    print(f"precedente {ended.precedent_id}: vigência encerrada a partir de {ended.valid_to.isoformat()}")
    return 0
