"""The README's first steps, as a new user runs them: a fresh clone, a fresh venv made with
`python3 -m venv`, the README's install command, `equivalence serve`, the admin key read where the
README says it is printed, then /health, the README's evaluate example and its read-back.

Also: the README's test command is `.ci/run`'s last line, and no README command calls `python`
(a fresh machine has `python3` only, outside a venv).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.e2e import free_port, wait_until_healthy

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
KEY_LABEL = "admin API key for tenant 'default' (shown once; store it now):"


def bash_blocks(markdown: str) -> list[str]:
    return re.findall(r"```bash\n(.*?)```", markdown, re.DOTALL)


def section(title: str) -> str:
    start = README.index(f"## {title}")
    end = README.find("\n## ", start + 1)
    return README[start : end if end != -1 else None]


def first_command_block() -> list[str]:
    return [line.split("#")[0].strip() for line in bash_blocks(section("The two commands"))[0].splitlines() if line.strip()]


def test_readme_test_command_is_the_last_line_of_ci_run() -> None:
    test_command = bash_blocks(section("The two commands"))[1].strip()
    ci_lines = [line for line in (ROOT / ".ci" / "run").read_text().splitlines() if line.strip()]
    assert ci_lines[-1] == test_command
    assert test_command.startswith("python3 -m pip ") and test_command.endswith("python3 -m pytest")


def test_readme_commands_never_call_bare_python() -> None:
    for block in bash_blocks(README):
        for line in block.splitlines():
            command = line.split("#")[0]
            assert not re.search(r"(^|[\s(&|;$])python(\s|$)", command), line


def test_full_runtime_spells_out_redis_and_workers() -> None:
    full = bash_blocks(section("Full runtime (PostgreSQL)"))[0]
    for needed in ("export DATABASE_URL=", "export REDIS_URL=", "export API_KEY_PEPPER=", "equivalence migrate", "equivalence worker"):
        assert needed in full, needed


@pytest.fixture(scope="module")
def fresh_clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`git clone` of this repository (its committed HEAD) and a venv created the README's way."""
    if shutil.which("git") is None:
        pytest.fail("git is needed to clone the repository") if os.environ.get("CI") == "true" else pytest.skip("no git")
    base = tmp_path_factory.mktemp("readme")
    clone = base / "equivalence"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True, timeout=300)
    venv_line, install_line = first_command_block()
    assert venv_line.startswith("python3 -m venv .venv")
    subprocess.run(["python3", "-m", "venv", ".venv"], cwd=clone, check=True, timeout=300)
    install = install_line.split(" && ")[0]
    assert install == "pip install -c constraints.txt -e ."
    env = venv_env(clone)
    done = subprocess.run(
        ["bash", "-c", install], cwd=clone, env=env, capture_output=True, text=True, timeout=1200
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return clone


def venv_env(clone: Path) -> dict[str, str]:
    """What `. .venv/bin/activate` does, on top of a clean environment (no PYTHONPATH, no settings)."""
    keep = {name: os.environ[name] for name in ("HOME", "LANG", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_CONFIG_FILE") if name in os.environ}
    venv = clone / ".venv"
    return {**keep, "PATH": f"{venv / 'bin'}:/usr/local/bin:/usr/bin:/bin", "VIRTUAL_ENV": str(venv), "PIP_DISABLE_PIP_VERSION_CHECK": "1"}


@pytest.fixture(scope="module")
def served(fresh_clone: Path) -> Iterator[tuple[str, str]]:
    """`equivalence serve` from the clone's venv; yields its URL and the admin key it printed."""
    port = free_port()
    serve_line = first_command_block()[1].split(" && ")[1]
    assert serve_line == "equivalence serve"
    process = subprocess.Popen(
        ["bash", "-c", f"{serve_line} --port {port}"],
        cwd=fresh_clone, env=venv_env(fresh_clone), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        assert process.stdout is not None and process.stderr is not None
        key = process.stdout.readline().strip()  # the README: alone on the first line of stdout
        wait_until_healthy(base, process)  # type: ignore[arg-type]
        yield base, key
    finally:
        process.terminate()
        try:
            _, stderr = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            _, stderr = process.communicate()
    assert KEY_LABEL in stderr  # the label the README quotes, on stderr


def readme_evaluate_body() -> dict[str, object]:
    block = next(b for b in bash_blocks(section("First steps")) if "/v1/equivalences/evaluate" in b)
    body = re.search(r"-d '(\{.*?\})'", block, re.DOTALL)
    assert body is not None
    parsed: dict[str, object] = json.loads(body.group(1))
    return parsed


def test_readme_first_steps_from_a_fresh_clone(served: tuple[str, str], fresh_clone: Path) -> None:
    base, key = served
    assert re.fullmatch(r"eqv_live_\S{20,}", key), key
    assert (fresh_clone / ".venv" / "bin" / "equivalence").exists()
    assert (fresh_clone / "var" / "equivalence.db").exists()  # embedded runtime under ./var/
    assert httpx.get(f"{base}/health", timeout=10).status_code == 200
    assert httpx.get(f"{base}/ready", timeout=10).status_code == 200
    body = readme_evaluate_body()
    answer = httpx.post(f"{base}/v1/equivalences/evaluate", json=body, headers={"X-API-Key": key}, timeout=30)
    assert answer.status_code == 200, answer.text
    assert answer.json()["decisao"] in {"DEFERIDO", "INDEFERIDO", "ANALISE_HUMANA"}
    again = httpx.get(f"{base}/v1/equivalences/{body['request_id']}", headers={"X-API-Key": key}, timeout=10)
    assert again.status_code == 200 and again.json()["request_id"] == body["request_id"]
    assert httpx.get(f"{base}/schema/swagger", timeout=10).status_code == 200
    vendored = httpx.get(f"{base}/static/vendor/swagger-ui-5.35.0/swagger-ui-bundle.js", timeout=10)
    assert vendored.status_code == 200  # the package data came with the install


def test_migrate_needs_only_database_url(fresh_clone: Path, tmp_path: Path) -> None:
    env = {**venv_env(fresh_clone), "DATABASE_URL": f"sqlite:///{tmp_path / 'only-url.db'}"}
    done = subprocess.run(["equivalence", "migrate"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "(head)" in done.stdout


def test_eval_pairs_example_explains_a_missing_shared_directory(fresh_clone: Path) -> None:
    line = next(row for row in README.splitlines() if "equivalence eval-pairs --pairs ../shared" in row).strip().rstrip(".").strip("`")
    done = subprocess.run(["bash", "-c", line], cwd=fresh_clone / "var", env=venv_env(fresh_clone), capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "Traceback" not in done.stderr and "not part of the repository" in done.stderr


def test_the_wheel_ships_the_vendored_docs_assets_and_examples(fresh_clone: Path, tmp_path: Path) -> None:
    import zipfile

    env = venv_env(fresh_clone)
    done = subprocess.run(
        ["pip", "wheel", "--no-deps", "-w", str(tmp_path), "."], cwd=fresh_clone, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    names = set(zipfile.ZipFile(next(tmp_path.glob("*.whl"))).namelist())
    for needed in (
        "adapters/http/static/vendor/swagger-ui-5.35.0/swagger-ui-bundle.js",
        "adapters/http/static/vendor/swagger-ui-5.35.0/swagger-ui.css",
        "adapters/http/static/vendor/swagger-ui-5.35.0/LICENSE",
        "adapters/http/static/vendor/scalar-api-reference-1.76.0/standalone.js",
        "adapters/http/static/vendor/scalar-api-reference-1.76.0/LICENSE",
        "adapters/http/static/docs/swagger-init.js",
        "adapters/http/static/docs/scalar-init.js",
        "adapters/http/static/docs/docs.css",
        "adapters/http/openapi_examples.json",
        "adapters/http/static/vendor/htmx-2.0.8/htmx.min.js",
        "adapters/http/static/vendor/htmx-2.0.8/LICENSE",
        "adapters/http/static/console/console.css",
        "adapters/http/static/console/favicon.png",
        "adapters/http/console/templates/base.html",
        "adapters/http/console/templates/avaliar.html",
    ):
        assert needed in names, needed
