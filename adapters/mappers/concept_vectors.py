"""Stored concept vectors: computed once per (taxonomy version, model), reused by every process.

A file per key under ``{EQV_VAR_DIR}/embeddings/``: ``<taxonomy>__<model>__<hash>.npy``,
where the hash covers the model and every embedded text (a taxonomy edited under the
same version, or another model, is another file). Written atomically (temporary file +
rename), so processes that start together at worst compute the same vectors twice; a
missing, unreadable or wrong-shaped file is recomputed, never trusted.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

import numpy as np

_log = logging.getLogger(__name__)
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class VectorStore(Protocol):
    """Where an embedding index keeps its concept vectors between processes."""

    def get(self, key: str, rows: int) -> np.ndarray | None: ...

    def put(self, key: str, vectors: np.ndarray) -> None: ...


def vector_key(taxonomy_version: str, model: str, texts: list[str]) -> str:
    digest = hashlib.sha256(model.encode("utf-8"))
    for text in texts:
        digest.update(b"\x00" + text.encode("utf-8"))
    safe = [_UNSAFE.sub("_", part)[:60] for part in (taxonomy_version, model)]
    return f"{safe[0]}__{safe[1]}__{digest.hexdigest()[:20]}"


class FileVectorStore:
    """VectorStore on the local disk (one .npy file per key)."""

    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory)

    def path(self, key: str) -> Path:
        return self.directory / f"{key}.npy"

    def get(self, key: str, rows: int) -> np.ndarray | None:
        path = self.path(key)
        try:
            vectors = np.load(path, allow_pickle=False)
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            _log.warning("stored concept vectors %s unreadable (%s): recomputing", path.name, type(exc).__name__)
            return None
        if vectors.ndim != 2 or vectors.shape[0] != rows or not np.isfinite(vectors).all():
            _log.warning("stored concept vectors %s have shape %s: recomputing", path.name, vectors.shape)
            return None
        return vectors.astype(np.float32, copy=False)

    def put(self, key: str, vectors: np.ndarray) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=f".{key}.", suffix=".tmp")
            with os.fdopen(fd, "wb") as handle:
                np.save(handle, np.asarray(vectors, dtype=np.float32), allow_pickle=False)
            os.replace(tmp, self.path(key))
        except OSError as exc:  # a read-only disk costs a recomputation per process, not a failure
            _log.warning("cannot store concept vectors %s: %s", key, exc)
