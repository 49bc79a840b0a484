"""`equivalence policy create|list|activate` and `equivalence bindings set|list|delete`.

The command-line twins of /admin/policies and /admin/course_bindings; every change is
audited with the actor `{"cli": true}`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec

from adapters.http.dto_catalog import PolicyCreateIn, policy_from_body
from core.domain.catalog import CLI_ACTOR
from core.domain.errors import DomainError
from core.domain.records import CourseBinding
from entrypoints.cli_running import container_on_current_schema
from entrypoints.container import UseCases
from entrypoints.settings import Settings


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    policy = sub.add_parser("policy", help="create, list or activate decision policy versions")
    commands = policy.add_subparsers(dest="policy_command", required=True)
    create = commands.add_parser("create", help="store a policy JSON file (POST /admin/policies's body) as a new version")
    create.add_argument("file", help="JSON file, or - for stdin")
    create.add_argument("--tenant", default=None, help="owner tenant (default: shared by every tenant)")
    create.set_defaults(func=cmd_policy_create)
    lst = commands.add_parser("list", help="versions a tenant can use (* marks its default)")
    lst.add_argument("--tenant", default="default")
    lst.set_defaults(func=cmd_policy_list)
    act = commands.add_parser("activate", help="make a version the tenant's default")
    act.add_argument("version")
    act.add_argument("--tenant", default="default")
    act.set_defaults(func=cmd_policy_activate)

    binding = sub.add_parser("bindings", help="which taxonomy and policy versions judge a course")
    commands = binding.add_subparsers(dest="bindings_command", required=True)
    put = commands.add_parser("set", help="bind a course_id to a taxonomy and a policy version")
    put.add_argument("course_id")
    put.add_argument("--taxonomy", required=True, help="taxonomy version")
    put.add_argument("--policy", required=True, help="policy version")
    put.add_argument("--tenant", default="default")
    put.set_defaults(func=cmd_bindings_set)
    lst = commands.add_parser("list", help="the tenant's bindings")
    lst.add_argument("--tenant", default="default")
    lst.set_defaults(func=cmd_bindings_list)
    rm = commands.add_parser("delete", help="remove a course's binding")
    rm.add_argument("course_id")
    rm.add_argument("--tenant", default="default")
    rm.set_defaults(func=cmd_bindings_delete)


def _run(settings: Settings, action: Callable[[UseCases], Any], *, tenant: str | None = None) -> tuple[int, Any]:
    """Run one use case (for an existing tenant, when given); a domain error is printed and exits 1."""
    container = container_on_current_schema(settings, tenant=tenant)
    try:
        return 0, action(container.use_cases)
    except DomainError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1, None
    finally:
        container.adapters.engine().dispose()


def cmd_policy_create(args: argparse.Namespace, settings: Settings) -> int:
    try:
        raw = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
        policy = policy_from_body(msgspec.json.decode(raw, type=PolicyCreateIn))
    except (OSError, msgspec.DecodeError) as exc:
        print(f"error: {args.file} is not a valid policy: {exc}", file=sys.stderr)
        return 2
    code, _ = _run(settings, lambda use: use.policies().create(args.tenant, policy, CLI_ACTOR))
    if code == 0:
        owner = f"tenant '{args.tenant}'" if args.tenant else "every tenant"
        print(f"policy {policy.version} created for {owner}")
    return code


def cmd_policy_list(args: argparse.Namespace, settings: Settings) -> int:
    code, views = _run(settings, lambda use: use.policies().catalog(args.tenant))
    for view in views or ():
        scope = "shared" if view.info.shared else "own"
        print(f"{'*' if view.is_default else ' '} {view.info.version} ({scope})")
    return code


def cmd_policy_activate(args: argparse.Namespace, settings: Settings) -> int:
    code, tenant = _run(
        settings, lambda use: use.policies().activate(args.tenant, args.version, CLI_ACTOR)
    )
    if code == 0:
        print(f"policy {tenant.default_policy_version} is now the default of tenant '{tenant.tenant_id}'")
    return code


def cmd_bindings_set(args: argparse.Namespace, settings: Settings) -> int:
    binding = CourseBinding(args.tenant, args.course_id, args.taxonomy, args.policy)
    code, _ = _run(settings, lambda use: use.bindings().set(binding, CLI_ACTOR))
    if code == 0:
        print(f"course {args.course_id} of tenant '{args.tenant}': taxonomy {args.taxonomy}, policy {args.policy}")
    return code


def cmd_bindings_list(args: argparse.Namespace, settings: Settings) -> int:
    code, found = _run(settings, lambda use: use.bindings().all(args.tenant), tenant=args.tenant)
    for b in found or ():
        print(f"{b.course_id}\ttaxonomy={b.taxonomy_version}\tpolicy={b.policy_version}")
    return code


def cmd_bindings_delete(args: argparse.Namespace, settings: Settings) -> int:
    code, _ = _run(
        settings, lambda use: use.bindings().delete(args.tenant, args.course_id, CLI_ACTOR)
    )
    if code == 0:
        print(f"course {args.course_id} of tenant '{args.tenant}' is no longer bound")
    return code
