"""A hand-written embedder for the embedding mapper's tests (no network), and their texts."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from adapters.mappers.taxonomy_json import load_default_taxonomy
from core.ports.concept_mapper import MapperError
from entrypoints.mock_servers import mock_vector

TAXONOMY = load_default_taxonomy()
SQL = (
    "Sistemas de Banco de Dados. Modelagem conceitual e modelo relacional. Linguagem SQL. "
    "Normalização: dependências funcionais e formas normais. Processamento de transações."
)


class FakeEmbedder:
    """Embeds with the mock server's hashing; records calls; can fail, hang or answer a wrong shape."""

    model = "fake"
    # A hang guard, never reached: building the default taxonomy's index takes seconds on a busy
    # machine, and only the tests about deadlines (which block the build on `release`) set less.
    timeout_s = 60.0
    batch_size = 32

    def __init__(self) -> None:
        self.calls: list[int] = []
        self.fail = False
        self.release: threading.Event | None = None
        self.dimensions: int | None = None
        self.lock = threading.Lock()

    def embed(self, texts: list[str], timeout_s: float | None = None) -> Any:
        with self.lock:
            self.calls.append(len(texts))
        if self.release is not None:
            self.release.wait(5)
        if self.fail:
            raise MapperError("service down")
        vectors = np.asarray([mock_vector(t) for t in texts], dtype=np.float32)
        return vectors[:, : self.dimensions] if self.dimensions else vectors
