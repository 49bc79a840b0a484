"""The WebhookSender port on httpx: one POST with connect/read timeouts, redirects not followed."""

from __future__ import annotations

import time

import httpx

from core.ports.webhook_delivery import SendResult

USER_AGENT = "equivalence-webhooks/1"


class HttpxWebhookSender:
    def __init__(self, timeout_s: float = 10.0) -> None:
        self._client = httpx.Client(timeout=httpx.Timeout(timeout_s), follow_redirects=False)

    def send(self, url: str, body: bytes, headers: dict[str, str]) -> SendResult:
        started = time.monotonic()
        try:
            response = self._client.post(url, content=body, headers={"User-Agent": USER_AGENT, **headers})
        except httpx.HTTPError as exc:
            detail = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ""
            error = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
            return SendResult(None, error, _ms(started))
        return SendResult(response.status_code, None, _ms(started))

    def close(self) -> None:
        self._client.close()


def _ms(started: float) -> float:
    return round((time.monotonic() - started) * 1000, 3)
