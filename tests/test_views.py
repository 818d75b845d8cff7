"""kg.views: NetworkX views built from the RDF export, and their GraphML."""

from __future__ import annotations

import csv
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import networkx as nx
import pytest
from conftest import A1, BASE

from kg.errors import KgError
from kg.models import KnowledgeBase, PageMetadata
from kg.query import load_graph
from kg.rdf import to_dataset
from kg.views import (
    VIEW_FORMATS,
    VIEWS,
    build_view,
    comention_view,
    export_view,
    flatten,
    full_view,
    node_size,
    places_view,
    programs_view,
    view_files,
    write_graphml,
    write_view,
    write_view_exports,
)


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


# ------------------------------------------------------------------ Gephi files

AWKWARD_NODES = {
    "b": {"label": "x\x01y\nz", "type": "T", "when": date(2024, 5, 1), "amount": Decimal("2.55E+5"),
          "parts": ["甲", "乙"], "missing": None, "ok": False, "score": 1.5},
    "a": {"label": "a", "type": "T", "amount": 3, "ok": True, "score": 2},
    "c\x02": {},  # no label, no type, a control character in the id
}


def awkward_graph() -> nx.MultiDiGraph:
    """None, list, Decimal, date, boolean, control-character and parallel-edge data in one graph."""
    G = nx.MultiDiGraph()
    for node, attrs in AWKWARD_NODES.items():
        G.add_node(node, **attrs)
    G.add_edge("b", "a", label="r", weight=2)
    G.add_edge("b", "a", label="r", weight=Decimal("0.5"), note=None)  # parallel, same label
    G.add_edge("b", "a", label="s", type="odd", id="dup", start="not a date")
    G.add_edge("a", "c\x02", weight="heavy", tags={"乙", "甲"})
    return G


def test_awkward_graph_exports_in_every_format_and_reads_back(tmp_path: Path) -> None:
    G = awkward_graph()
    H = nx.read_graphml(export(G, tmp_path, "graphml")[0])
    assert (H.number_of_nodes(), H.number_of_edges()) == (3, 4)
    assert H.nodes["b"]["label"] == "xy z" and H.nodes["c"]["label"] == "c" and H.nodes["c"]["type"] == "Thing"
    assert H.nodes["b"]["when"] == "2024-05-01" and H.nodes["b"]["amount"] == "255000"
    assert H.nodes["a"]["amount"] == "3"  # one type per key: text, as 255000 was
    assert H.nodes["b"]["score"] == 1.5 and H.nodes["a"]["score"] == 2.0  # ints and floats: floats
    assert H.nodes["b"]["parts"] == "甲;乙" and "missing" not in H.nodes["b"]
    assert H.nodes["b"]["ok"] is False and H.nodes["a"]["ok"] is True
    assert sorted(d["weight"] for _, _, d in H.edges(data=True)) == [0.5, 1.0, 1.0, 2.0]
    X = nx.read_gexf(export(G, tmp_path, "gexf")[0])
    assert (X.number_of_nodes(), X.number_of_edges()) == (3, 4)
    assert X.nodes["b"]["label"] == "xy z"
    nodes, edges = export(G, tmp_path, "csv")
    assert len(read_csv(nodes)) == 3 and len(read_csv(edges)) == 4


def test_graphml_has_named_keys_lower_case_booleans_and_unique_edge_ids(tmp_path: Path) -> None:
    text = export(awkward_graph(), tmp_path, "graphml")[0].read_text(encoding="utf-8")
    assert '<key id="label" for="node" attr.name="label" attr.type="string"' in text
    assert '<key id="type" for="node" attr.name="type" attr.type="string"' in text
    assert '<key id="edge_label" for="edge" attr.name="label" attr.type="string"' in text
    assert '<data key="ok">false</data>' in text and '<data key="ok">true</data>' in text
    assert "True" not in text and "False" not in text
    ids = re.findall(r'<edge [^>]*id="([^"]+)"', text)
    assert ids == ["e0", "e1", "e2", "e3"]
    assert "\x01" not in text and "\x02" not in text


def test_graphml_reads_back_in_igraph_with_the_same_counts(tmp_path: Path, graph_ttl: Path) -> None:
    import igraph  # a dev dependency: a second, independent GraphML reader
    for view in VIEWS:
        (path,) = export_view(graph_ttl, tmp_path / f"{view}.graphml", view, "graphml")
        H = nx.read_graphml(path)
        G = igraph.Graph.Read_GraphML(str(path))
        assert (G.vcount(), G.ecount()) == (H.number_of_nodes(), H.number_of_edges()), view
        assert all(G.vs["label"]) and all(G.vs["type"]), view
    G = igraph.Graph.Read_GraphML(str(export(awkward_graph(), tmp_path, "graphml")[0]))
    assert (G.vcount(), G.ecount()) == (3, 4)


def test_gexf_colours_by_type_and_sizes_by_degree(tmp_path: Path, kb: KnowledgeBase) -> None:
    G = full_view(to_dataset(kb, BASE))
    text = export(G, tmp_path, "gexf")[0].read_text(encoding="utf-8")
    assert 'version="1.2"' in text and "lastmodifieddate" not in text  # undated pages: no date at all
    county = re.search(r'<node id="' + re.escape(n("place/370831")) + r'" label="泗水县">.*?</node>', text, re.S)
    assert county is not None
    assert '<viz:color r="31" g="119" b="180" a="1.0"' in county.group()
    degree = G.degree(n("place/370831"))  # containedInPlace up to 济宁市, down from 杨柳镇
    assert degree == 2 and f'<viz:size value="{node_size(degree)}"' in county.group()
    X = nx.read_gexf(export(G, tmp_path, "gexf")[0])
    assert (X.number_of_nodes(), X.number_of_edges()) == (G.number_of_nodes(), G.number_of_edges())
    assert all(d.get("label") for _, d in X.nodes(data=True))
    assert X.nodes[n("program/siyi-liang-gongkai")]["viz"]["color"] == {"r": 44, "g": 160, "b": 44, "a": 1.0}


def test_dated_pages_give_gexf_a_timeline(tmp_path: Path, kb: KnowledgeBase) -> None:
    dated = kb.model_copy(update={
        "articles": [a.model_copy(update={"metadata": PageMetadata(newspaper="济宁日报", date=date(2024, 5, 1))})
                     for a in kb.articles]})
    G = full_view(to_dataset(dated, BASE))
    assert G.nodes[n("place/370831107202")]["start"] == "2024-05-01"
    assert "start" not in G.nodes[n("place/370000")]  # never mentioned: always present
    runs = G.get_edge_data(n("place/370831107202"), n("program/siyi-liang-gongkai"))["runs"]
    assert runs["start"] == "2024-05-01"
    text = export(G, tmp_path, "gexf")[0].read_text(encoding="utf-8")
    assert 'mode="dynamic"' in text and 'timeformat="date"' in text and 'lastmodifieddate="2024-05-01"' in text
    X = nx.read_gexf(tmp_path / "g.gexf")
    assert X.nodes[n("place/370831107202")]["start"] == "2024-05-01"
    C = comention_view(to_dataset(dated, BASE))
    assert C.edges[n("place/370831"), n("person/wu-xiulin")]["start"] == "2024-05-01"


def test_csv_node_and_edge_lists_use_gephi_columns(tmp_path: Path, kb: KnowledgeBase) -> None:
    G = places_view(to_dataset(kb, BASE))
    nodes_path, edges_path = export(G, tmp_path, "csv")
    assert (nodes_path.name, edges_path.name) == ("g.nodes.csv", "g.edges.csv")
    nodes, edges = read_csv(nodes_path), read_csv(edges_path)
    assert list(nodes[0])[:3] == ["Id", "Label", "Type"]
    assert list(edges[0])[:6] == ["Source", "Target", "Type", "Id", "Label", "Weight"]
    assert len(nodes) == 8 and len(edges) == 7
    county = next(r for r in nodes if r["Id"] == n("place/370831"))
    assert county["Label"] == "泗水县" and county["Type"] == "AdministrativeArea" and county["code"] == "370831"
    assert county["aliases"] == "泗水" and county["linked"] == "true"
    up = next(r for r in edges if r["Source"] == n("place/370831"))
    assert up == {**up, "Target": n("place/370800"), "Type": "Directed", "Label": "containedInPlace",
                  "Weight": "1"}
    C = comention_view(to_dataset(kb, BASE))
    _, c_edges = export(C, tmp_path, "csv")
    assert {r["Type"] for r in read_csv(c_edges)} == {"Undirected"}


def test_export_view_writes_every_format_of_every_view(tmp_path: Path, graph_ttl: Path) -> None:
    for view in VIEWS:
        G = build_view(load_graph(graph_ttl), view)
        (graphml,) = export_view(graph_ttl, tmp_path / view, view, "graphml")
        (gexf,) = export_view(graph_ttl, tmp_path / view, view, "gexf")
        nodes, edges = export_view(graph_ttl, tmp_path / f"{view}.csv", view, "csv")
        assert (graphml.name, gexf.name, nodes.name, edges.name) == (
            f"{view}.graphml", f"{view}.gexf", f"{view}.nodes.csv", f"{view}.edges.csv")
        counts = (G.number_of_nodes(), G.number_of_edges())
        assert (nx.read_graphml(graphml).number_of_nodes(), nx.read_graphml(graphml).number_of_edges()) == counts
        assert (nx.read_gexf(gexf).number_of_nodes(), nx.read_gexf(gexf).number_of_edges()) == counts
        assert (len(read_csv(nodes)), len(read_csv(edges))) == counts
    with pytest.raises(KgError, match="unknown view format 'dot'"):
        export_view(graph_ttl, tmp_path / "x", "full", "dot")


def test_write_view_exports_writes_the_full_view_for_the_build(tmp_path: Path, kb: KnowledgeBase) -> None:
    paths = write_view_exports(to_dataset(kb, BASE), tmp_path)
    assert {k: p.name for k, p in paths.items()} == {
        "graphml": "graph.graphml", "gexf": "graph.gexf", "csv-nodes": "graph.nodes.csv",
        "csv-edges": "graph.edges.csv"}
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in paths.values())


def export(G: nx.Graph, tmp_path: Path, fmt: str) -> list[Path]:
    spec = VIEW_FORMATS[fmt]
    files = view_files(tmp_path / f"g{spec.extension}", fmt)
    written = []
    for part, data in spec.render(G).items():
        files[part].write_bytes(data)
        written.append(files[part])
    return written


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_the_store_view_equals_the_rdflib_view(kb: KnowledgeBase) -> None:
    """A build writes its Gephi files from the Oxigraph store: the same bytes as from the rdflib Dataset."""
    from kg.rdf import QuadData, dataset_of
    from kg.store import load_store
    from kg.views import full_view_store, render_graphml

    data = QuadData.from_kb(kb, BASE)
    assert render_graphml(flatten(full_view_store(load_store(data.quads)))) == render_graphml(
        flatten(full_view(dataset_of(data))))
