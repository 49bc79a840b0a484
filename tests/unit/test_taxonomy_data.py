"""The default taxonomy shipped with the service loads, validates and covers the expected areas."""

from __future__ import annotations

import re

import pytest

from adapters.mappers.taxonomy_json import load_default_taxonomy, taxonomy_from_dict, taxonomy_to_dict


INSTITUTIONS = re.compile(
    r"\b(usp|unicamp|unesp|ufsc|unb|ufmg|ufrj|ufpr|ifpr|utfpr|ufop|ufmt|ufg|unipar|uri|unirio|ufrgs|"
    r"ufpe|ufba|ufc|puc|mackenzie|fgv|ita|ime|sbu)\b"
)


def test_default_taxonomy_loads_with_enough_concepts():
    taxonomy = load_default_taxonomy()
    assert re.fullmatch(r"default-\d{4}\.\d{2}(\.\d+)?", taxonomy.version)
    assert len(taxonomy.nodes) >= 400
    ids = [n.node_id for n in taxonomy.nodes]
    assert len(ids) == len(set(ids))


def test_default_taxonomy_has_the_expected_areas():
    areas = {n.area for n in load_default_taxonomy().nodes}
    assert len(areas) >= 8
    expected = {"computacao", "matematica", "fisica", "estatistica", "administracao",
                "contabilidade", "economia", "metodologia", "direito", "saude", "quimica"}
    assert expected <= areas


def test_every_node_is_well_formed():
    for node in load_default_taxonomy().nodes:
        assert node.keywords, node.node_id
        assert all(k.strip() for k in node.keywords), node.node_id
        assert node.conceito and node.area and node.subarea, node.node_id


def test_every_node_has_a_real_distinct_description():
    nodes = load_default_taxonomy().nodes
    for node in nodes:
        text = node.descricao.strip()
        assert len(text) >= 40 and text.endswith("."), node.node_id
        assert text != f"{node.conceito} ({node.subarea}).", node.node_id
        assert not text.endswith(f"({node.subarea})."), node.node_id  # the old placeholder form
    assert len({n.descricao for n in nodes}) == len(nodes)


def test_no_institution_is_named_anywhere():
    for node in load_default_taxonomy().nodes:
        for text in (node.conceito, node.descricao, *node.keywords):
            assert not INSTITUTIONS.search(text.lower()), (node.node_id, text)


def test_every_area_has_several_subareas_and_levels():
    nodes = load_default_taxonomy().nodes
    for area in {n.area for n in nodes}:
        mine = [n for n in nodes if n.area == area]
        assert len(mine) >= 10, area
        assert all(n.nivel is not None for n in mine), area


def test_critical_flags_are_used_sparingly():
    nodes = load_default_taxonomy().nodes
    assert 0 < sum(n.critico for n in nodes) <= len(nodes) // 10


def test_round_trip():
    taxonomy = load_default_taxonomy()
    assert taxonomy_from_dict(taxonomy_to_dict(taxonomy)) == taxonomy


def _node(**over):
    base = {"node_id": "x.a", "area": "a", "subarea": "s", "conceito": "C", "keywords": ["k"],
            "nivel": None, "critico": False}
    base.update(over)
    return base


@pytest.mark.parametrize(
    ("nodes", "message"),
    [
        ([_node(), _node()], "duplicate node_id"),
        ([_node(keywords=[])], "keywords"),
        ([_node(keywords=["  "])], "keywords"),
        ([_node(nivel="expert")], "nivel"),
        ([_node(node_id="")], "node_id"),
        ([], "nodes"),
    ],
)
def test_invalid_taxonomies_are_rejected_with_a_clear_message(nodes, message):
    with pytest.raises(ValueError, match=message):
        taxonomy_from_dict({"version": "v1", "nodes": nodes})
