"""`equivalence taxonomy import|export|list`: versioned taxonomies from the command line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from adapters.mappers.taxonomy_json import taxonomy_from_dict, taxonomy_to_dict
from adapters.system import SystemClock
from core.domain.errors import VersionExists, VersionNotFound
from core.usecases.taxonomies import export_taxonomy, import_taxonomy, list_taxonomies
from entrypoints.container import build_container
from entrypoints.settings import Settings


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("taxonomy", help="import, export or list taxonomy versions")
    commands = parser.add_subparsers(dest="taxonomy_command", required=True)

    imp = commands.add_parser("import", help="store a taxonomy JSON file as a new, immutable version")
    imp.add_argument("file", type=Path)
    imp.add_argument("--tenant", default=None, help="owner tenant (default: shared by every tenant)")
    imp.add_argument("--activate", metavar="TENANT", default=None, help="make it this tenant's default")
    imp.set_defaults(func=cmd_import)

    exp = commands.add_parser("export", help="write a stored version as JSON (stdout or --output)")
    exp.add_argument("version")
    exp.add_argument("--tenant", default="default")
    exp.add_argument("--output", "-o", type=Path, default=None)
    exp.set_defaults(func=cmd_export)

    lst = commands.add_parser("list", help="versions a tenant can use (* marks its default)")
    lst.add_argument("--tenant", default="default")
    lst.set_defaults(func=cmd_list)


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    try:
        taxonomy = taxonomy_from_dict(json.loads(args.file.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(f"error: {args.file} is not a valid taxonomy: {exc}", file=sys.stderr)
        return 2
    container = build_container(settings)
    try:
        import_taxonomy(container.uow_factory(), taxonomy, args.tenant, args.activate, SystemClock())
    except (VersionExists, VersionNotFound) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        container.engine().dispose()
    owner = f"tenant '{args.tenant}'" if args.tenant else "every tenant"
    print(f"taxonomy {taxonomy.version} imported ({len(taxonomy.nodes)} concepts) for {owner}")
    return 0


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    container = build_container(settings)
    try:
        taxonomy = export_taxonomy(container.uow_factory(), args.tenant, args.version)
    except VersionNotFound as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        container.engine().dispose()
    text = json.dumps(taxonomy_to_dict(taxonomy), ensure_ascii=False, indent=2) + "\n"
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    container = build_container(settings)
    try:
        versions, default = list_taxonomies(container.uow_factory(), args.tenant)
    finally:
        container.engine().dispose()
    for version in versions:
        print(f"{'*' if version == default else ' '} {version}")
    return 0
