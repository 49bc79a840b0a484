"""compose.yaml, Dockerfile and .env.example, checked without a Docker engine.

The file must be valid against the Compose Specification schema; every command a service or a
healthcheck runs must be a real `equivalence` command (parsed by the CLI's own parser); every
URL a healthcheck calls must be a real route of the process it checks; web and worker start
only after migrate; the settings compose hands the service come from `.env.example`.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest
import yaml

from entrypoints.asgi import create_app
from entrypoints.cli import build_parser
from entrypoints.container import build_container
from entrypoints.mock_servers import create_mock_embed_app, create_mock_llm_app
from entrypoints.settings import FULL, load_settings
from tests.support.settings import test_settings

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "tests" / "data" / "compose-spec.json"
SHARED_SCHEMA = ROOT.parent / "shared" / "schemas" / "compose-spec.json"
APP_SERVICES = {"migrate", "web", "worker", "mock-embed", "mock-llm"}
ONE_SHOT = {"migrate"}
INTERPOLATION = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


@pytest.fixture(scope="module")
def env_example() -> dict[str, str]:
    return read_env_file(ROOT / ".env.example")


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=value lines (compose's env_file syntax as used here: no quotes, # comments)."""
    env: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            env[key.strip()] = value.strip()
    return env


def test_compose_file_is_valid_against_the_compose_specification(compose: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA.read_text())
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(compose)]
    assert errors == []


def test_the_schema_copy_is_the_shared_one() -> None:
    if not SHARED_SCHEMA.exists():
        pytest.skip(f"{SHARED_SCHEMA} is not next to this clone; the copy in tests/data is used")
    assert json.loads(SCHEMA.read_text()) == json.loads(SHARED_SCHEMA.read_text())


def test_the_stack_has_its_services(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) == APP_SERVICES | {"postgres", "redis"}


def _commands(compose: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """(where, argv) of every `equivalence ...` a service or a healthcheck of ours runs."""
    found = []
    for name in sorted(APP_SERVICES):
        service = compose["services"][name]
        found.append((f"{name}.command", service["command"]))
        test = service.get("healthcheck", {}).get("test")
        if test and test[0] == "CMD" and test[1] == "equivalence":
            found.append((f"{name}.healthcheck", test[1:]))
    return found


def test_every_command_is_a_real_cli_command(compose: dict[str, Any]) -> None:
    parser = build_parser()
    for where, argv in _commands(compose):
        assert isinstance(argv, list) and argv[0] == "equivalence", f"{where}: not an `equivalence` command: {argv}"
        try:
            args = parser.parse_args(argv[1:])
        except SystemExit:
            pytest.fail(f"{where}: `{shlex.join(argv)}` is not accepted by the equivalence CLI")
        assert callable(args.func), where


def test_the_console_script_is_the_cli_that_was_checked() -> None:
    import tomllib

    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["equivalence"] == "entrypoints.cli:main"


def test_web_and_worker_start_after_migrate_and_healthy_stores(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name in ("web", "worker"):
        assert services[name]["depends_on"] == {
            "migrate": {"condition": "service_completed_successfully"},
            "postgres": {"condition": "service_healthy"},
            "redis": {"condition": "service_healthy"},
        }, name
    assert services["migrate"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert services["migrate"]["command"] == ["equivalence", "migrate"]
    assert services["migrate"]["restart"] == "no"


def test_every_long_running_service_has_a_healthcheck(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        if name in ONE_SHOT:
            continue
        check = service.get("healthcheck", {})
        assert check.get("test") and not check.get("disable"), f"{name} has no healthcheck"
        assert check["test"][0] in ("CMD", "CMD-SHELL"), name
        assert service.get("restart") == "unless-stopped", name


def _listen_port(command: list[str]) -> int:
    return int(command[command.index("--port") + 1])


def _healthcheck_urls(test: list[str]) -> list[str]:
    return re.findall(r"https?://[^'\" ]+", " ".join(test))


def _routes(app: Any) -> set[str]:
    return {route.path for route in app.routes}


@pytest.fixture(scope="module")
def web_routes(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    var = tmp_path_factory.mktemp("var")
    settings = test_settings(var_dir=var, database_url=f"sqlite:///{var / 'unused.db'}")
    return _routes(create_app(build_container(settings)))  # routes only: nothing connects before startup


def test_healthchecks_call_real_routes_on_the_port_the_service_listens_on(
    compose: dict[str, Any], web_routes: set[str]
) -> None:
    routes = {"web": web_routes, "mock-embed": _routes(create_mock_embed_app()), "mock-llm": _routes(create_mock_llm_app())}
    for name, known in routes.items():
        service = compose["services"][name]
        urls = _healthcheck_urls(service["healthcheck"]["test"])
        assert urls, f"{name}: the healthcheck calls no URL"
        for url in urls:
            parts = urlsplit(url)
            assert parts.hostname in ("127.0.0.1", "localhost"), url
            assert parts.port == _listen_port(service["command"]), f"{name}: {url} is not the port it listens on"
            assert parts.path in known, f"{name}: {parts.path} is not a route ({sorted(known)})"
    docker_urls = _healthcheck_urls([line for line in dockerfile_lines() if line.startswith("HEALTHCHECK") or "CMD" in line])
    assert docker_urls and all(urlsplit(u).path in web_routes and urlsplit(u).port == 8000 for u in docker_urls)


def test_ports_match_what_the_processes_listen_on(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert services["web"]["ports"] == ["${WEB_PORT:-8000}:8000"]
    for name, port in (("web", 8000), ("mock-embed", 9001), ("mock-llm", 9002)):
        assert _listen_port(services[name]["command"]) == port
        assert "--host" in services[name]["command"] and "0.0.0.0" in services[name]["command"], name
    assert "EXPOSE 8000" in dockerfile_lines()


def test_state_lives_in_named_volumes(compose: dict[str, Any]) -> None:
    declared = set(compose["volumes"])
    assert {"postgres-data", "redis-data"} <= declared
    for name, service in compose["services"].items():
        for mount in service.get("volumes", []):
            source = mount.split(":", 1)[0] if isinstance(mount, str) else mount["source"]
            assert source in declared, f"{name}: {source} is not a named volume"
    assert "postgres-data:/var/lib/postgresql/data" in compose["services"]["postgres"]["volumes"]


def test_settings_come_from_env_and_every_key_is_in_the_example(
    compose: dict[str, Any], env_example: dict[str, str]
) -> None:
    used = set(INTERPOLATION.findall((ROOT / "compose.yaml").read_text()))
    assert used, "compose.yaml interpolates nothing from .env"
    assert used <= set(env_example), f"missing from .env.example: {sorted(used - set(env_example))}"
    for name in APP_SERVICES - {"mock-embed", "mock-llm"}:
        assert compose["services"][name]["env_file"] == [".env"], name
    assert "env_file" not in compose["services"]["postgres"], "the database container needs no service secrets"


def test_the_example_env_configures_the_full_runtime_on_the_compose_services(env_example: dict[str, str]) -> None:
    settings = load_settings(env_example)
    assert settings.runtime == FULL
    database = urlsplit(env_example["DATABASE_URL"])
    assert (database.hostname, database.port) == ("postgres", 5432)
    assert database.username == env_example["POSTGRES_USER"]
    assert database.password == env_example["POSTGRES_PASSWORD"]
    assert database.path.lstrip("/") == env_example["POSTGRES_DB"]
    assert urlsplit(env_example["REDIS_URL"]).hostname == "redis"
    assert "CHANGE-ME" in env_example["API_KEY_PEPPER"], "the example pepper must read as a placeholder"


def dockerfile_lines() -> list[str]:
    """Dockerfile instructions, one per logical line (continuations joined, comments dropped)."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def test_dockerfile_is_multi_stage_and_runs_as_non_root() -> None:
    lines = dockerfile_lines()
    stages = [line.split() for line in lines if line.upper().startswith("FROM ")]
    assert len(stages) >= 2, "builder and runtime stages"
    assert stages[-1][1] == "python:3.11-slim"
    runtime = lines[max(i for i, line in enumerate(lines) if line.upper().startswith("FROM ")) :]
    users = [line.split()[1] for line in runtime if line.upper().startswith("USER ")]
    assert users and users[-1].split(":")[0] not in ("root", "0"), "the runtime stage must switch to a non-root user"
    assert any(line.startswith("COPY --from=") for line in runtime), "the runtime copies the builder's install"
    assert not any(re.search(r"\b(gcc|build-essential|g\+\+|make)\b", line) for line in runtime), "no compilers at run time"
    assert any(line.startswith("HEALTHCHECK") for line in runtime)
    assert any("-c constraints.txt" in line for line in lines), "installs with the pinned versions"


def test_dockerignore_keeps_secrets_and_local_state_out() -> None:
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()}
    assert {".env", "var/", ".git", "__pycache__/"} <= ignored
