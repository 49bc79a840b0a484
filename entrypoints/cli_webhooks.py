"""`equivalence webhooks add|list|disable|rotate-secret|deliveries|replay` (ADR 0025).

The operator acts on any tenant; changes are audited with `"by": "cli"`. A new secret is
printed once, alone on the last line of stdout (notes go to stderr), so
`SECRET=$(equivalence webhooks add ... | tail -n 1)` captures it. Exit codes: 0 ok, 1 unknown
tenant/endpoint/delivery or outdated schema, 2 bad usage (a URL that is not http(s)).

`replay` in the full runtime enqueues on Redis at once; in the embedded runtime the CLI has no
queue of its own, so the server's sweep sends the replayed deliveries (EQV_RECONCILE_INTERVAL_S).
"""

from __future__ import annotations

import argparse
import json
import sys

from core.domain.tenants import ANY_TENANT
from core.domain.webhooks import EVENT_TYPES, DeliveryState, WebhookEndpoint
from core.usecases.webhooks import DeliveryQuery, WebhookDeliveries
from entrypoints.cli_running import run_on_container
from entrypoints.container import Container
from entrypoints.settings import Settings

ACTOR = "cli"


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    webhooks = sub.add_parser("webhooks", help="tenants' webhook endpoints and deliveries: add, list, disable, replay")
    commands = webhooks.add_subparsers(dest="webhooks_command", required=True)
    add = commands.add_parser("add", help="a new endpoint; its signing secret is the last line of stdout, once")
    add.add_argument("--tenant", required=True, metavar="ID")
    add.add_argument("--url", required=True, help="http:// or https:// URL that receives the POSTs")
    add.add_argument("--event", action="append", required=True, choices=EVENT_TYPES, dest="events", help="repeat for several")
    add.set_defaults(func=cmd_add)
    listing = commands.add_parser("list", help="endpoints (never their secrets)")
    listing.add_argument("--tenant", metavar="ID", help="only this tenant's (default: every tenant's)")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(func=cmd_list)
    for verb, what, func in (
        ("disable", "stop delivering to the endpoint (its pending deliveries die)", cmd_disable),
        ("rotate-secret", "a new signing secret (printed last, once); the old one stops at once", cmd_rotate),
    ):
        command = commands.add_parser(verb, help=what)
        command.add_argument("endpoint_id", metavar="ENDPOINT_ID")
        command.set_defaults(func=func)
    deliveries = commands.add_parser("deliveries", help="deliveries newest first: state, attempts, last error")
    deliveries.add_argument("--tenant", metavar="ID", help="only this tenant's")
    deliveries.add_argument("--state", choices=[s.value for s in DeliveryState], help="only this state (morta: dead letters)")
    deliveries.add_argument("--limit", type=int, default=50)
    deliveries.add_argument("--json", action="store_true", help="print JSON")
    deliveries.set_defaults(func=cmd_deliveries)
    replay = commands.add_parser("replay", help="send a dead delivery (or --all dead ones) again, same event id")
    which = replay.add_mutually_exclusive_group(required=True)
    which.add_argument("delivery_id", nargs="?", metavar="DELIVERY_ID")
    which.add_argument("--all", action="store_true", help="every dead delivery (of --tenant, or of all tenants)")
    replay.add_argument("--tenant", metavar="ID")
    replay.set_defaults(func=cmd_replay)


def _describe(e: WebhookEndpoint) -> str:
    return f"{e.endpoint_id}  {e.tenant_id}  {'active' if e.active else 'disabled'}  {','.join(e.event_types)}  {e.url}"


def _secret(e: WebhookEndpoint, what: str) -> int:
    print(f"{what}: {_describe(e)}", file=sys.stderr)
    print("signing secret (shown once; store it now):", file=sys.stderr)
    print(e.secret, flush=True)
    return 0


def cmd_add(args: argparse.Namespace, settings: Settings) -> int:
    return run_on_container(settings, lambda c: _secret(c.use_cases.webhook_admin().add(args.tenant, args.url, args.events, ACTOR), "endpoint added"))


def cmd_rotate(args: argparse.Namespace, settings: Settings) -> int:
    return run_on_container(settings, lambda c: _secret(c.use_cases.webhook_admin().rotate_secret(ANY_TENANT, args.endpoint_id, ACTOR), "secret rotated"))


def cmd_disable(args: argparse.Namespace, settings: Settings) -> int:
    def disable(container: Container) -> int:
        print(f"endpoint disabled: {_describe(container.use_cases.webhook_admin().disable(ANY_TENANT, args.endpoint_id, ACTOR))}")
        return 0

    return run_on_container(settings, disable)


def cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    def show(container: Container) -> int:
        endpoints = container.use_cases.webhook_admin().endpoints(args.tenant or ANY_TENANT)
        if args.json:
            print(json.dumps([{**e.public(), "tenant_id": e.tenant_id} for e in endpoints], ensure_ascii=False))
        for e in [] if args.json else endpoints:
            print(_describe(e))
        return 0

    return run_on_container(settings, show, tenant=args.tenant)


def _deliveries(container: Container) -> WebhookDeliveries:
    """With Redis, the runtime's (replays are enqueued now); embedded, none (the server's sweep sends)."""
    if container.settings.broker_url is not None:
        return container.adapters.webhook_runtime().deliveries
    return WebhookDeliveries(container.adapters.uow_factory(), None, container.adapters.clock())


def cmd_deliveries(args: argparse.Namespace, settings: Settings) -> int:
    def show(container: Container) -> int:
        state = DeliveryState(args.state) if args.state else None
        page = WebhookDeliveries(container.adapters.uow_factory(), None, container.adapters.clock()).page(args.tenant or ANY_TENANT, DeliveryQuery(state, args.limit))
        if args.json:
            print(json.dumps([
                {"delivery_id": d.delivery_id, "tenant_id": d.tenant_id, "event_id": d.event_id, "event_type": d.event_type,
                 "endpoint_id": d.endpoint_id, "state": d.state.value, "attempts": d.attempts, "created_at": d.created_at.isoformat(),
                 "last_status": d.last_status, "last_error": d.last_error}
                for d in page
            ], ensure_ascii=False))
            return 0
        for d in page:
            last = d.last_error or (str(d.last_status) if d.last_status else "-")
            print(f"{d.delivery_id}  {d.tenant_id}  {d.event_type}  {d.state.value}  attempts={d.attempts}  {d.created_at:%Y-%m-%d %H:%M:%S}  {last}")
        return 0

    return run_on_container(settings, show, tenant=args.tenant)


def cmd_replay(args: argparse.Namespace, settings: Settings) -> int:
    def replay(container: Container) -> int:
        ids = _deliveries(container).replay(args.tenant or ANY_TENANT, None if args.all else args.delivery_id, ACTOR)
        for delivery_id in ids:
            print(delivery_id)
        later = "" if container.settings.broker_url is not None else " (the server's sweep sends them)"
        print(f"{len(ids)} deliveries replayed{later}", file=sys.stderr)
        return 0

    return run_on_container(settings, replay, tenant=args.tenant)
