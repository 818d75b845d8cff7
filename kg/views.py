"""RDF → NetworkX views → GraphML, GEXF and CSV node/edge lists, for Gephi and graph analysis.

Views are built from the RDF graph (not the KnowledgeBase), so they work on
any export kg wrote, also after a user edited it (``kg.query.load_graph("outputs/graph.ttl")``):

    full        entities (and, on request, articles) with every relation between them
    places      the administrative tree: AdministrativeArea → schema:containedInPlace → parent
    programs    programs and the organizations and places linked to them
    comention   entities mentioned in the same article, weighted by the number of articles

Node attributes: ``label`` (Chinese name), ``type`` (AdministrativeArea, Place,
Organization, Program, Person; NewsArticle / Photograph for articles), ``iri``,
``level``, ``code``, ``pinyin``, ``aliases`` (list), ``linked``, ``articles``
(number of articles mentioning it) and ``start`` (the earliest
schema:datePublished of those articles, when the page metadata gives one).
Edge attributes: ``label`` (the predicate's local name: containedInPlace, runs,
operatesIn, mentions …), ``predicate`` (its IRI), ``weight`` (evidence count:
relation records, mentions or articles) and ``start`` where dated.

File formats are registered by name in :data:`VIEW_FORMATS` (``graphml``,
``gexf``, ``csv``); each renders bytes from one flattening step
(:func:`flatten`) that makes a graph safe for Gephi: nodes sorted with a
``label`` and a ``type``, unique edge ids ``e0 e1 …`` in sorted order (parallel
edges survive), attributes flat scalars (None dropped, lists joined with
``;``, Decimal and dates as text, control characters removed), one type per
attribute key. Every file is deterministic and written atomically.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from io import BytesIO
from itertools import combinations
from pathlib import Path
from typing import Any

import networkx as nx
import pyoxigraph as ox
from networkx.readwrite.gexf import GEXFWriter
from networkx.readwrite.graphml import GraphMLWriter
from rdflib import RDF, RDFS, SKOS, XSD, Dataset, Graph, Literal, URIRef
from rdflib.term import Node

from kg.errors import KgError
from kg.iris import KG, SCHEMA
from kg.rdf import PINYIN, atomic_write, union_graph

__all__ = [
    "TYPE_COLORS",
    "VIEWS",
    "VIEW_FORMATS",
    "FlatGraph",
    "comention_view",
    "export_view",
    "flatten",
    "full_view",
    "full_view_store",
    "places_view",
    "programs_view",
    "render_csv",
    "render_gexf",
    "render_graphml",
    "view_files",
    "write_graphml",
    "write_view",
    "write_view_exports",
]

# kg class → view type; the order is the scorer's (a county is also a schema:Place).
CLASS_TYPES: dict[URIRef, str] = {
    KG.AdministrativeArea: "AdministrativeArea",
    KG.FunctionalZone: "AdministrativeArea",
    KG.Organization: "Organization",
    KG.Program: "Program",
    KG.Person: "Person",
    KG.Place: "Place",
}
TYPE_ORDER = ("AdministrativeArea", "Organization", "Program", "Person", "Place")
ARTICLE_TYPES: dict[URIRef, str] = {SCHEMA.NewsArticle: "NewsArticle", SCHEMA.Photograph: "Photograph"}
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _local(iri: Node) -> str:
    return re.split(r"[#/]", str(iri))[-1]


def _union(g: Graph) -> Graph:
    return union_graph(g) if isinstance(g, Dataset) else g


def _first(values: Iterable[Node]) -> str | None:
    found = sorted(str(v) for v in values)
    return found[0] if found else None


def _label(g: Graph, node: Node) -> str:
    """The @zh rdfs:label, else another non-pinyin label, else the IRI's local name."""
    labels = [o for o in g.objects(node, RDFS.label) if isinstance(o, Literal)]
    zh = [o for o in labels if (o.language or "").lower() == "zh"]
    plain = [o for o in labels if (o.language or "").lower() != PINYIN]
    return _first(zh) or _first(plain) or _first(g.objects(node, SKOS.prefLabel)) or _local(node)


def _entity_types(g: Graph) -> dict[Node, str]:
    found: dict[Node, set[str]] = defaultdict(set)
    for cls, name in CLASS_TYPES.items():
        for s in g.subjects(RDF.type, cls):
            found[s].add(name)
    return {s: next(t for t in TYPE_ORDER if t in names) for s, names in found.items()}


def _article_dates(g: Graph) -> dict[Node, str]:
    """Article → ISO date: its schema:datePublished, else its page's (schema:isPartOf)."""
    dates: dict[Node, str] = {}
    for cls in ARTICLE_TYPES:
        for a in g.subjects(RDF.type, cls):
            own = [str(d) for d in g.objects(a, SCHEMA.datePublished) if _ISO_DATE.fullmatch(str(d))]
            page = [str(d) for p in g.objects(a, SCHEMA.isPartOf) for d in g.objects(p, SCHEMA.datePublished)
                    if _ISO_DATE.fullmatch(str(d))]
            found = sorted(own) or sorted(page)
            if found:
                dates[a] = found[0]
    return dates


def _earliest(dates: Iterable[str | None]) -> str | None:
    found = sorted(d for d in dates if d)
    return found[0] if found else None


def _entity_attrs(g: Graph, node: Node, etype: str, articles: int) -> dict[str, Any]:
    attrs: dict[str, Any] = {"label": _label(g, node), "type": etype, "iri": str(node), "articles": articles}
    pinyin = [o for o in g.objects(node, RDFS.label) if isinstance(o, Literal)
              and (o.language or "").lower() == PINYIN]
    optional = {
        "level": _first(g.objects(node, KG.level)),
        "code": _first(g.objects(node, KG.divisionCode)),
        "pinyin": _first(pinyin),
    }
    attrs.update({k: v for k, v in optional.items() if v is not None})
    aliases = sorted(str(o) for o in g.objects(node, SKOS.altLabel))
    if aliases:
        attrs["aliases"] = aliases
    linked = [o for o in g.objects(node, KG.linked) if isinstance(o, Literal)]
    if linked:
        attrs["linked"] = bool(linked[0].toPython())
    return attrs


def full_view(g: Graph, *, articles: bool = False) -> nx.MultiDiGraph:
    """All entities and the relations between them (one edge per distinct triple).

    ``g`` is a Graph or a Dataset (its graphs are united). With
    ``articles=True`` articles are nodes too (type NewsArticle/Photograph,
    label = headline), with ``mentions`` edges weighted by mention count and
    ``author`` / ``creator`` / ``publisher`` edges.
    """
    g = _union(g)
    types = _entity_types(g)
    dates = _article_dates(g)
    mentioned_in: dict[Node, set[Node]] = defaultdict(set)
    mention_count: Counter[tuple[Node, Node]] = Counter()
    for m in g.subjects(RDF.type, KG.Mention):
        for entity in g.objects(m, KG.mentionOf):
            for article in g.objects(m, KG.inArticle):
                mention_count[(article, entity)] += 1
    for article, entity in g.subject_objects(SCHEMA.mentions):
        mentioned_in[entity].add(article)
    evidence: Counter[tuple[Node, Node, Node]] = Counter()
    evidence_dates: dict[tuple[Node, Node, Node], set[str]] = defaultdict(set)
    for st in g.subjects(RDF.type, RDF.Statement):
        for s in g.objects(st, RDF.subject):
            for p in g.objects(st, RDF.predicate):
                for o in g.objects(st, RDF.object):
                    evidence[(s, p, o)] += 1
                    evidence_dates[(s, p, o)].update(dates[a] for a in g.objects(st, KG.inArticle) if a in dates)

    G = nx.MultiDiGraph()
    for node in sorted(types, key=str):
        attrs = _entity_attrs(g, node, types[node], len(mentioned_in[node]))
        start = _earliest(dates.get(a) for a in mentioned_in[node])
        G.add_node(str(node), **attrs, **({"start": start} if start else {}))
    if articles:
        for cls, name in ARTICLE_TYPES.items():
            for a in sorted(g.subjects(RDF.type, cls), key=str):
                kicker = _first(g.objects(a, KG.kicker))
                text = _first(g.objects(a, SCHEMA.text))
                label = _first(g.objects(a, SCHEMA.headline)) or kicker or (text or "")[:20] or _local(a)
                G.add_node(str(a), label=label, type=name, iri=str(a), kicker=kicker, start=dates.get(a))
    for s, p, o in sorted(g, key=lambda t: (str(t[0]), str(t[1]), str(t[2]))):
        if p == RDF.type or str(s) not in G or str(o) not in G or s == o:
            continue
        if p == SCHEMA.mentions:
            weight, start = mention_count[(s, o)], dates.get(s)
        else:
            weight, start = evidence[(s, p, o)], _earliest(evidence_dates[(s, p, o)])
        label = _local(p)
        G.add_edge(str(s), str(o), key=label, label=label, predicate=str(p), weight=max(1, weight),
                   **({"start": start} if start else {}))
    return G


def _ox_rows(store: Any, sparql: str) -> list[list[Any]]:
    """SELECT rows from an Oxigraph store whose default graph is the union of its named graphs."""
    result = store.query(sparql, use_default_graph_as_union=True)
    names = [v.value for v in result.variables]
    return [[sol[n] for n in names] for sol in result]


def _ox_literal(t: Any) -> Literal:
    lang = t.language
    dt = None if lang or t.datatype.value == str(XSD.string) else URIRef(t.datatype.value)
    return Literal(t.value, lang=lang, datatype=dt)


def _ox_node(t: Any) -> Node:
    return _ox_literal(t) if isinstance(t, ox.Literal) else URIRef(t.value)


_ENTITY_VALUES = " ".join(f"<{c}>" for c in CLASS_TYPES)


def full_view_store(store: Any) -> nx.MultiDiGraph:
    """:func:`full_view` (without articles) of a :class:`pyoxigraph.Store`, by a few SPARQL aggregates.

    The same nodes, edges and attributes as :func:`full_view` on the same quads
    (a test checks), without reading every triple into Python: this is how a
    build of 10⁵ articles writes its Gephi files.
    """
    K, S = KG, SCHEMA
    found: dict[Node, set[str]] = defaultdict(set)
    for s, t in _ox_rows(store, f"SELECT DISTINCT ?s ?t WHERE {{ ?s a ?t VALUES ?t {{ {_ENTITY_VALUES} }} }}"):
        found[URIRef(s.value)].add(CLASS_TYPES[URIRef(t.value)])
    types = {s: next(t for t in TYPE_ORDER if t in names) for s, names in found.items()}
    articles = " ".join(f"<{c}>" for c in ARTICLE_TYPES)
    own: dict[Node, list[str]] = defaultdict(list)
    page: dict[Node, list[str]] = defaultdict(list)
    for a, d in _ox_rows(store, f"SELECT DISTINCT ?a ?d WHERE {{ ?a a ?c ; <{S.datePublished}> ?d "
                                f"VALUES ?c {{ {articles} }} }}"):
        if _ISO_DATE.fullmatch(d.value):
            own[URIRef(a.value)].append(d.value)
    for a, _, d in _ox_rows(store, f"SELECT DISTINCT ?a ?p ?d WHERE {{ ?a a ?c ; <{S.isPartOf}> ?p . "
                                f"?p <{S.datePublished}> ?d VALUES ?c {{ {articles} }} }}"):
        if _ISO_DATE.fullmatch(d.value):
            page[URIRef(a.value)].append(d.value)
    dates = {a: sorted(own[a] or page[a])[0] for a in set(own) | set(page) if own[a] or page[a]}
    mentioned_in: dict[Node, set[Node]] = defaultdict(set)
    for a, e in _ox_rows(store, f"SELECT DISTINCT ?a ?e WHERE {{ ?a <{S.mentions}> ?e }}"):
        mentioned_in[URIRef(e.value)].add(URIRef(a.value))
    evidence: Counter[tuple[Node, Node, Node]] = Counter()
    evidence_dates: dict[tuple[Node, Node, Node], set[str]] = defaultdict(set)
    records: dict[tuple[Node, Node, Node, Node], set[Node]] = defaultdict(set)
    for st, s, p, o, a in _ox_rows(store, f"SELECT DISTINCT ?st ?s ?p ?o ?a WHERE {{ ?st a <{RDF.Statement}> ; "
                                          f"<{RDF.subject}> ?s ; <{RDF.predicate}> ?p ; <{RDF.object}> ?o "
                                          f"OPTIONAL {{ ?st <{K.inArticle}> ?a }} }}"):
        key = (URIRef(st.value), _ox_node(s), _ox_node(p), _ox_node(o))
        records[key]
        if a is not None:
            records[key].add(URIRef(a.value))
    for (_, s, p, o), arts in records.items():
        evidence[(s, p, o)] += 1
        evidence_dates[(s, p, o)].update(dates[a] for a in arts if a in dates)
    values: dict[URIRef, dict[Node, list[Node]]] = {}
    for pred in (RDFS.label, SKOS.altLabel, SKOS.prefLabel, K.level, K.divisionCode, K.linked):
        by_node: dict[Node, list[Node]] = defaultdict(list)
        for s, o in _ox_rows(store, f"SELECT DISTINCT ?s ?o WHERE {{ ?s <{pred}> ?o VALUES ?t {{ {_ENTITY_VALUES} }}"
                                    f" ?s a ?t }}"):
            by_node[URIRef(s.value)].append(_ox_node(o))
        values[pred] = by_node
    g = Graph()  # the entity descriptions only: what _entity_attrs reads
    for pred, by_node in values.items():
        for s, objs in by_node.items():
            for o in set(objs):
                g.add((s, pred, o))
    G = nx.MultiDiGraph()
    for node in sorted(types, key=str):
        attrs = _entity_attrs(g, node, types[node], len(mentioned_in[node]))
        start = _earliest(dates.get(a) for a in mentioned_in[node])
        G.add_node(str(node), **attrs, **({"start": start} if start else {}))
    edges = _ox_rows(store, f"SELECT DISTINCT ?s ?p ?o WHERE {{ ?s ?p ?o . ?s a ?t1 . ?o a ?t2 "
                            f"VALUES ?t1 {{ {_ENTITY_VALUES} }} VALUES ?t2 {{ {_ENTITY_VALUES} }} }}")
    triples = sorted(((URIRef(s.value), URIRef(p.value), URIRef(o.value)) for s, p, o in edges),
                     key=lambda t: (str(t[0]), str(t[1]), str(t[2])))
    for s, p, o in triples:
        if p == RDF.type or str(s) not in G or str(o) not in G or s == o:
            continue
        weight, start = evidence[(s, p, o)], _earliest(evidence_dates[(s, p, o)])
        label = _local(p)
        G.add_edge(str(s), str(o), key=label, label=label, predicate=str(p), weight=max(1, weight),
                   **({"start": start} if start else {}))
    return G


def places_view(g: Graph) -> nx.DiGraph:
    """The administrative tree: AdministrativeArea nodes, edges child → parent (containedInPlace)."""
    full = full_view(g)
    T = nx.DiGraph()
    for node, attrs in full.nodes(data=True):
        if attrs["type"] == "AdministrativeArea":
            T.add_node(node, **attrs)
    for u, v, attrs in full.edges(data=True):
        if attrs["label"] == "containedInPlace" and u in T and v in T:
            T.add_edge(u, v, **attrs)
    return T


def programs_view(g: Graph) -> nx.MultiDiGraph:
    """Programs and the organizations and places that run, join or fund them (every edge touches a program)."""
    full = full_view(g)
    P = nx.MultiDiGraph()
    for u, v, key, attrs in full.edges(keys=True, data=True):
        if "Program" in (full.nodes[u]["type"], full.nodes[v]["type"]):
            P.add_node(u, **full.nodes[u])
            P.add_node(v, **full.nodes[v])
            P.add_edge(u, v, key=key, **attrs)
    for node, attrs in full.nodes(data=True):
        if attrs["type"] == "Program":
            P.add_node(node, **attrs)
    return P


def comention_view(g: Graph) -> nx.Graph:
    """Entities mentioned in the same article; edge ``weight`` = number of such articles."""
    g = _union(g)
    full = full_view(g)
    dates = _article_dates(g)
    per_article: dict[Node, set[str]] = defaultdict(set)
    for article, entity in g.subject_objects(SCHEMA.mentions):
        if str(entity) in full:
            per_article[article].add(str(entity))
    C = nx.Graph()
    for node, attrs in full.nodes(data=True):
        if attrs["articles"]:
            C.add_node(node, **attrs)
    pairs: Counter[tuple[str, str]] = Counter()
    first: dict[tuple[str, str], str] = {}
    for article, entities in per_article.items():
        for pair in combinations(sorted(entities), 2):
            pairs[pair] += 1
            if article in dates and (pair not in first or dates[article] < first[pair]):
                first[pair] = dates[article]
    for (u, v), n in sorted(pairs.items()):
        C.add_edge(u, v, label="comention", weight=n, **({"start": first[(u, v)]} if (u, v) in first else {}))
    return C


VIEWS: dict[str, Callable[[Graph], nx.Graph]] = {
    "full": full_view,
    "places": places_view,
    "programs": programs_view,
    "comention": comention_view,
}

# ------------------------------------------------------------------ flattening

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")
Scalar = str | int | float | bool


def _clean(text: str) -> str:
    """Drop control characters (not allowed in XML 1.0 or shown by Gephi); line breaks become spaces."""
    return _CONTROL.sub(lambda m: " " if m.group() in "\t\n\r" else "", text)


def _flat(value: Any) -> Scalar | None:
    """One scalar: None dropped, lists joined with ``;``, Decimal/date → str, bool kept, NaN dropped."""
    if value is None:
        return None
    if isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return format(value, "f") if value.is_finite() else None
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        value = sorted(value, key=str)
    if isinstance(value, list | tuple):
        parts = [_flat(v) for v in value]
        return ";".join(_clean(_text(p)) for p in parts if p is not None)
    return _clean(str(value))


def _text(value: Scalar) -> str:
    """A scalar as text: booleans ``true``/``false`` (XML Schema), numbers as Python writes them."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _one_type_per_key(items: list[dict[str, Scalar]]) -> list[dict[str, Scalar]]:
    """A key holding values of several types: ints and floats become floats, anything else text."""
    kinds: dict[str, set[type]] = defaultdict(set)
    for d in items:
        for k, v in d.items():
            kinds[k].add(type(v))

    def fix(k: str, v: Scalar) -> Scalar:
        ts = kinds[k]
        if len(ts) == 1:
            return v
        if ts <= {int, float}:
            return float(v)
        return _text(v)

    return [{k: fix(k, v) for k, v in sorted(d.items())} for d in items]


def _weight(value: Any) -> int | float:
    """An edge weight as a number (Gephi sums and scales it): Decimal/str parsed, anything else 1."""
    if isinstance(value, bool) or value is None:
        return 1
    if isinstance(value, int | float):
        return value if math.isfinite(value) else 1
    try:
        number = float(str(value))
    except ValueError:
        return 1
    return number if math.isfinite(number) else 1


@dataclass
class FlatGraph:
    """A view ready for a file: sorted nodes and edges with flat, Gephi-safe attributes.

    ``nodes`` are ``(id, attrs)`` with ``label`` and ``type`` always set;
    ``edges`` are ``(source, target, id, attrs)`` with ``label`` and a
    numeric ``weight`` always set and ids ``e0``, ``e1`` … unique.
    """

    directed: bool
    nodes: list[tuple[str, dict[str, Scalar]]] = field(default_factory=list)
    edges: list[tuple[str, str, str, dict[str, Scalar]]] = field(default_factory=list)
    graph: dict[str, Scalar] = field(default_factory=dict)

    def degree(self) -> Counter[str]:
        """Edges touching each node (parallel edges counted, a self-loop twice)."""
        deg: Counter[str] = Counter({n: 0 for n, _ in self.nodes})
        for u, v, _, _ in self.edges:
            deg[u] += 1
            deg[v] += 1
        return deg


def _flat_dict(d: dict[Any, Any]) -> dict[str, Scalar]:
    return {_clean(str(k)): v for k, raw in d.items() if (v := _flat(raw)) is not None and _clean(str(k))}


def flatten(G: nx.Graph) -> FlatGraph:
    """Sort and flatten any NetworkX graph (see :class:`FlatGraph`); node ids are cleaned strings.

    A node without ``label`` gets its id, one without ``type`` gets ``Thing``;
    an edge without ``label`` gets ``""`` and one without a usable ``weight`` 1.
    Edges are sorted by (source, target, label, attributes) and numbered.
    """
    flat = FlatGraph(directed=G.is_directed(), graph=_flat_dict(dict(G.graph)))
    raw_nodes = sorted(((_clean(str(n)), a) for n, a in G.nodes(data=True)), key=lambda x: x[0])
    node_attrs = []
    for node, attrs in raw_nodes:
        d = _flat_dict(attrs)
        d["label"] = _text(d["label"]) if d.get("label") not in (None, "") else node
        d["type"] = _text(d["type"]) if d.get("type") not in (None, "") else "Thing"
        node_attrs.append(d)
    flat.nodes = list(zip([n for n, _ in raw_nodes], _one_type_per_key(node_attrs), strict=True))

    raw_edges = []
    for u, v, attrs in G.edges(data=True):
        d = _flat_dict({k: a for k, a in attrs.items() if k not in ("weight", "id")})
        d["label"] = _text(d.get("label", ""))
        d["weight"] = _weight(attrs.get("weight"))
        raw_edges.append((_clean(str(u)), _clean(str(v)), d))
    raw_edges.sort(key=lambda e: (e[0], e[1], str(e[2]["label"]), repr(sorted(e[2].items()))))
    fixed = _one_type_per_key([e[2] for e in raw_edges])
    flat.edges = [(u, v, f"e{i}", a) for i, ((u, v, _), a) in enumerate(zip(raw_edges, fixed, strict=True))]
    return flat


# ------------------------------------------------------------------ GraphML

_NMTOKEN_BAD = re.compile(r"[^\w.\-:]")


class _GraphMLWriter(GraphMLWriter):
    """networkx's writer with named key ids (``label``, ``type`` …; edge keys ``edge_label`` …) and
    booleans written ``true``/``false`` as GraphML (XML Schema) requires."""

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
        if element_type is bool:  # networkx passes str(value): "True"
            element.text = element.text.lower()
        return element

    def sort_keys(self) -> None:
        """Key declarations in a fixed, readable order: graph, node, edge; ``label`` and ``type`` first."""
        keys = [k for k in self.xml if k.tag.endswith("key")]
        order = {"graph": 0, "node": 1, "edge": 2, "all": 3}
        first = {"label": 0, "type": 1}
        keys.sort(key=lambda k: (order.get(k.get("for", ""), 4), first.get(k.get("attr.name", ""), 2),
                                 k.get("attr.name", ""), k.get("id", "")))
        for k in keys:
            self.xml.remove(k)
        for i, k in enumerate(keys):
            self.xml.insert(i, k)


def render_graphml(G: nx.Graph | FlatGraph) -> dict[str, bytes]:
    """GraphML for Gephi, igraph and networkx (``{"": bytes}``; see :func:`flatten` for the rules).

    Keys are declared once per (name, type, node/edge) with readable ids; the
    XML is UTF-8 with CJK characters as themselves.
    """
    flat = G if isinstance(G, FlatGraph) else flatten(G)
    H: nx.MultiGraph = nx.MultiDiGraph() if flat.directed else nx.MultiGraph()
    H.graph.update(flat.graph)
    for node, attrs in flat.nodes:
        H.add_node(node, **attrs)
    for u, v, key, attrs in flat.edges:
        H.add_edge(u, v, key=key, **attrs)
    writer = _GraphMLWriter()
    writer.add_graph_element(H)
    writer.sort_keys()
    buf = BytesIO()
    writer.dump(buf)  # UTF-8 text with an XML declaration (str(writer) would escape every CJK character)
    return {"": buf.getvalue()}


# ------------------------------------------------------------------ GEXF

# Colours by type (RGB, the Tableau 10 palette): what Gephi shows before any Appearance setting.
TYPE_COLORS: dict[str, tuple[int, int, int]] = {
    "AdministrativeArea": (31, 119, 180),
    "Place": (23, 190, 207),
    "Organization": (255, 127, 14),
    "Program": (44, 160, 44),
    "Person": (214, 39, 40),
    "NewsArticle": (127, 127, 127),
    "Photograph": (188, 189, 34),
}
OTHER_COLOR = (148, 103, 189)
# GEXF names networkx's writer takes from the attribute dict; others with these names are renamed.
_GEXF_NODE_RESERVED = {"id", "pid", "start", "end", "viz", "parents", "slices", "spells"}
_GEXF_EDGE_RESERVED = {"id", "type", "start", "end", "viz", "slices", "spells", "key", "networkx_key"}


def node_size(degree: int) -> float:
    """Gephi node size from degree: 10 + 5·√degree (a hub of 100 edges is 6× a leaf)."""
    return round(10 + 5 * math.sqrt(degree), 2)


def _gexf_attrs(attrs: dict[str, Scalar], reserved: set[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in attrs.items():
        if k == "start" and isinstance(v, str) and _ISO_DATE.fullmatch(v):
            out["start"] = v  # Gephi's timeline (timeformat="date")
        elif k in reserved:
            out[f"{k}_attr"] = v
        else:
            out[k] = v
    return out


class _GEXFWriter(GEXFWriter):
    """networkx's GEXF 1.2 writer with a deterministic ``meta``: no wall-clock lastmodifieddate."""

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
        if node_or_edge == "edge":  # the edge id already names a parallel edge: no networkx_key column
            data = {k: v for k, v in data.items() if k != "key"}
        return super().add_attributes(node_or_edge, xml_obj, data, default)


def render_gexf(G: nx.Graph | FlatGraph) -> dict[str, bytes]:
    """GEXF 1.2 (as networkx writes it) with ``viz`` colour by type and size by degree.

    Nodes and edges with a ``start`` date (from the page's schema:datePublished)
    make the graph dynamic, so Gephi's timeline can filter by date; the
    meta date is the latest such date (none when the pages are undated).
    """
    flat = G if isinstance(G, FlatGraph) else flatten(G)
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
    writer = _GEXFWriter(max(dates) if dates else None)
    writer.add_graph(H)
    buf = BytesIO()
    writer.write(buf)
    return {"": buf.getvalue()}


# ------------------------------------------------------------------ CSV


def _csv_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def _columns(items: list[dict[str, Scalar]], fixed: dict[str, str]) -> tuple[list[str], list[str]]:
    """(column headers, attribute keys): Gephi's fixed columns first, then every other key sorted.
    A key that clashes with a fixed column (any case) is written ``key_attr``."""
    taken = {c.lower() for c in fixed.values()}
    keys = sorted({k for d in items for k in d} - set(fixed))
    headers = list(fixed.values()) + [f"{k}_attr" if k.lower() in taken else k for k in keys]
    return headers, keys


def render_csv(G: nx.Graph | FlatGraph) -> dict[str, bytes]:
    """Gephi spreadsheet-import node and edge lists: ``{".nodes": …, ".edges": …}`` (UTF-8, no BOM).

    Nodes: ``Id, Label, Type`` then the other attributes; edges: ``Source,
    Target, Type`` (Directed/Undirected, as Gephi reads it), ``Id, Label,
    Weight`` then the others (``predicate``, ``start`` …). Lists are joined
    with ``;``, booleans written ``true``/``false``.
    """
    flat = G if isinstance(G, FlatGraph) else flatten(G)
    node_items = [a for _, a in flat.nodes]
    fixed_nodes = {"label": "Label", "type": "Type"}
    headers, keys = _columns(node_items, fixed_nodes)
    rows = [[node, _text(a["label"]), _text(a["type"])] + [_text(a[k]) if k in a else "" for k in keys]
            for node, a in flat.nodes]
    nodes = _csv_bytes(["Id", *headers], rows)
    edge_items = [a for _, _, _, a in flat.edges]
    fixed_edges = {"label": "Label", "weight": "Weight"}
    e_headers, e_keys = _columns(edge_items, {"source": "Source", "target": "Target", "type": "Type",
                                              "id": "Id", **fixed_edges})
    direction = "Directed" if flat.directed else "Undirected"
    e_rows = [[u, v, direction, eid, _text(a["label"]), _text(a["weight"])]
              + [_text(a[k]) if k in a else "" for k in e_keys] for u, v, eid, a in flat.edges]
    edges = _csv_bytes(e_headers, e_rows)
    return {".nodes": nodes, ".edges": edges}


# ------------------------------------------------------------------ files


@dataclass(frozen=True)
class ViewFormat:
    """A view file format: its extension and a renderer to ``{name part: bytes}``."""

    name: str
    extension: str
    render: Callable[[nx.Graph | FlatGraph], dict[str, bytes]]


VIEW_FORMATS: dict[str, ViewFormat] = {
    "graphml": ViewFormat("graphml", ".graphml", render_graphml),
    "gexf": ViewFormat("gexf", ".gexf", render_gexf),
    "csv": ViewFormat("csv", ".csv", render_csv),
}


def view_files(out: str | Path, fmt: str) -> dict[str, Path]:
    """The file(s) a format writes for ``out``: ``g.graphml``; for CSV ``g.nodes.csv`` and ``g.edges.csv``
    (``out`` with or without the ``.csv`` extension)."""
    spec = VIEW_FORMATS[fmt]
    out = Path(out)
    stem = out.with_suffix("") if out.suffix.lower() == spec.extension else out
    if fmt == "csv":
        return {part: stem.with_name(f"{stem.name}{part}{spec.extension}") for part in (".nodes", ".edges")}
    return {"": out if out.suffix else out.with_suffix(spec.extension)}


def _write(rendered: list[tuple[dict[str, bytes], dict[str, Path]]]) -> list[Path]:
    """Write every rendered file (all were rendered first, so a failure leaves no partial set)."""
    return [atomic_write(paths[part], data) for files, paths in rendered for part, data in files.items()]


def write_graphml(G: nx.Graph, path: Path) -> Path:
    """Write a view as GraphML (see :func:`render_graphml`); the file is replaced atomically."""
    return atomic_write(Path(path), render_graphml(G)[""])


def _check(view: str, fmt: str) -> None:
    if view not in VIEWS:
        raise KgError(f"unknown view {view!r}; views: {', '.join(VIEWS)}")
    if fmt not in VIEW_FORMATS:
        raise KgError(f"unknown view format {fmt!r}; formats: {', '.join(VIEW_FORMATS)}")


def build_view(g: Graph, view: str = "full", *, articles: bool = False) -> nx.Graph:
    """View ``view`` of an RDF graph; unknown names raise :class:`KgError` listing the views."""
    _check(view, "graphml")
    return full_view(g, articles=articles) if view == "full" else VIEWS[view](g)


def export_view(graph_path: str | Path, out: str | Path, view: str = "full", fmt: str = "graphml", *,
                articles: bool = False) -> list[Path]:
    """Read an export (``kg.query.load_graph``), build view ``view`` and write it as ``fmt`` at ``out``.

    Returns the files written (two for CSV, see :func:`view_files`). Unknown
    view or format names raise :class:`KgError` listing the known ones.
    """
    from kg.query import load_graph

    _check(view, fmt)
    G = build_view(load_graph(graph_path), view, articles=articles)
    return _write([(VIEW_FORMATS[fmt].render(flatten(G)), view_files(out, fmt))])


def write_view(graph_path: str | Path, out: str | Path, view: str = "full", *, articles: bool = False) -> Path:
    """:func:`export_view` with the format taken from ``out``'s extension (GraphML if none)."""
    ext = Path(out).suffix.lower()
    fmt = next((f.name for f in VIEW_FORMATS.values() if f.extension == ext), "graphml")
    return export_view(graph_path, out, view, fmt, articles=articles)[0]


def write_view_exports(g: Graph | ox.Store, out_dir: str | Path, name: str = "graph") -> dict[str, Path]:
    """The full view of ``g`` (an rdflib graph or an Oxigraph store) in every format into ``out_dir``:
    ``graph.graphml``, ``graph.gexf``, ``graph.nodes.csv`` and ``graph.edges.csv``.
    Returns ``{"graphml": path, …, "csv-nodes": …}``."""
    flat = flatten(full_view_store(g) if isinstance(g, ox.Store) else full_view(g))
    out_dir = Path(out_dir)
    rendered = [(spec.render(flat), view_files(out_dir / f"{name}{spec.extension}", fmt))
                for fmt, spec in VIEW_FORMATS.items()]
    _write(rendered)
    out: dict[str, Path] = {}
    for (_, paths), fmt in zip(rendered, VIEW_FORMATS, strict=True):
        for part, path in paths.items():
            out[f"{fmt}-{part.lstrip('.')}" if part else fmt] = path
    return out
