"""kg.views: NetworkX views built from the RDF export, and their GraphML."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest
from conftest import A1, BASE

from kg.errors import KgError
from kg.models import KnowledgeBase
from kg.query import load_graph
from kg.rdf import to_dataset
from kg.views import VIEWS, comention_view, full_view, places_view, programs_view, write_graphml, write_view


def n(key: str) -> str:
    return f"{BASE}/{key}"


def test_full_view_nodes_carry_label_type_level_code(kb: KnowledgeBase) -> None:
    G = full_view(to_dataset(kb, BASE))
    assert G.number_of_nodes() == len(kb.entities) == 14
    county = G.nodes[n("place/370831")]
    assert county["label"] == "泗水县" and county["type"] == "AdministrativeArea"
    assert county["level"] == "县" and county["code"] == "370831" and county["iri"] == n("place/370831")
    assert county["articles"] == 1 and county["aliases"] == ["泗水"] and county["linked"] is True
    zone = G.nodes[n("place/taibaihu-xinqu")]
    assert zone["type"] == "AdministrativeArea" and zone["level"] == "功能区" and "code" not in zone
    assert G.nodes[n("place/weishanhu")]["type"] == "Place"
    assert G.nodes[n("org/wenshangxian-caizhengju")]["type"] == "Organization"
    assert G.nodes[n("program/siyi-liang-gongkai")]["type"] == "Program"
    assert G.nodes[n("person/zhang-ya")]["type"] == "Person"


def test_full_view_edges_are_relations_with_label_and_weight(kb: KnowledgeBase) -> None:
    G = full_view(to_dataset(kb, BASE))
    runs = G.get_edge_data(n("place/370831107202"), n("program/siyi-liang-gongkai"))
    assert runs == {"runs": {"label": "runs", "predicate": "https://kg.example.org/ns#runs", "weight": 1}}
    assert "containedInPlace" in G.get_edge_data(n("place/370831107201"), n("place/370831107"))
    assert "operatesIn" in G.get_edge_data(n("org/wenshangxian-caizhengju"), n("place/370830"))
    # entity descriptions, mentions and selectors are not edges between entities
    assert all(d["label"] in {"containedInPlace", "runs", "operatesIn"} for _, _, d in G.edges(data=True))


def test_full_view_with_articles_adds_mentions_and_credits(kb: KnowledgeBase) -> None:
    G = full_view(to_dataset(kb, BASE), articles=True)
    a1 = f"{BASE}/article/{A1}"
    assert G.nodes[a1]["type"] == "NewsArticle" and G.nodes[a1]["label"] == "三个坚持 推动驻村工作提质增效"
    labels = {d["label"] for _, v, d in G.out_edges(a1, data=True)}
    assert labels == {"mentions", "author", "publisher"}
    assert G.get_edge_data(a1, n("place/370831"))["mentions"]["weight"] == 1


def test_places_view_is_the_administrative_tree(kb: KnowledgeBase) -> None:
    T = places_view(to_dataset(kb, BASE))
    assert all(d["type"] == "AdministrativeArea" for _, d in T.nodes(data=True))
    assert nx.is_directed_acyclic_graph(T)
    path = nx.shortest_path(T, n("place/370831107202"), n("place/370000"))
    assert [T.nodes[p]["label"] for p in path] == ["东琴柏村", "杨柳镇", "泗水县", "济宁市", "山东省"]
    assert T.out_degree(n("place/370000")) == 0


def test_programs_and_comention_views(kb: KnowledgeBase) -> None:
    ds = to_dataset(kb, BASE)
    P = programs_view(ds)
    assert set(P.nodes) == {n("place/370831107202"), n("program/siyi-liang-gongkai")}
    C = comention_view(ds)
    # article 1 mentions 6 entities (15 pairs), article 2 mentions 3 (3 pairs); no pair is shared
    assert C.number_of_edges() == 18
    assert C.edges[n("place/370831"), n("person/wu-xiulin")]["weight"] == 1
    assert set(VIEWS) == {"full", "places", "programs", "comention"}


def test_views_from_turtle_equal_views_from_the_dataset(kb: KnowledgeBase, graph_ttl: Path) -> None:
    from_ds = full_view(to_dataset(kb, BASE), articles=True)
    from_file = full_view(load_graph(graph_ttl), articles=True)
    assert dict(from_ds.nodes(data=True)) == dict(from_file.nodes(data=True))
    assert sorted(from_ds.edges(keys=True)) == sorted(from_file.edges(keys=True))


def test_graphml_reads_back_with_flat_label_and_type(tmp_path: Path, kb: KnowledgeBase) -> None:
    G = full_view(to_dataset(kb, BASE), articles=True)
    path = write_graphml(G, tmp_path / "full.graphml")
    H = nx.read_graphml(path)
    assert H.number_of_nodes() == G.number_of_nodes()
    assert H.number_of_edges() == G.number_of_edges()
    for node, data in H.nodes(data=True):
        assert isinstance(data["label"], str) and data["label"], node
        assert isinstance(data["type"], str) and data["type"], node
        assert all(v is not None for v in data.values())
    assert H.nodes[n("place/370800")]["aliases"] == "济宁"
    assert H.nodes[n("place/370831")]["linked"] is True
    assert H.nodes[n("place/370831")]["articles"] == 1
    ids = [k for _, _, k in H.edges(keys=True)]
    assert len(ids) == len(set(ids))
    for _, _, data in H.edges(data=True):
        assert data["label"] and data["weight"] >= 1


def test_graphml_flattens_awkward_values(tmp_path: Path) -> None:
    from datetime import date
    from decimal import Decimal

    G = nx.DiGraph()
    G.add_node("b", label="x\x01y\nz", type="T", when=date(2024, 5, 1), amount=Decimal("2.55E+5"),
               parts=["甲", "乙"], missing=None, ok=False)
    G.add_node("a", label="a", type="T", amount=3)
    G.add_edge("b", "a", label="r", weight=2)
    H = nx.read_graphml(write_graphml(G, tmp_path / "g.graphml"))
    assert H.nodes["b"]["label"] == "xy z"
    assert H.nodes["b"]["when"] == "2024-05-01"
    assert H.nodes["b"]["amount"] == "255000" and H.nodes["a"]["amount"] == "3"  # one type per key
    assert H.nodes["b"]["parts"] == "甲;乙"
    assert "missing" not in H.nodes["b"] and H.nodes["b"]["ok"] is False


def test_graphml_is_deterministic_and_atomic(tmp_path: Path, kb: KnowledgeBase) -> None:
    G = full_view(to_dataset(kb, BASE))
    first = write_graphml(G, tmp_path / "a.graphml").read_bytes()
    shuffled = nx.MultiDiGraph()
    shuffled.add_nodes_from(reversed(list(G.nodes(data=True))))
    shuffled.add_edges_from(reversed(list(G.edges(keys=True, data=True))))
    assert write_graphml(shuffled, tmp_path / "b.graphml").read_bytes() == first
    assert first.startswith(b"<?xml") and "泗水县".encode() in first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.graphml", "b.graphml"]


def test_write_view_from_a_file(tmp_path: Path, graph_ttl: Path) -> None:
    out = write_view(graph_ttl, tmp_path / "places.graphml", "places")
    assert nx.read_graphml(out).number_of_edges() == 7
    with pytest.raises(KgError, match="unknown view"):
        write_view(graph_ttl, tmp_path / "x.graphml", "nope")
