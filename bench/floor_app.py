"""The floor for POST /v1/equivalences/evaluate: parse the same body, commit one ~3 KB row, answer.

A minimal Litestar app that does the least any implementation of the endpoint must do: decode and
validate the request with the service's own msgspec struct (adapters.http.dto.EvaluateRequest)
and commit one row of ~3 KB (FLOOR_ROW_BYTES) with psycopg 3, in one transaction: a single
INSERT on an autocommit connection, one round trip. No auth, mapping, scoring, idempotency or
audit. Connections come from a small per-process pool (FLOOR_POOL_SIZE, default 8). The table is
created by the caller (bench/evaluate_load.py, in its throwaway database; see TABLE_DDL).

  FLOOR_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/DB \\
    uvicorn floor_app:create_app --factory --app-dir bench --workers 2 --no-access-log
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import msgspec
import psycopg
from litestar import Litestar, get, post

from adapters.http.dto import EvaluateRequest

TABLE_DDL = (
    "CREATE TABLE IF NOT EXISTS bench_floor_rows ("
    " id bigserial PRIMARY KEY, request_id text, created_at timestamptz NOT NULL DEFAULT now(), payload text NOT NULL)"
)
_INSERT = "INSERT INTO bench_floor_rows (request_id, payload) VALUES (%s, %s) RETURNING id"
ROW_BYTES = int(os.environ.get("FLOOR_ROW_BYTES", "3000"))
_encoder = msgspec.json.Encoder()


class FloorAnswer(msgspec.Struct):
    request_id: str | None
    row_id: int


class _Pool:
    """A fixed set of autocommit connections handed out through a queue (no psycopg_pool needed)."""

    def __init__(self) -> None:
        self._idle: asyncio.Queue[psycopg.AsyncConnection] = asyncio.Queue()
        self._all: list[psycopg.AsyncConnection] = []

    async def open(self, url: str, size: int) -> None:
        for _ in range(size):
            connection = await psycopg.AsyncConnection.connect(url, autocommit=True, application_name="bench-floor")
            self._all.append(connection)
            self._idle.put_nowait(connection)

    async def close(self) -> None:
        for connection in self._all:
            await connection.close()

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[psycopg.AsyncConnection]:
        connection = await self._idle.get()
        try:
            yield connection
        finally:
            self._idle.put_nowait(connection)


def _payload(data: EvaluateRequest) -> str:
    """~ROW_BYTES of the request's own text (a stored decision is about that size)."""
    text = _encoder.encode(data).decode()
    return (text * (ROW_BYTES // max(len(text), 1) + 1))[:ROW_BYTES]


def create_app() -> Litestar:
    pool = _Pool()

    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        await pool.open(os.environ["FLOOR_DATABASE_URL"], int(os.environ.get("FLOOR_POOL_SIZE", "8")))
        try:
            yield
        finally:
            await pool.close()

    @post("/v1/equivalences/evaluate", status_code=200)
    async def evaluate(data: EvaluateRequest) -> FloorAnswer:
        async with pool.connection() as connection:
            cursor = await connection.execute(_INSERT, (data.request_id, _payload(data)))
            row = await cursor.fetchone()
        return FloorAnswer(request_id=data.request_id, row_id=row[0] if row else 0)

    @get("/health", include_in_schema=False)
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return Litestar([evaluate, health], lifespan=[lifespan], openapi_config=None)
