from __future__ import annotations

from typing import Protocol

from core.domain.model import ConceptMatch, Taxonomy


class MapperError(Exception):
    """The mapper could not produce a mapping (service down, timeout, garbage answer)."""


class ConceptMapper(Protocol):
    """Maps an ementa onto concepts of a taxonomy. Raises MapperError when it cannot."""

    @property
    def version(self) -> str: ...

    def map(self, text: str, taxonomy: Taxonomy) -> tuple[ConceptMatch, ...]: ...
