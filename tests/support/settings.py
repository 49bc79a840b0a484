"""`test_settings(**overrides)`: the settings tree for tests, without reading the environment.

    test_settings(database_url=url, var_dir=tmp_path)                       # embedded, defaults
    test_settings(runtime=FULL, database_url=pg, redis_url=redis, batch={"max_items": 5})
    test_settings(rate_limits={"evaluate": "3/minute"}, metrics=MetricsSettings(public=True))

A section is given as a dict of the fields to change (the rest keep their defaults) or as a
whole section struct. Shortcuts: database_url, redis_url, api_key_pepper, bootstrap_api_key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec

from entrypoints.settings import EMBEDDED, Runtime, Settings, settings_from

TEST_PEPPER = b"test-settings-pepper-0123456789"


def test_settings(
    *,
    runtime: Runtime = EMBEDDED,
    var_dir: Path | str = "var",
    database_url: str | None = None,
    redis_url: str | None = None,
    api_key_pepper: bytes = TEST_PEPPER,
    bootstrap_api_key: str | None = None,
    **sections: Any,
) -> Settings:
    var = Path(var_dir).resolve()
    tree: dict[str, Any] = {
        "runtime": runtime,
        "var_dir": str(var),
        "database": {"url": database_url or f"sqlite:///{var / 'equivalence.db'}"},
        "redis": {"url": redis_url},
        "auth": {"api_key_pepper": api_key_pepper, "bootstrap_api_key": bootstrap_api_key},
    }
    for name, value in sections.items():
        if name not in Settings.__struct_fields__:
            raise TypeError(f"test_settings: no settings section {name!r}")
        fields = msgspec.structs.asdict(value) if isinstance(value, msgspec.Struct) else dict(value)
        tree[name] = {**tree.get(name, {}), **fields}
    return settings_from(tree)


test_settings.__test__ = False  # type: ignore[attr-defined]  # a factory, not a test
