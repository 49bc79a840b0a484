"""The layering of SPEC §2, checked on the source: the core imports no framework or adapter."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN_IN_CORE = {
    "litestar", "sqlalchemy", "dramatiq", "redis", "httpx", "psycopg", "alembic", "dependency_injector",
    "tenacity", "msgspec", "structlog", "prometheus_client", "numpy", "adapters", "entrypoints", "migrations",
}


def runtime_imports(path: Path) -> set[str]:
    """Top-level module names imported when the module runs (not under `if TYPE_CHECKING:`)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    type_only = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
        for node in ast.walk(block)
    }
    names: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_core_imports_no_framework_driver_or_adapter() -> None:
    offenders = {
        f"{path.relative_to(ROOT)}: {name}"
        for path in (ROOT / "core").rglob("*.py")
        for name in runtime_imports(path)
        if name.split(".")[0] in FORBIDDEN_IN_CORE
    }
    assert not offenders


def test_domain_imports_only_the_standard_library_and_itself() -> None:
    offenders = {
        f"{path.relative_to(ROOT)}: {name}"
        for path in (ROOT / "core" / "domain").rglob("*.py")
        for name in runtime_imports(path)
        if not (name.startswith("core.domain") or name.split(".")[0] in sys.stdlib_module_names)
    }
    assert not offenders
