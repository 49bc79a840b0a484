"""Taxonomy <-> JSON dict, with validation, and the default taxonomy shipped as package data."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from core.domain.model import Level, Taxonomy, TaxonomyNode

DEFAULT_TAXONOMY_FILE = "taxonomy-default.json"
_LEVELS = {level.value: level for level in Level}


class TaxonomyFormatError(ValueError):
    """An invalid taxonomy document; `field` is the path of the offending value (`nodes[3].keywords`)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def taxonomy_from_dict(data: dict[str, Any]) -> Taxonomy:
    """Build a Taxonomy from its JSON form; raises ValueError naming the offending node/field."""
    if not isinstance(data, dict):
        raise TaxonomyFormatError("body", "taxonomy must be a JSON object with 'version' and 'nodes'")
    version = data.get("version")
    if not isinstance(version, str) or not version.strip():
        raise TaxonomyFormatError("version", "taxonomy 'version' must be a non-empty string")
    raw_nodes = data.get("nodes")
    if not isinstance(raw_nodes, list) or not raw_nodes:
        raise TaxonomyFormatError("nodes", "taxonomy 'nodes' must be a non-empty list")
    nodes: list[TaxonomyNode] = []
    seen: set[str] = set()
    for position, raw in enumerate(raw_nodes):
        node = _node_from_dict(raw, position)
        if node.node_id in seen:
            raise TaxonomyFormatError(f"nodes[{position}].node_id", f"duplicate node_id {node.node_id!r} (nodes[{position}])")
        seen.add(node.node_id)
        nodes.append(node)
    return Taxonomy(version=version, nodes=tuple(nodes))


def _node_from_dict(raw: Any, position: int) -> TaxonomyNode:
    path = where = f"nodes[{position}]"
    if not isinstance(raw, dict):
        raise TaxonomyFormatError(path, f"{where} must be an object")
    for field in ("node_id", "area", "subarea", "conceito"):
        value = raw.get(field)
        if not isinstance(value, str) or not value.strip():
            raise TaxonomyFormatError(f"{path}.{field}", f"{where}.{field} must be a non-empty string")
    where = f"{where} ({raw['node_id']!r})"
    keywords = raw.get("keywords")
    if not isinstance(keywords, list) or not keywords:
        raise TaxonomyFormatError(f"{path}.keywords", f"{where}.keywords must be a non-empty list of strings")
    if not all(isinstance(k, str) and k.strip() for k in keywords):
        raise TaxonomyFormatError(f"{path}.keywords", f"{where}.keywords must contain only non-empty strings")
    nivel = raw.get("nivel")
    if nivel is not None and nivel not in _LEVELS:
        raise TaxonomyFormatError(f"{path}.nivel", f"{where}.nivel must be one of {sorted(_LEVELS)} or null, got {nivel!r}")
    critico = raw.get("critico", False)
    if not isinstance(critico, bool):
        raise TaxonomyFormatError(f"{path}.critico", f"{where}.critico must be a boolean")
    descricao = raw.get("descricao", "")
    if not isinstance(descricao, str):
        raise TaxonomyFormatError(f"{path}.descricao", f"{where}.descricao must be a string")
    return TaxonomyNode(
        node_id=raw["node_id"].strip(),
        area=raw["area"].strip(),
        subarea=raw["subarea"].strip(),
        conceito=raw["conceito"].strip(),
        descricao=descricao,
        keywords=tuple(k.strip() for k in keywords),
        nivel=_LEVELS[nivel] if nivel is not None else None,
        critico=critico,
    )


def taxonomy_to_dict(taxonomy: Taxonomy) -> dict[str, Any]:
    """The JSON form of a Taxonomy (inverse of taxonomy_from_dict)."""
    return {
        "version": taxonomy.version,
        "nodes": [
            {
                "node_id": n.node_id,
                "area": n.area,
                "subarea": n.subarea,
                "conceito": n.conceito,
                "descricao": n.descricao,
                "keywords": list(n.keywords),
                "nivel": n.nivel.value if n.nivel is not None else None,
                "critico": n.critico,
            }
            for n in taxonomy.nodes
        ],
    }


def load_default_taxonomy() -> Taxonomy:
    """The default taxonomy shipped with the service (adapters/mappers/data/)."""
    text = resources.files("adapters.mappers").joinpath("data", DEFAULT_TAXONOMY_FILE).read_text("utf-8")
    return taxonomy_from_dict(json.loads(text))
