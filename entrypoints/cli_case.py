"""`equivalence case evaluate --curriculum V --transcript FILE`: decide a case from the command line.

The transcript file is the JSON body of POST /v1/cases (an object with `historico`, optionally
`politica` and `student`), or just the list of courses. It is decoded as strictly as the API
does (unknown fields, wrong types: every error with its path) and decided by the same use case,
so the case, its pair decisions and their audit events are stored exactly as over HTTP.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import msgspec
from litestar.exceptions import ValidationException

from adapters.http.dto_cases import CaseRequest
from adapters.http.routes_cases import to_case_command
from adapters.http.strict_json import InvalidBody, decode_strict
from core.domain.actors import cli_actor
from core.domain.cases.model import InvalidCase
from core.domain.errors import NotFound, VersionNotFound
from core.usecases.cases import case_csv, case_table
from entrypoints.cli_running import container_on_current_schema
from adapters.documents.parecer_html import render_html
from adapters.documents.parecer_pdf import render_pdf
from entrypoints.settings import Settings


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("case", help="decide a student's whole request (a histórico against a curriculum)")
    commands = parser.add_subparsers(dest="case_command", required=True)
    evaluate = commands.add_parser("evaluate", help="decide a transcript against a stored curriculum version and print the table")
    evaluate.add_argument(
        "--transcript", type=Path, required=True,
        help="JSON: the POST /v1/cases body, or a list of courses; or XML: a MEC Histórico Escolar Digital v1.05",
    )
    evaluate.add_argument("--ementas", type=Path, default=None, help="with an XML transcript: JSON object {CodigoDisciplina: ementa}")
    evaluate.add_argument(
        "--minutos-hora-aula", type=int, default=None, help="with an XML transcript: clock minutes of its hora-aula (e.g. 50)"
    )
    evaluate.add_argument("--curriculum", default=None, help="the tenant's curriculum version (default: its current one)")
    evaluate.add_argument("--format", choices=("table", "csv", "json"), default="table")
    evaluate.add_argument("--tenant", default="default")
    evaluate.set_defaults(func=cmd_evaluate)
    parecer = commands.add_parser("parecer", help="write a decided case's parecer (HTML or PDF) to a file (ADR 0034)")
    parecer.add_argument("case_id")
    parecer.add_argument("--format", choices=("html", "pdf"), default="pdf")
    parecer.add_argument("--out", type=Path, required=True, help="the file to write")
    parecer.add_argument("--tenant", default="default")
    parecer.set_defaults(func=cmd_parecer)


class EmentasFileError(ValueError):
    """The --ementas file is not JSON."""


def read_request(
    path: Path, curriculum: str | None, ementas: Path | None = None, minutes: int | None = None
) -> CaseRequest:
    """The file(s) → CaseRequest; raises OSError, ValueError (not JSON) or InvalidBody.

    An XML transcript (a MEC Histórico) goes in the body's `historico_xml`, the `--ementas` JSON
    object in `ementas` (ADR 0027); anything else is the JSON body or the list of courses."""
    raw = path.read_bytes()
    if raw.lstrip().startswith(b"<"):
        body: Any = {"historico_xml": raw.decode("utf-8")}
        if ementas is not None:
            try:
                body["ementas"] = json.loads(ementas.read_bytes())
            except ValueError as exc:
                raise EmentasFileError(f"not JSON: {exc}") from None
        if minutes is not None:
            body["historico_minutos_hora_aula"] = minutes
    else:
        if ementas is not None or minutes is not None:
            raise ValueError("--ementas and --minutos-hora-aula go with an XML transcript (a MEC Histórico)")
        value = json.loads(raw)
        body = {"historico": value} if isinstance(value, list) else value
    if curriculum is not None and isinstance(body, dict):
        body = {**body, "curriculo": {**(body.get("curriculo") or {}), "versao": curriculum}}
    value = decode_strict(json.dumps(body).encode(), CaseRequest)  # every error, with its path
    return msgspec.convert(value, CaseRequest)


def cmd_evaluate(args: argparse.Namespace, settings: Settings) -> int:
    try:
        request = read_request(args.transcript, args.curriculum, args.ementas, args.minutos_hora_aula)
    except OSError as exc:
        print(f"error: cannot read {exc.filename or args.transcript}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except EmentasFileError as exc:
        print(f"error: {args.ementas}: {exc}", file=sys.stderr)
        return 2
    except json.JSONDecodeError as exc:
        print(f"error: {args.transcript}: not JSON: {exc}", file=sys.stderr)
        return 2
    except UnicodeDecodeError as exc:
        print(f"error: {args.transcript}: not UTF-8: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"error: {args.transcript}: {exc}", file=sys.stderr)
        return 2
    except InvalidBody as exc:
        for error in exc.errors:
            print(f"error: {args.transcript}: {error.field}: {error.message}", file=sys.stderr)
        return 2
    container = container_on_current_schema(settings)
    try:
        container.adapters.topic_matcher().warm()
        command = to_case_command(args.tenant, request, cli_actor(), None)
        document = container.use_cases.evaluate_case()(command)
    except (VersionNotFound, NotFound, InvalidCase) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except ValidationException as exc:  # the cross-field checks (duplicate codes, both curriculo and unidades)
        for error in exc.extra if isinstance(exc.extra, list) else []:
            print(f"error: {args.transcript}: {error['key']}: {error['message']}", file=sys.stderr)
        return 2
    finally:
        container.adapters.engine().dispose()
    if args.format == "json":
        print(json.dumps(document, ensure_ascii=False, indent=2))
    elif args.format == "csv":
        sys.stdout.write(case_csv(document))
    else:
        print(f"caso {document['case_id']}")
        source = document.get("historico_documento")
        if source is not None:
            signed = "presente (não verificada)" if source["assinatura_presente"] else "ausente"
            missing = f"; sem ementa: {', '.join(source['sem_ementa'])}" if source["sem_ementa"] else ""
            print(f"histórico MEC {source['raiz']}: {source['disciplinas']} disciplinas, assinatura {signed}{missing}")
        sys.stdout.write(case_table(document))
    return 0


def cmd_parecer(args: argparse.Namespace, settings: Settings) -> int:
    """The twin of GET /v1/cases/{id}/parecer: the same use case and renderers."""
    container = container_on_current_schema(settings)
    try:
        parecer = container.use_cases.pareceres().of_case(args.tenant, args.case_id)
    except NotFound as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        container.adapters.engine().dispose()
    if args.format == "pdf":
        args.out.write_bytes(render_pdf(parecer))
    else:
        args.out.write_text(render_html(parecer), encoding="utf-8")
    print(f"parecer do caso {args.case_id}: {args.out}")
    return 0
