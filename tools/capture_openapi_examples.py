"""Refresh adapters/http/openapi_examples.json from the service's real answers.

Runs the embedded runtime in process (shipped taxonomy, default policy, a throwaway SQLite
database), replays the example requests and the error calls, and writes what the service
answered. Run it after a change to decisions, justifications or error bodies; the test
tests/integration/test_openapi_examples.py fails until the examples are true again.

    python3 tools/capture_openapi_examples.py
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from litestar.testing import TestClient  # noqa: E402

from adapters.mappers.taxonomy_json import load_default_taxonomy  # noqa: E402
from adapters.system import SystemClock  # noqa: E402
from core.domain.records import ApiKeyRecord, Role  # noqa: E402
from core.domain.api_keys import hash_key, key_prefix  # noqa: E402
from core.usecases.bootstrap import DEFAULT_TENANT  # noqa: E402
from entrypoints.bootstrap import DEFAULT_POLICY  # noqa: E402
from adapters.persistence.migrate import upgrade_to_head  # noqa: E402
from entrypoints.asgi import create_app  # noqa: E402
from entrypoints.container import build_container  # noqa: E402
from entrypoints.settings import load_settings  # noqa: E402

FILE = ROOT / "adapters" / "http" / "openapi_examples.json"
PEPPER = b"openapi-examples-pepper-0123456789"
KEY = "eqv_live_openapi-examples-admin-key-0001"
CLIENT_KEY = "eqv_live_openapi-examples-client-key-001"


def main() -> int:
    data: dict[str, Any] = json.loads(FILE.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings({"EQV_VAR_DIR": tmp, "API_KEY_PEPPER": PEPPER.decode(), "EQV_BOOTSTRAP_API_KEY": KEY})
        upgrade_to_head(settings.database.url)
        container = build_container(settings)
        uows = container.adapters.uow_factory()
        container.use_cases.seed()(load_default_taxonomy(), DEFAULT_POLICY, KEY)
        with uows() as uow:
            uow.api_keys.add(
                ApiKeyRecord("k-examples-client", DEFAULT_TENANT, key_prefix(CLIENT_KEY), hash_key(CLIENT_KEY, PEPPER),
                             Role.CLIENT, "examples", SystemClock().now())
            )
            uow.commit()
        with TestClient(create_app(container)) as client:
            admin = {"X-API-Key": KEY}
            answer = client.post("/v1/equivalences/evaluate", json=data["evaluate_request"], headers=admin)
            assert answer.status_code == 200, answer.text
            data["evaluate_response"] = answer.json()
            errors = data["errors"]
            item = data["batch_request"]["items"][0]
            weak = {**item, "destino": {"nome": "X", "carga_horaria": 60, "ementa": "abc"}}
            calls = {
                "422_batch": lambda: client.post("/v1/equivalences/batch", json={"items": [weak]}, headers=admin),
                "422_path": lambda: client.get("/v1/equivalences/abc%00def", headers=admin),
                "403_override": lambda: client.post(
                    "/v1/equivalences/evaluate",
                    json={**data["evaluate_request"], "request_id": "pedido-2026-0998", "policy": {"min_score_deferir": 0}},
                    headers={"X-API-Key": CLIENT_KEY},
                ),
                "413": lambda: client.post(
                    "/v1/equivalences/evaluate", content=b"{" + b" " * (3 * 1024 * 1024) + b"}",
                    headers={**admin, "Content-Type": "application/json"},
                ),
                "415": lambda: client.post(
                    "/v1/equivalences/evaluate", content=b"origem=1", headers={**admin, "Content-Type": "text/plain"}
                ),
            }
            for name, call in calls.items():
                errors[name] = call().json()
    FILE.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {FILE}: evaluate_response, {', '.join(calls)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
