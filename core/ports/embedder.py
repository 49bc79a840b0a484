from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # a type only: the core does not import numpy when it runs
    import numpy as np


class Embedder(Protocol):
    """Turns texts into L2-normalized vectors (one row per text, in order).

    Implemented by the OpenAI-compatible client (EMBED_URL) and the in-process model
    (EMBED_LOCAL_MODEL). Raises MapperError when it cannot embed within ``timeout_s``.
    """

    model: str
    timeout_s: float
    batch_size: int

    def embed(self, texts: list[str], timeout_s: float | None = None) -> np.ndarray: ...
