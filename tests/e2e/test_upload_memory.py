"""Unauthenticated uploads are refused before their body is read: a served process's memory
stays near its baseline after several 62 MB batch uploads without a key (issue 14: eight of
them used to take the process from 181 MB to 992 MB, and it kept 969 MB)."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import httpx
import psutil
import pytest

from tests.support.e2e import ADMIN_KEY, PAIR, base_env, free_port, wait_until_healthy

pytestmark = pytest.mark.e2e

UPLOAD_BYTES = 62 * 1024 * 1024
MARGIN_BYTES = 150 * 1024 * 1024  # generous: allocator noise, lazy imports, caches


def upload_without_key(port: int) -> bytes:
    """POST 62 MB to the batch route over a raw socket; the answer may come (and the socket
    close) before the body is all sent, which is the point."""
    head = (
        f"POST /v1/equivalences/batch HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {UPLOAD_BYTES}\r\nConnection: close\r\n\r\n"
    ).encode()
    opening, closing, chunk = b'{"items": "', b'"}', b"x" * (1024 * 1024)  # one huge, valid JSON string
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head + opening)
        try:
            for _ in range(UPLOAD_BYTES // len(chunk) - 1):
                sock.sendall(chunk)
            sock.sendall(chunk[: len(chunk) - len(opening) - len(closing)] + closing)
        except OSError:
            pass  # the server answered and closed: the rest was never wanted
        answer = b""
        try:
            while data := sock.recv(65536):
                answer += data
        except OSError:
            pass
    return answer


def rss(process: psutil.Process) -> int:
    return int(process.memory_info().rss) + sum(int(c.memory_info().rss) for c in process.children(recursive=True))


def test_unauthenticated_large_uploads_do_not_grow_memory(tmp_path: Path) -> None:
    env = base_env(tmp_path)
    port = free_port()
    with open(tmp_path / "serve.log", "wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "entrypoints.cli", "serve", "--port", str(port)],
            env=env, cwd=tmp_path, stdout=log, stderr=log,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_healthy(base, server)
            warm = httpx.post(f"{base}/v1/equivalences/evaluate", json=PAIR, headers={"X-API-Key": ADMIN_KEY}, timeout=30)
            assert warm.status_code == 200, warm.text
            process = psutil.Process(server.pid)
            baseline = rss(process)
            answers = [upload_without_key(port) for _ in range(8)]
            after = rss(process)
            assert httpx.get(f"{base}/health", timeout=10).status_code == 200
        finally:
            server.terminate()
            server.wait(timeout=20)
    assert all(answer.startswith(b"HTTP/1.1 401") for answer in answers), [a[:80] for a in answers]
    assert after - baseline < MARGIN_BYTES, f"RSS grew from {baseline >> 20} MB to {after >> 20} MB"
