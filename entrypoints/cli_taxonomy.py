"""`equivalence taxonomy import|export|list|activate|deprecate`: versioned taxonomies from the command line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from adapters.mappers.taxonomy_json import taxonomy_from_dict, taxonomy_to_dict
from core.domain.catalog import CLI_ACTOR
from core.domain.errors import CatalogConflict, InvalidVersionName, NotFound, VersionExists, VersionNotFound
from entrypoints.cli_running import container_on_current_schema
from entrypoints.settings import Settings


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("taxonomy", help="import, export, list, activate or deprecate taxonomy versions")
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

    act = commands.add_parser("activate", help="make a version the tenant's default")
    act.add_argument("version")
    act.add_argument("--tenant", default="default")
    act.set_defaults(func=cmd_activate)

    dep = commands.add_parser("deprecate", help="retire a tenant's own version from new use (stored results keep it)")
    dep.add_argument("version")
    dep.add_argument("--tenant", default="default")
    dep.set_defaults(func=cmd_deprecate)


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    try:
        taxonomy = taxonomy_from_dict(json.loads(args.file.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(f"error: {args.file} is not a valid taxonomy: {exc}", file=sys.stderr)
        return 2
    container = container_on_current_schema(settings)
    try:
        container.use_cases.taxonomies().import_version(
            taxonomy, tenant_id=args.tenant, activate_for=args.activate, actor=CLI_ACTOR
        )
    except (VersionExists, VersionNotFound, InvalidVersionName, NotFound) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        container.adapters.engine().dispose()
    owner = f"tenant '{args.tenant}'" if args.tenant else "every tenant"
    print(f"taxonomy {taxonomy.version} imported ({len(taxonomy.nodes)} concepts) for {owner}")
    return 0


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    container = container_on_current_schema(settings)
    try:
        taxonomy = container.use_cases.taxonomies().export(args.tenant, args.version)
    except VersionNotFound as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        container.adapters.engine().dispose()
    text = json.dumps(taxonomy_to_dict(taxonomy), ensure_ascii=False, indent=2) + "\n"
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    container = container_on_current_schema(settings)
    try:
        versions, default = container.use_cases.taxonomies().versions(args.tenant)
    finally:
        container.adapters.engine().dispose()
    for version in versions:
        print(f"{'*' if version == default else ' '} {version}")
    return 0


def cmd_activate(args: argparse.Namespace, settings: Settings) -> int:
    container = container_on_current_schema(settings)
    try:
        tenant = container.use_cases.taxonomies().activate(args.tenant, args.version, CLI_ACTOR)
    except (NotFound, CatalogConflict) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        container.adapters.engine().dispose()
    print(f"taxonomy {tenant.default_taxonomy_version} is now the default of tenant '{tenant.tenant_id}'")
    return 0


def cmd_deprecate(args: argparse.Namespace, settings: Settings) -> int:
    container = container_on_current_schema(settings)
    try:
        container.use_cases.taxonomies().deprecate(args.tenant, args.version, CLI_ACTOR)
    except (NotFound, CatalogConflict) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        container.adapters.engine().dispose()
    print(f"taxonomy {args.version} of tenant '{args.tenant}' is deprecated (stored results keep it)")
    return 0
