from __future__ import annotations

from typing import Protocol

from core.domain.errors import MapperError
from core.domain.model import ConceptMatch, Taxonomy

__all__ = ["ConceptMapper", "MapperError"]


class ConceptMapper(Protocol):
    """Maps an ementa onto concepts of a taxonomy. Raises MapperError when it cannot."""

    @property
    def version(self) -> str: ...

    def map(self, text: str, taxonomy: Taxonomy) -> tuple[ConceptMatch, ...]: ...
