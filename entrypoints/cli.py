"""The `equivalence` command: serve, migrate, seed, eval-pairs (and the subcommands of cli_*.py).

Thin: parse arguments, build the container for the runtime the environment names,
call one use case, print the outcome. Exit codes: 0 ok, 1 failure, 2 bad usage/config.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from entrypoints import cli_args
from entrypoints.settings import LOG_LEVELS, ConfigurationError, Settings, load_settings


def _settings() -> Settings:
    try:
        return load_settings()  # the one read of the environment; a bad variable stops here, named
    except ConfigurationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def cmd_migrate(args: argparse.Namespace) -> int:
    from alembic.util import CommandError

    from adapters.persistence.migrate import current_revision, upgrade_to_head
    from entrypoints.settings import database_url_from_env

    try:
        database_url = database_url_from_env()  # only the database: no pepper, no other setting
    except ConfigurationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if database_url.startswith("sqlite:///"):
        Path(database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    try:
        upgrade_to_head(database_url)
    except CommandError as exc:  # e.g. the database is at a revision this release does not know
        print(f"error: migration failed, the schema is unchanged: {exc}", file=sys.stderr)
        return 1
    print(f"database schema at revision {current_revision(database_url)} (head)")
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    from entrypoints.bootstrap import run_seed
    from entrypoints.cli_running import require_current_schema

    settings = _settings()
    require_current_schema(settings)
    report = run_seed(settings)
    print(f"tenant '{report.tenant_id}' ready: taxonomy {report.taxonomy_version}, policy {report.policy_version}")
    if report.new_admin_key:
        print("admin API key (shown once; store it now):", file=sys.stderr)
        print(report.new_admin_key)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from adapters.http.slow_clients import HeaderTimeoutProtocol
    from entrypoints.bootstrap import prepare_for_serving

    if args.log_level is not None:  # the API processes read it from the environment they inherit
        os.environ["EQV_LOG_LEVEL"] = args.log_level
    settings = _settings()  # a bad variable stops here, named, not in each API process
    log_level = settings.http.log_level
    if not prepare_for_serving(settings):
        return 1
    port = args.port if args.port is not None else settings.http.port
    from entrypoints.metrics_runtime import multiprocess_metrics

    from entrypoints.logging_config import configure_logging

    configure_logging(log_level)  # Uvicorn's own lines too: JSON on stdout (log_config=None)
    with multiprocess_metrics(args.workers):  # several API processes: one shared metrics directory
        uvicorn.run(
            "entrypoints.asgi:serve_app",
            factory=True,
            host=args.host or settings.http.host,
            port=port,
            workers=args.workers,
            log_level=log_level,
            log_config=None,
            access_log=False,
            http=HeaderTimeoutProtocol,  # closes a connection whose headers are too slow (slowloris)
            timeout_keep_alive=settings.http.keepalive_s,
        )
    return 0


def cmd_mock(args: argparse.Namespace) -> int:
    from entrypoints.mock_servers import run_mock_embed, run_mock_llm

    run = run_mock_embed if args.mock == "mock-embed" else run_mock_llm
    run(host=args.host, port=args.port)
    return 0


def cmd_eval_pairs(args: argparse.Namespace) -> int:
    from entrypoints.eval_pairs import main as eval_main

    return eval_main(["--pairs", args.pairs, "--ementas", args.ementas, *(f"--by={g}" for g in args.by)])


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="equivalence", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the HTTP API (embedded runtime: migrates and seeds on first start)")
    serve.add_argument("--host", default=None, help="bind address (default 127.0.0.1 or HOST)")
    serve.add_argument("--port", type=cli_args.port, default=None, help="port (default 8000 or PORT)")
    serve.add_argument("--workers", type=cli_args.positive, default=1, help="API processes (default 1)")
    serve.add_argument("--log-level", default=None, choices=LOG_LEVELS, help="default: EQV_LOG_LEVEL, else info")
    serve.set_defaults(func=cmd_serve)

    migrate = sub.add_parser("migrate", help="upgrade the database schema to the latest revision")
    migrate.set_defaults(func=cmd_migrate)

    seed = sub.add_parser("seed", help="create the default tenant, admin key, taxonomy and policy")
    seed.set_defaults(func=cmd_seed)

    from entrypoints import cli_taxonomy

    cli_taxonomy.add_parser(sub)
    from entrypoints import cli_batch
    cli_batch.add_parser(sub)
    from entrypoints import cli_catalog

    cli_catalog.add_parser(sub)
    from entrypoints import cli_curriculum

    cli_curriculum.add_parser(sub)
    from entrypoints import cli_case

    cli_case.add_parser(sub)
    from entrypoints import cli_audit

    cli_audit.add_parser(sub)
    from entrypoints import cli_admin

    cli_admin.add_parser(sub)
    from entrypoints import cli_webhooks

    cli_webhooks.add_parser(sub)
    from entrypoints import cli_precedents  # ADR 0024

    cli_precedents.add_parser(sub)
    from entrypoints import cli_reviews  # ADR 0026

    cli_reviews.add_parser(sub)

    for name, port, what in (("mock-embed", 9001, "embeddings"), ("mock-llm", 9002, "chat completions")):
        mock = sub.add_parser(name, help=f"development mock of an OpenAI-compatible {what} service (/health too)")
        mock.add_argument("--host", default="127.0.0.1", help="bind address (0.0.0.0 in containers)")
        mock.add_argument("--port", type=cli_args.port, default=port)
        mock.set_defaults(func=cmd_mock, mock=name)

    evalp = sub.add_parser(
        "eval-pairs", help="decision-quality report over labeled pairs, with the mapper chain serve builds (JSON on stdout)"
    )
    evalp.add_argument("--pairs", required=True)
    evalp.add_argument("--ementas", required=True)
    evalp.add_argument("--by", action="append", choices=("family", "kind"), default=[], help="rates per destino family / pair kind")
    evalp.set_defaults(func=cmd_eval_pairs)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from sqlalchemy.exc import OperationalError

    try:
        if args.func.__module__ != __name__:  # subcommand modules take the settings explicitly
            return int(args.func(args, _settings()) or 0)
        return int(args.func(args) or 0)
    except OperationalError as exc:
        print(f"error: the database is unreachable or refused the operation: {exc.orig}", file=sys.stderr)
        print("check DATABASE_URL and that PostgreSQL is running (pg_isready -h HOST)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
