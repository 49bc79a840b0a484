"""Start-up steps shared by the CLI commands: migrate, seed, refuse an outdated schema."""

from __future__ import annotations

import sys

from adapters.mappers.taxonomy_json import load_default_taxonomy
from adapters.persistence.migrate import schema_problem, upgrade_to_head
from core.domain.model import Policy
from core.usecases.bootstrap import SeedReport
from entrypoints.container import build_container
from entrypoints.settings import Settings

DEFAULT_POLICY = Policy(version="default-v1")


def run_seed(settings: Settings) -> SeedReport:
    container = build_container(settings)
    try:
        return container.use_cases.seed()(load_default_taxonomy(), DEFAULT_POLICY, settings.auth.bootstrap_api_key)
    finally:
        container.adapters.engine().dispose()


def prepare_for_serving(settings: Settings) -> bool:
    """Embedded: migrate and seed so one command serves. Full: the schema must already be current."""
    if settings.embedded:
        settings.var_dir.mkdir(parents=True, exist_ok=True)
        upgrade_to_head(settings.database.url)
        report = run_seed(settings)
        if report.new_admin_key:
            print("admin API key for tenant 'default' (shown once; store it now):", file=sys.stderr)
            print(report.new_admin_key, flush=True)
        return True
    problem = schema_problem(settings.database.url)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return False
    return True
