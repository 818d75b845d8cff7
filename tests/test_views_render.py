"""kg.views writes GraphML, GEXF and CSV as streams: the same bytes networkx's writers gave.

The reference below is the networkx-based code kg.views used before (an
ElementTree of the whole file); every file the streaming writers give is
compared with it byte for byte, on the fixture's views, on awkward graphs
(undirected, parallel edges, self-loops, reserved names, escapes, empty
strings, graph attributes, repeated ids) and on the sample build's view.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections import defaultdict
from datetime import date, datetime, time
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from conftest import BASE
from networkx.readwrite.gexf import GEXFWriter
from networkx.readwrite.graphml import GraphMLWriter

from kg.models import KnowledgeBase, PageMetadata
from kg.rdf import to_dataset
from kg.views import (
    OTHER_COLOR,
    TYPE_COLORS,
    VIEW_FORMATS,
    FlatGraph,
    comention_view,
    flatten,
    full_view,
    node_size,
    places_view,
    programs_view,
    render_csv,
    render_gexf,
    render_graphml,
    write_view_exports,
)

# ------------------------------------------------------------------ the reference: flatten as it was

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")


def _ref_clean(text: str) -> str:
    return _CONTROL.sub(lambda m: " " if m.group() in "\t\n\r" else "", text)


def _ref_flat(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return format(value, "f") if value.is_finite() else None
    if isinstance(value, date | datetime | time):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        value = sorted(value, key=str)
    if isinstance(value, list | tuple):
        parts = [_ref_flat(v) for v in value]
        return ";".join(_ref_clean(_text(p)) for p in parts if p is not None)
    return _ref_clean(str(value))


def _ref_one_type_per_key(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    kinds: dict[str, set[type]] = defaultdict(set)
    for d in items:
        for k, v in d.items():
            kinds[k].add(type(v))

    def fix(k: str, v: Any) -> Any:
        ts = kinds[k]
        if len(ts) == 1:
            return v
        if ts <= {int, float}:
            return float(v)
        return _text(v)

    return [{k: fix(k, v) for k, v in sorted(d.items())} for d in items]


def _ref_weight(value: Any) -> int | float:
    if isinstance(value, bool) or value is None:
        return 1
    if isinstance(value, int | float):
        return value if math.isfinite(value) else 1
    try:
        number = float(str(value))
    except ValueError:
        return 1
    return number if math.isfinite(number) else 1


def _ref_flat_dict(d: dict[Any, Any]) -> dict[str, Any]:
    return {_ref_clean(str(k)): v for k, raw in d.items()
            if (v := _ref_flat(raw)) is not None and _ref_clean(str(k))}


def reference_flatten(G: nx.Graph) -> FlatGraph:
    flat = FlatGraph(directed=G.is_directed(), graph=_ref_flat_dict(dict(G.graph)))
    raw_nodes = sorted(((_ref_clean(str(n)), a) for n, a in G.nodes(data=True)), key=lambda x: x[0])
    node_attrs = []
    for node, attrs in raw_nodes:
        d = _ref_flat_dict(attrs)
        d["label"] = _text(d["label"]) if d.get("label") not in (None, "") else node
        d["type"] = _text(d["type"]) if d.get("type") not in (None, "") else "Thing"
        node_attrs.append(d)
    flat.nodes = list(zip([n for n, _ in raw_nodes], _ref_one_type_per_key(node_attrs), strict=True))
    raw_edges = []
    for u, v, attrs in G.edges(data=True):
        d = _ref_flat_dict({k: a for k, a in attrs.items() if k not in ("weight", "id")})
        d["label"] = _text(d.get("label", ""))
        d["weight"] = _ref_weight(attrs.get("weight"))
        raw_edges.append((_ref_clean(str(u)), _ref_clean(str(v)), d))
    raw_edges.sort(key=lambda e: (e[0], e[1], str(e[2]["label"]), repr(sorted(e[2].items()))))
    fixed = _ref_one_type_per_key([e[2] for e in raw_edges])
    flat.edges = [(u, v, f"e{i}", a) for i, ((u, v, _), a) in enumerate(zip(raw_edges, fixed, strict=True))]
    return flat


def as_lists(flat: FlatGraph) -> tuple[Any, ...]:
    """Everything a file is written from, attribute order included."""
    return (flat.directed, [(n, list(a.items())) for n, a in flat.nodes],
            [(u, v, i, list(a.items())) for u, v, i, a in flat.edges], list(flat.graph.items()))


def flat_as_before(G: nx.Graph) -> FlatGraph:
    """``flatten(G)``, checked against the reference (values, types and order)."""
    flat = flatten(G)
    assert as_lists(flat) == as_lists(reference_flatten(G))
    assert [type(v) for _, a in flat.nodes for v in a.values()] == [
        type(v) for _, a in reference_flatten(G).nodes for v in a.values()]
    return flat


# ------------------------------------------------------------------ the reference: networkx's writers

_NMTOKEN_BAD = re.compile(r"[^\w.\-:]")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class _RefGraphMLWriter(GraphMLWriter):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__(encoding="utf-8", prettyprint=True)
        self._ids: set[str] = set()

    def get_key(self, name: str, attr_type: str, scope: str, default: Any) -> str:
        keys_key = (name, attr_type, scope)
        if keys_key not in self.keys:
            base = _NMTOKEN_BAD.sub("_", name if scope == "node" else f"{scope}_{name}") or "key"
            key_id, n = base, 1
            while key_id in self._ids:
                n += 1
                key_id = f"{base}_{n}"
            self._ids.add(key_id)
            self.keys[keys_key] = key_id
            key = self.myElement("key", **{"id": key_id, "for": scope, "attr.name": name, "attr.type": attr_type})
            self.xml.insert(0, key)
        return self.keys[keys_key]  # type: ignore[no-any-return]

    def add_data(self, name: str, element_type: Any, value: Any, scope: str = "all", default: Any = None) -> Any:
        element = super().add_data(name, element_type, value, scope, default)
        if element_type is bool:
            element.text = element.text.lower()
        return element

    def sort_keys(self) -> None:
        keys = [k for k in self.xml if k.tag.endswith("key")]
        order = {"graph": 0, "node": 1, "edge": 2, "all": 3}
        first = {"label": 0, "type": 1}
        keys.sort(key=lambda k: (order.get(k.get("for", ""), 4), first.get(k.get("attr.name", ""), 2),
                                 k.get("attr.name", ""), k.get("id", "")))
        for k in keys:
            self.xml.remove(k)
        for i, k in enumerate(keys):
            self.xml.insert(i, k)


def reference_graphml(flat: FlatGraph) -> bytes:
    H: nx.MultiGraph = nx.MultiDiGraph() if flat.directed else nx.MultiGraph()
    H.graph.update(flat.graph)
    for node, attrs in flat.nodes:
        H.add_node(node, **attrs)
    for u, v, key, attrs in flat.edges:
        H.add_edge(u, v, key=key, **attrs)
    writer = _RefGraphMLWriter()
    writer.add_graph_element(H)
    writer.sort_keys()
    buf = BytesIO()
    writer.dump(buf)
    return buf.getvalue()


_GEXF_NODE_RESERVED = {"id", "pid", "start", "end", "viz", "parents", "slices", "spells"}
_GEXF_EDGE_RESERVED = {"id", "type", "start", "end", "viz", "slices", "spells", "key", "networkx_key"}


def _gexf_attrs(attrs: dict[str, Any], reserved: set[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in attrs.items():
        if k == "start" and isinstance(v, str) and _ISO_DATE.fullmatch(v):
            out["start"] = v
        elif k in reserved:
            out[f"{k}_attr"] = v
        else:
            out[k] = v
    return out


class _RefGEXFWriter(GEXFWriter):  # type: ignore[misc]
    def __init__(self, lastmodified: str | None) -> None:
        super().__init__(encoding="utf-8", prettyprint=True, version="1.2draft")
        meta = self.xml.find("meta")
        assert meta is not None
        if lastmodified:
            meta.set("lastmodifieddate", lastmodified)
        else:
            meta.attrib.pop("lastmodifieddate", None)
        description = meta.makeelement("description", {})
        description.text = "kg knowledge graph view: colour = type, size = degree"
        meta.append(description)

    def add_attributes(self, node_or_edge: str, xml_obj: Any, data: dict[str, Any], default: Any) -> Any:
        if node_or_edge == "edge":
            data = {k: v for k, v in data.items() if k != "key"}
        return super().add_attributes(node_or_edge, xml_obj, data, default)


def reference_gexf(flat: FlatGraph) -> bytes:
    degree = flat.degree()
    H: nx.MultiGraph = nx.MultiDiGraph() if flat.directed else nx.MultiGraph()
    dates: list[str] = []
    for node, attrs in flat.nodes:
        r, g, b = TYPE_COLORS.get(str(attrs["type"]), OTHER_COLOR)
        data = _gexf_attrs(attrs, _GEXF_NODE_RESERVED)
        data["viz"] = {"color": {"r": r, "g": g, "b": b, "a": 1.0}, "size": node_size(degree[node])}
        dates += [data["start"]] if "start" in data else []
        H.add_node(node, **data)
    for u, v, key, attrs in flat.edges:
        data = _gexf_attrs(attrs, _GEXF_EDGE_RESERVED)
        dates += [data["start"]] if "start" in data else []
        H.add_edge(u, v, key=key, id=key, **data)
    writer = _RefGEXFWriter(max(dates) if dates else None)
    writer.add_graph(H)
    buf = BytesIO()
    writer.write(buf)
    return buf.getvalue()


def _text(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _csv_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def _columns(items: list[dict[str, Any]], fixed: dict[str, str]) -> tuple[list[str], list[str]]:
    taken = {c.lower() for c in fixed.values()}
    keys = sorted({k for d in items for k in d} - set(fixed))
    return list(fixed.values()) + [f"{k}_attr" if k.lower() in taken else k for k in keys], keys


def reference_csv(flat: FlatGraph) -> dict[str, bytes]:
    headers, keys = _columns([a for _, a in flat.nodes], {"label": "Label", "type": "Type"})
    rows = [[node, _text(a["label"]), _text(a["type"])] + [_text(a[k]) if k in a else "" for k in keys]
            for node, a in flat.nodes]
    e_headers, e_keys = _columns([a for _, _, _, a in flat.edges], {
        "source": "Source", "target": "Target", "type": "Type", "id": "Id", "label": "Label", "weight": "Weight"})
    direction = "Directed" if flat.directed else "Undirected"
    e_rows = [[u, v, direction, eid, _text(a["label"]), _text(a["weight"])]
              + [_text(a[k]) if k in a else "" for k in e_keys] for u, v, eid, a in flat.edges]
    return {".nodes": _csv_bytes(["Id", *headers], rows), ".edges": _csv_bytes(e_headers, e_rows)}


def assert_same_files(flat: FlatGraph) -> None:
    """Every format of ``flat``: the same bytes as the reference writers."""
    assert render_graphml(flat)[""] == reference_graphml(flat)
    assert render_gexf(flat)[""] == reference_gexf(flat)
    assert render_csv(flat) == reference_csv(flat)


# ------------------------------------------------------------------ graphs


def awkward() -> nx.MultiDiGraph:
    G = nx.MultiDiGraph()
    G.add_node("b", label="x\x01y\nz", type="T", when=date(2024, 5, 1), amount=Decimal("2.55E+5"),
               parts=["甲", "乙"], missing=None, ok=False, score=1.5, key="k", viz="v", pid=3, end="e")
    G.add_node("a", label='a & <b> "c"', type="Place", amount=3, ok=True, score=2, start="2023-01-02",
               edge_label="clash", empty="")
    G.add_node("c\x02", start="not a date")
    G.add_edge("b", "a", label="r", weight=2, start="2024-05-01")
    G.add_edge("b", "a", label="r", weight=Decimal("0.5"), note=None)
    G.add_edge("b", "a", label="s", type="odd", id="dup", start="not a date", key="k", end="x")
    G.add_edge("a", "c\x02", weight="heavy", tags={"乙", "甲"}, networkx_key=1)
    G.add_edge("a", "a", label="", weight=1.25)  # a self-loop with an empty label
    G.add_edge("b", "a", label="r", weight=2, note="z")  # ties with the first edge up to its attributes
    G.add_edge("b", "a", label="r", weight=2, note="y", extra=float("nan"))
    G.add_node("d", label="\x03", type="", **{"\x04": "gone", "k\x05": 1, "k": 2.5, "t": datetime(2024, 1, 2, 3, 4)})
    G.add_node("c", label=Decimal("1.5"), type=7, x=(1, None, "a\tb"))  # "c\x02" cleans to "c" too
    return G


def undirected() -> nx.MultiGraph:
    G = nx.MultiGraph()
    for name in ("d", "c", "b", "a"):
        G.add_node(name, label=name.upper(), type="Organization")
    G.add_edge("d", "a", label="comention", weight=3)  # flattened as (d, a): networkx reports (a, d)
    G.add_edge("c", "b", label="comention", weight=1)
    G.add_edge("c", "c", label="self", weight=1)
    G.add_edge("b", "d", label="comention", weight=2, start="2024-01-01")
    return G


def test_the_fixture_views_are_written_as_before(kb: KnowledgeBase) -> None:
    ds = to_dataset(kb, BASE)
    for G in (full_view(ds), full_view(ds, articles=True), places_view(ds), programs_view(ds), comention_view(ds)):
        assert_same_files(flat_as_before(G))


def test_dated_views_are_written_as_before(kb: KnowledgeBase) -> None:
    dated = kb.model_copy(update={"articles": [
        a.model_copy(update={"metadata": PageMetadata(date=date(2024, 5, i + 1))}) for i, a in enumerate(kb.articles)]})
    ds = to_dataset(dated, BASE)
    for G in (full_view(ds), full_view(ds, articles=True), comention_view(ds)):
        assert_same_files(flat_as_before(G))


def test_awkward_graphs_are_written_as_before() -> None:
    assert_same_files(flat_as_before(awkward()))
    assert_same_files(flat_as_before(undirected()))
    assert_same_files(flat_as_before(nx.MultiDiGraph()))
    assert_same_files(flat_as_before(nx.Graph()))
    only_nodes = nx.DiGraph(name="g", id="graph-1", weight=2)
    only_nodes.add_node("x", label="X", type="Person")
    assert_same_files(flat_as_before(only_nodes))


def test_hand_made_flat_graphs_are_written_as_before() -> None:
    """Repeated ids, unsorted edges and unknown endpoints: networkx's merging and order are kept."""
    flat = FlatGraph(directed=False, graph={"id": "g", "note": "n"})
    flat.nodes = [("b", {"label": "B", "type": "Place"}), ("a", {"label": "A", "type": "T", "x": 1}),
                  ("b", {"label": "B2", "type": "Person", "y": True})]
    flat.edges = [("b", "a", "e1", {"label": "l", "weight": 1}), ("a", "z", "e0", {"label": "m", "weight": 2.5}),
                  ("a", "b", "e1", {"label": "n", "weight": 3, "start": "2020-02-02"}),
                  ("z", "z", "e2", {"label": "o", "weight": 1})]
    # graphml and csv only: the reference GEXF writer needs a type on every node (z has none)
    assert render_graphml(flat)[""] == reference_graphml(flat)
    assert render_csv(flat) == reference_csv(flat)
    flat.directed = True
    assert render_graphml(flat)[""] == reference_graphml(flat)
    flat.nodes.append(("z", {"label": "Z", "type": "Program"}))
    assert_same_files(flat)
    flat.nodes.append(("u", {"type": "Person"}))  # no label (not a flattened graph): GEXF labels it with its id
    assert render_graphml(flat)[""] == reference_graphml(flat)
    assert render_gexf(flat)[""] == reference_gexf(flat)


def test_a_value_of_another_type_is_a_type_error() -> None:
    flat = FlatGraph(directed=True, nodes=[("a", {"label": "A", "type": "T", "x": Decimal(1)})])  # type: ignore[dict-item]
    with pytest.raises(TypeError, match="GraphML"):
        render_graphml(flat)
    with pytest.raises(TypeError, match="GEXF"):
        render_gexf(flat)
    mixed = FlatGraph(directed=True, nodes=[("a", {"label": "A", "type": "T", "x": 1}),
                                            ("b", {"label": "B", "type": "T", "x": Decimal(1)})])  # type: ignore[dict-item]
    for render in (render_graphml, render_gexf):
        with pytest.raises(TypeError):
            render(mixed)


def test_streams_equal_the_rendered_bytes(kb: KnowledgeBase) -> None:
    flat = flatten(full_view(to_dataset(kb, BASE), articles=True))
    for spec in VIEW_FORMATS.values():
        streamed = {part: b"".join(chunks) for part, chunks in spec.stream(flat).items()}
        assert streamed == spec.render(flat), spec.name


def test_a_failed_write_leaves_the_earlier_files(tmp_path: Path, kb: KnowledgeBase,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    ds = to_dataset(kb, BASE)
    paths = write_view_exports(ds, tmp_path)
    before = {p.name: p.read_bytes() for p in paths.values()}

    def broken(G: Any) -> dict[str, Any]:
        def chunks() -> Any:
            yield b"<?xml"
            raise RuntimeError("disk full")
        return {"": chunks()}

    monkeypatch.setattr("kg.views.VIEW_FORMATS", {**VIEW_FORMATS, "gexf": VIEW_FORMATS["gexf"].__class__(
        "gexf", ".gexf", render_gexf, broken)})
    with pytest.raises(RuntimeError, match="disk full"):
        write_view_exports(ds, tmp_path)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before  # no temporary file left either
