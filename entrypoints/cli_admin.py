"""`equivalence tenants create|disable|enable|allow-overrides|forbid-overrides|list` and `equivalence keys create|list|rotate|revoke`.

The operator at the command line acts on any tenant (audited as `{"actor": {"cli": true}}`).
A new plaintext key is printed once, alone on the last line of stdout (notes go to stderr),
so `KEY=$(equivalence keys create ... | tail -n 1)` captures it. Exit codes: 0 ok, 1 unknown
tenant/key, duplicate tenant, revoked key or outdated schema, 2 bad usage.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from typing import Any

from core.domain.actors import cli_actor
from core.domain.tenants import ANY_TENANT
from core.domain.records import ApiKeyRecord, Role, Tenant
from core.usecases.keys import IssuedKey
from entrypoints.cli_running import run_on_container
from entrypoints.container import Container
from entrypoints.settings import Settings


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    tenants = sub.add_parser("tenants", help="create, disable, enable or list tenants")
    tenant_commands = tenants.add_subparsers(dest="tenants_command", required=True)
    create = tenant_commands.add_parser("create", help="a new active tenant (defaults: the shared versions of 'default')")
    create.add_argument("tenant_id", metavar="ID")
    create.add_argument("--name", required=True)
    create.set_defaults(func=cmd_tenant_create)
    for verb, what, func in (
        ("disable", "refuse every key of the tenant from the next request on", cmd_tenant_disable),
        ("enable", "accept the tenant's unrevoked keys again", cmd_tenant_enable),
        ("allow-overrides", "let the tenant's client keys override its policy per request", cmd_tenant_allow_overrides),
        ("forbid-overrides", "refuse (403) client keys' policy overrides (the default)", cmd_tenant_forbid_overrides),
    ):
        command = tenant_commands.add_parser(verb, help=what)
        command.add_argument("tenant_id", metavar="ID")
        command.set_defaults(func=func)
    tenant_list = tenant_commands.add_parser("list", help="every tenant, active or not")
    tenant_list.add_argument("--json", action="store_true", help="print JSON")
    tenant_list.set_defaults(func=cmd_tenant_list)

    keys = sub.add_parser("keys", help="create, list, rotate or revoke API keys")
    key_commands = keys.add_subparsers(dest="keys_command", required=True)
    key_create = key_commands.add_parser("create", help="a new key; the plaintext is the last line of stdout, once")
    key_create.add_argument("--tenant", required=True, metavar="ID")
    key_create.add_argument("--role", required=True, choices=[role.value for role in Role])
    key_create.add_argument("--name", required=True)
    key_create.set_defaults(func=cmd_key_create)
    key_list = key_commands.add_parser("list", help="a tenant's keys: id, prefix, role, status, created, last used")
    key_list.add_argument("--tenant", required=True, metavar="ID")
    key_list.add_argument("--json", action="store_true", help="print JSON")
    key_list.set_defaults(func=cmd_key_list)
    rotate = key_commands.add_parser("rotate", help="a new key like this one (printed last); this one is revoked")
    rotate.add_argument("key_id", metavar="KEY_ID")
    rotate.set_defaults(func=cmd_key_rotate)
    revoke = key_commands.add_parser("revoke", help="refuse the key from the next request on")
    revoke.add_argument("key_id", metavar="KEY_ID")
    revoke.set_defaults(func=cmd_key_revoke)


def cmd_tenant_create(args: argparse.Namespace, settings: Settings) -> int:
    def create(container: Container) -> int:
        tenant = container.use_cases.tenant_admin().create(args.tenant_id, args.name, cli_actor())
        versions = f"taxonomy {tenant.default_taxonomy_version or '-'}, policy {tenant.default_policy_version or '-'}"
        print(f"tenant '{tenant.tenant_id}' created ({tenant.name}; {versions})")
        return 0

    return run_on_container(settings, create)


def cmd_tenant_disable(args: argparse.Namespace, settings: Settings) -> int:
    def disable(container: Container) -> int:
        container.use_cases.tenant_admin().disable(args.tenant_id, cli_actor())
        print(f"tenant '{args.tenant_id}' disabled: every key of it is refused")
        return 0

    return run_on_container(settings, disable)


def cmd_tenant_enable(args: argparse.Namespace, settings: Settings) -> int:
    def enable(container: Container) -> int:
        container.use_cases.tenant_admin().enable(args.tenant_id, cli_actor())
        print(f"tenant '{args.tenant_id}' enabled")
        return 0

    return run_on_container(settings, enable)


def cmd_tenant_allow_overrides(args: argparse.Namespace, settings: Settings) -> int:
    def action(container: Container) -> int:
        container.use_cases.tenant_admin().allow_policy_overrides(args.tenant_id, cli_actor())
        print(f"tenant '{args.tenant_id}': client keys may override the policy per request")
        return 0

    return run_on_container(settings, action)


def cmd_tenant_forbid_overrides(args: argparse.Namespace, settings: Settings) -> int:
    def action(container: Container) -> int:
        container.use_cases.tenant_admin().forbid_policy_overrides(args.tenant_id, cli_actor())
        print(f"tenant '{args.tenant_id}': client keys' policy overrides are refused (admin keys may still)")
        return 0

    return run_on_container(settings, action)


def cmd_tenant_list(args: argparse.Namespace, settings: Settings) -> int:
    def show(container: Container) -> int:
        tenants = container.use_cases.tenant_admin().list_tenants()
        if args.json:
            print(json.dumps([_tenant_json(t) for t in tenants], ensure_ascii=False, indent=2))
            return 0
        for t in tenants:
            state = "active" if t.active else "disabled"
            print(f"{t.tenant_id}\t{state}\t{t.default_taxonomy_version or '-'}\t{t.default_policy_version or '-'}\t{t.name}")
        return 0

    return run_on_container(settings, show)


def cmd_key_create(args: argparse.Namespace, settings: Settings) -> int:
    def create(container: Container) -> int:
        issued = container.use_cases.api_key_admin().create(args.tenant, Role(args.role), args.name, cli_actor())
        _print_issued(issued, f"key {issued.record.key_id} created")
        return 0

    return run_on_container(settings, create)


def cmd_key_list(args: argparse.Namespace, settings: Settings) -> int:
    def show(container: Container) -> int:
        keys = container.use_cases.api_key_admin().list_keys(args.tenant)
        if args.json:
            print(json.dumps([_key_json(k) for k in keys], ensure_ascii=False, indent=2))
            return 0
        print("KEY_ID\tPREFIX\tROLE\tSTATUS\tCREATED\tLAST_USED\tNAME")
        for key in keys:
            row = _key_json(key)
            print("\t".join(str(row[c] or "-") for c in ("key_id", "prefix", "role", "status", "created_at", "last_used_at", "name")))
        return 0

    return run_on_container(settings, show)


def cmd_key_rotate(args: argparse.Namespace, settings: Settings) -> int:
    def rotate(container: Container) -> int:
        issued = container.use_cases.api_key_admin().rotate(args.key_id, cli_actor(), tenant_id=ANY_TENANT)
        _print_issued(issued, f"key {args.key_id} revoked; replaced by key {issued.record.key_id}")
        return 0

    return run_on_container(settings, rotate)


def cmd_key_revoke(args: argparse.Namespace, settings: Settings) -> int:
    def revoke(container: Container) -> int:
        key = container.use_cases.api_key_admin().revoke(args.key_id, cli_actor(), tenant_id=ANY_TENANT)
        print(f"key {key.key_id} ({key.prefix}…, tenant '{key.tenant_id}') revoked at {_iso(key.revoked_at)}")
        return 0

    return run_on_container(settings, revoke)


def _print_issued(issued: IssuedKey, headline: str) -> None:
    key = issued.record
    print(f"{headline} for tenant '{key.tenant_id}' (role {key.role.value}, name {key.name!r}, prefix {key.prefix})")
    sys.stdout.flush()
    print("API key (shown once; store it now):", file=sys.stderr)
    print(issued.plaintext)


def _key_json(key: ApiKeyRecord) -> dict[str, Any]:
    return {
        "key_id": key.key_id,
        "tenant_id": key.tenant_id,
        "prefix": key.prefix,
        "role": key.role.value,
        "name": key.name,
        "status": "revoked" if key.revoked_at else "active",
        "created_at": _iso(key.created_at),
        "last_used_at": _iso(key.last_used_at),
        "revoked_at": _iso(key.revoked_at),
    }


def _tenant_json(tenant: Tenant) -> dict[str, Any]:
    return {
        "tenant_id": tenant.tenant_id,
        "name": tenant.name,
        "active": tenant.active,
        "default_taxonomy_version": tenant.default_taxonomy_version,
        "default_policy_version": tenant.default_policy_version,
        "allow_policy_overrides": tenant.allow_policy_overrides,
    }


def _iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.isoformat(timespec="seconds")
