"""`equivalence reviews reasons show|set`: a tenant's parecer reason codes (ADR 0026)."""

from __future__ import annotations

import argparse
import json

from core.domain.actors import cli_actor
from entrypoints.cli_running import run_on_container
from entrypoints.container import Container
from entrypoints.settings import Settings


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    command = sub.add_parser("reviews", help="review settings of a tenant (parecer reason codes)")
    review_commands = command.add_subparsers(dest="reviews_command", required=True)
    reasons = review_commands.add_parser("reasons", help="show or replace a tenant's parecer reason codes")
    reason_commands = reasons.add_subparsers(dest="reasons_command", required=True)
    show = reason_commands.add_parser("show", help="the tenant's codes as JSON (the default list if it has none)")
    show.add_argument("--tenant", default="default")
    show.set_defaults(func=cmd_reasons_show)
    replace = reason_commands.add_parser("set", help="replace the tenant's codes (audited)")
    replace.add_argument("--tenant", default="default")
    replace.add_argument("codes", nargs="+", metavar="CODE", help="snake_case codes, each once")
    replace.set_defaults(func=cmd_reasons_set)


def cmd_reasons_show(args: argparse.Namespace, settings: Settings) -> int:
    def show(container: Container) -> int:
        codes, default = container.use_cases.reviews().reason_codes(args.tenant)
        print(json.dumps({"tenant": args.tenant, "codes": list(codes), "default": default}, ensure_ascii=False))
        return 0

    return run_on_container(settings, show)


def cmd_reasons_set(args: argparse.Namespace, settings: Settings) -> int:
    def replace(container: Container) -> int:
        codes = container.use_cases.reviews().set_reason_codes(args.tenant, list(args.codes), cli_actor())
        print(f"tenant '{args.tenant}': {len(codes)} reason codes: {', '.join(codes)}")
        return 0

    return run_on_container(settings, replace)
