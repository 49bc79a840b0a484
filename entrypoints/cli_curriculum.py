"""`equivalence curriculum import|list|show|activate|deprecate`: a tenant's curricula from the command line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from adapters.curricula.csv_format import decode_csv
from adapters.curricula.document import CurriculumFormatError, curriculum_to_dict
from adapters.curricula.mec_xml import decode_xml
from core.domain.catalog import CLI_ACTOR
from core.domain.curriculum import Curriculum, InvalidCurriculum
from core.domain.errors import CatalogConflict, InvalidVersionName, NotFound, VersionExists
from core.usecases.curricula import Curricula
from entrypoints.cli_running import container_on_current_schema
from entrypoints.settings import Settings

_SUFFIXES = {".json": "json", ".csv": "csv", ".xml": "xml"}


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("curriculum", help="import, list, show, activate or deprecate a tenant's curricula")
    commands = parser.add_subparsers(dest="curriculum_command", required=True)

    imp = commands.add_parser("import", help="store a curriculum file (JSON, CSV or MEC Currículo XML) as a new version")
    imp.add_argument("file", type=Path)
    imp.add_argument("--format", choices=sorted(set(_SUFFIXES.values())), default=None, help="default: from the file suffix")
    imp.add_argument("--version", dest="curriculum_version", default=None,
                     help="version name (CSV: default the file name; XML: default its CodigoCurriculo)")
    imp.add_argument("--tenant", default="default")
    imp.set_defaults(func=cmd_import)

    lst = commands.add_parser("list", help="the tenant's versions (* marks the current one)")
    lst.add_argument("--tenant", default="default")
    lst.set_defaults(func=cmd_list)

    show = commands.add_parser("show", help="print a version as the JSON import document")
    show.add_argument("version")
    show.add_argument("--tenant", default="default")
    show.set_defaults(func=cmd_show)

    for name, func, what in (
        ("activate", cmd_activate, "make a version the tenant's current curriculum"),
        ("deprecate", cmd_deprecate, "retire a version from new use (one way)"),
    ):
        command = commands.add_parser(name, help=what)
        command.add_argument("version")
        command.add_argument("--tenant", default="default")
        command.set_defaults(func=func)


def read_curriculum(path: Path, fmt: str | None, version: str | None) -> Curriculum:
    """A file → Curriculum; raises OSError or CurriculumFormatError."""
    fmt = fmt or _SUFFIXES.get(path.suffix.lower(), "json")
    body = path.read_bytes()
    if fmt == "csv":
        return decode_csv(body, version or path.stem)
    if fmt == "xml":
        return decode_xml(body, version)
    from adapters.http.routes_curricula import decode_json_strictly  # the API's strict decoding, loaded when used

    return decode_json_strictly(body, version)


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    try:
        curriculum = read_curriculum(args.file, args.format, args.curriculum_version)
    except OSError as exc:
        print(f"error: cannot read {args.file}: {exc}", file=sys.stderr)
        return 2
    except CurriculumFormatError as exc:
        for field, message in exc.problems:
            print(f"error: {args.file}: {field}: {message}", file=sys.stderr)
        return 2
    container = container_on_current_schema(settings)
    try:
        view = container.use_cases.curricula().import_version(args.tenant, curriculum, CLI_ACTOR)
    except InvalidCurriculum as exc:
        print(f"error: {args.file}: {exc.field}: {exc}", file=sys.stderr)
        return 2
    except (VersionExists, InvalidVersionName, NotFound) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        container.adapters.engine().dispose()
    signature = "" if view.info.signature_present is None else f", signature {'present (not verified)' if view.info.signature_present else 'absent'}"
    print(f"curriculum {view.info.version} imported for tenant '{args.tenant}': {view.info.units} units, "
          f"{view.info.clock_hours:g} clock hours{signature}")
    return 0


def cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    container = container_on_current_schema(settings, tenant=args.tenant)
    try:
        infos, current = container.use_cases.curricula().catalog(args.tenant)
    finally:
        container.adapters.engine().dispose()
    for info in infos:
        mark = "*" if info.version == current else " "
        print(f"{mark} {info.version}\t{info.status}\t{info.units} units\t{info.clock_hours:g}h\t{info.source_format}")
    return 0


def cmd_show(args: argparse.Namespace, settings: Settings) -> int:
    container = container_on_current_schema(settings)
    try:
        view = container.use_cases.curricula().show(args.tenant, args.version, full=True)
    except NotFound as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        container.adapters.engine().dispose()
    assert view.curriculum is not None
    document = curriculum_to_dict(view.curriculum) | {"status": view.info.status, "signature_present": view.info.signature_present}
    print(json.dumps(document, ensure_ascii=False, indent=2))
    return 0


def cmd_activate(args: argparse.Namespace, settings: Settings) -> int:
    return _change(args, settings, Curricula.activate, "is now the current curriculum")


def cmd_deprecate(args: argparse.Namespace, settings: Settings) -> int:
    return _change(args, settings, Curricula.deprecate, "deprecated")


def _change(args: argparse.Namespace, settings: Settings, action, done: str) -> int:  # type: ignore[no-untyped-def]
    container = container_on_current_schema(settings)
    try:
        action(container.use_cases.curricula(), args.tenant, args.version, CLI_ACTOR)
    except (NotFound, CatalogConflict) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        container.adapters.engine().dispose()
    print(f"curriculum {args.version} {done} for tenant '{args.tenant}'")
    return 0
